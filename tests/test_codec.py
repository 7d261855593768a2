"""The codec: decode_server_message, decode_client_message and encode_client_message beyond
the golden cases (those are in test_messages.py), and the error catalog.

- Frames that are not valid messages each raise DecodeError with the JSON path; every case
  that is well-formed JSON is also checked against the spec with jsonschema, so the table
  cannot drift from what the spec says is invalid.
- The failure path for integers written as integral floats (`3.0`, D13): a frame the typed
  decoder refuses only because an integer field holds `3.0` must cost about what the typed
  decode of the same frame costs: the members the models ignore (any number of them, of any
  size) are skipped in C, never decoded to Python objects and walked.
- Untrusted bytes never fail with anything but the documented errors (a modest budget here;
  `nox -s fuzz` runs a million inputs, coverage-guided).
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import statistics
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_strategies import strategy_for

import interhuman_stream as ih
from conftest import EXAMPLES, load_json, validator_for
from fuzz import targets

DETECTED_BYTES = (EXAMPLES / "server/signal.detected--reference.json").read_bytes()
DETECTED = load_json(EXAMPLES / "server/signal.detected--reference.json")
READY = load_json(EXAMPLES / "server/session.ready--reference.json")
QUALITY = load_json(EXAMPLES / "server/conversation_quality.updated--reference.json")
ERROR = load_json(EXAMPLES / "server/error--reference.json")
ENGAGEMENT = load_json(EXAMPLES / "server/engagement.updated--reference.json")


def test_decoded_fields_are_typed() -> None:
    message = ih.decode_server_message(DETECTED_BYTES)
    assert isinstance(message, ih.messages.SignalDetected)
    assert message.timestamp == datetime(2025, 1, 1, tzinfo=timezone.utc)
    # A checked UUID, kept as the string the server sent (as its X-Correlation-ID header).
    assert message.correlation_id == "550e8400-e29b-41d4-a716-446655440000"
    assert message.data.signal_type == "agreement"
    assert message.data.start == 3.0
    assert isinstance(message.data.start, float)
    assert message.data.probability == "high"
    assert message.data.modality is msgspec.UNSET


def test_absent_and_null_stay_distinct() -> None:
    absent = ih.decode_server_message(
        (EXAMPLES / "server/error--unknown-code-no-segment.json").read_bytes()
    )
    null = ih.decode_server_message((EXAMPLES / "server/error--connection-wide.json").read_bytes())
    assert isinstance(absent, ih.messages.ErrorMessage)
    assert isinstance(null, ih.messages.ErrorMessage)
    assert absent.data.segment is msgspec.UNSET
    assert null.data.segment is None
    assert "segment" not in json.loads(msgspec.json.encode(absent))["data"]
    assert json.loads(msgspec.json.encode(null))["data"]["segment"] is None


def test_messages_are_frozen_and_keyword_only() -> None:
    message = ih.decode_server_message(DETECTED_BYTES)
    with pytest.raises(AttributeError):
        message.timestamp = datetime.now(timezone.utc)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ih.messages.SignalEndedData("agreement", 3.0)  # type: ignore[misc]
    assert hash(ih.messages.SignalEndedData(signal_type="agreement", end=3.0))


def test_unknown_fields_in_server_messages_are_ignored() -> None:
    document = json.loads(DETECTED_BYTES)
    document["version"] = 2
    document["data"]["end"] = 14  # D11: [SK-V1-REF] showed an end here; it is not ours.
    document["data"]["extra"] = {"nested": [1, 2, {"deep": None}]}
    message = ih.decode_server_message(json.dumps(document))
    assert message == ih.decode_server_message(DETECTED_BYTES)


def test_open_vocabularies_accept_new_values_and_expose_known_ones() -> None:
    document = json.loads(DETECTED_BYTES)
    document["data"]["signal_type"] = "curiosity"
    message = ih.decode_server_message(json.dumps(document))
    assert isinstance(message, ih.messages.SignalDetected)
    assert message.data.signal_type == "curiosity"
    assert "curiosity" not in ih.messages.KNOWN_SIGNAL_TYPES
    assert "agreement" in ih.messages.KNOWN_SIGNAL_TYPES
    assert "ih6002" in ih.messages.KNOWN_ERROR_CODES
    assert "client_shutdown" in ih.messages.KNOWN_END_REASONS


@pytest.mark.parametrize("kind", ["transcript.updated", "session.paused", "x", ""])
def test_unknown_type_is_an_unknown_message(kind: str) -> None:
    document = {"type": kind, "timestamp": 5, "data": {"anything": [1, "two"]}, "more": True}
    raw = json.dumps(document).encode()
    message = ih.decode_server_message(raw)
    assert isinstance(message, ih.UnknownMessage)
    assert message.type == kind
    assert message.timestamp is None  # not a string: not passed through
    assert message.correlation_id is None
    assert message.data == {"anything": [1, "two"]}
    assert message.raw == raw


def test_unknown_message_from_text_keeps_the_bytes() -> None:
    text = '{"type": "later.type", "data": null}'
    message = ih.decode_server_message(text)
    assert isinstance(message, ih.UnknownMessage)
    assert message.raw == text.encode()


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.8e308", "123456789" * 40])
def test_an_unknown_type_decodes_whatever_its_data_holds(number: str) -> None:
    frame = (
        '{"type": "future.x", "timestamp": "2026-01-01T00:00:00Z", '
        '"correlation_id": "00000000-0000-0000-0000-000000000007", '
        f'"data": {{"v": {number}, "ok": [1, 2]}}}}'
    )
    message = ih.decode_server_message(frame)
    assert isinstance(message, ih.UnknownMessage)
    assert message.type == "future.x"
    if isinstance(message.data, str):  # kept as its JSON text when no Python value fits
        assert number in message.data
    else:
        assert message.data["ok"] == [1, 2]
    client = ih.ClientConnection()
    assert isinstance(client.receive_message(frame), ih.UnknownMessage)


def test_an_unknown_type_with_bytes_that_are_not_utf8_in_its_data_is_a_decode_error() -> None:
    # Found by the fuzzer: the raw data of an unknown envelope is only read as text when it
    # is decoded, and invalid UTF-8 there escaped as a UnicodeDecodeError.
    frame = b'{"type": "future.x", "data": {"v": "\xf6\xff"}}'
    with pytest.raises(ih.DecodeError, match="UTF-8"):
        ih.decode_server_message(frame)


def test_bytes_like_inputs() -> None:
    expected = ih.decode_server_message(DETECTED_BYTES)
    assert ih.decode_server_message(bytearray(DETECTED_BYTES)) == expected  # type: ignore[arg-type]
    assert ih.decode_server_message(memoryview(DETECTED_BYTES)) == expected  # type: ignore[arg-type]


def test_a_truncated_unknown_type_is_reported_as_truncated() -> None:
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_server_message(b'{"type": "later.type", "data": {')
    assert "truncated" in caught.value.reason


def test_decode_error_is_a_value_error_with_context() -> None:
    frame = json.dumps({**DETECTED, "data": {**DETECTED["data"], "start": "3"}})
    with pytest.raises(ValueError, match=r"\$\.data\.start") as caught:
        ih.decode_server_message(frame)
    assert isinstance(caught.value, ih.DecodeError)
    assert caught.value.reason == "Expected `float`, got `str`"
    assert caught.value.data == frame


def test_encode_config_and_close() -> None:
    config = ih.messages.SessionConfig(
        include=["conversation_quality_overall"], goal_dimensions=["clarity", "rapport"]
    )
    assert json.loads(ih.encode_client_message(config)) == {
        "include": ["conversation_quality_overall"],
        "goal_dimensions": ["clarity", "rapport"],
    }
    assert ih.encode_client_message(ih.messages.SessionConfig()) == b"{}"
    assert ih.encode_client_message(ih.messages.SessionConfig(include=[])) == b'{"include":[]}'
    assert ih.encode_client_message(ih.messages.SessionClose()) == b'{"type":"session.close"}'


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (ih.messages.SessionConfig(include=[7]), "$.include[0]"),  # type: ignore[list-item]
        (ih.messages.SessionConfig(goal_dimensions=[None]), "$.goal_dimensions[0]"),  # type: ignore[list-item]
        (ih.messages.SessionConfig(include="conversation_quality_overall"), "$.include"),  # type: ignore[arg-type]
    ],
)
def test_encode_rejects_what_the_spec_rejects(message: ih.ClientMessage, path: str) -> None:
    with pytest.raises(ValueError) as caught:
        ih.encode_client_message(message)
    assert str(caught.value).endswith(f"(at {path})")


def test_encode_rejects_non_client_messages() -> None:
    with pytest.raises(TypeError):
        ih.encode_client_message(ih.decode_server_message(DETECTED_BYTES))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ih.encode_client_message({"include": []})  # type: ignore[arg-type]


def test_message_classes_match_their_tags() -> None:
    assert set(ih.messages.MESSAGE_CLASSES) == ih.messages.KNOWN_MESSAGE_TYPES
    for tag, cls in ih.messages.MESSAGE_CLASSES.items():
        assert cls.__struct_config__.tag == tag
        assert cls.__struct_config__.tag_field == "type"
        assert cls.__struct_config__.frozen


def test_error_catalog() -> None:
    info = ih.error_info("ih6002")
    assert info is not None
    assert info.ends_session is None  # not in any source (D19)
    assert ih.ERROR_CATALOG["ih6001"].ends_session is False
    assert ih.error_info("ih2003") == ih.ERROR_CATALOG["ih2003"]
    assert ih.ERROR_CATALOG["ih2003"].close_code == 4003
    assert ih.error_info("ih9999") is None
    assert set(ih.ERROR_CATALOG) == ih.messages.KNOWN_ERROR_CODES


def test_ih6002_says_whether_it_ends_the_session_is_unknown() -> None:
    info = ih.error_info("ih6002")
    assert info is not None and info.ends_session is None


# -- frames that are not valid messages -------------------------------------------------


def edit(document: dict[str, Any], path: str, value: Any = ..., *, drop: bool = False) -> bytes:
    """A copy of document with the member at a dotted path replaced or removed."""
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if drop:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return json.dumps(result).encode()


# (case id, frame, expected JSON path of the problem)
NOT_JSON = [
    ("truncated", json.dumps(DETECTED).encode()[:-5], "$"),
    ("empty", b"", "$"),
    ("trailing-garbage", json.dumps(DETECTED).encode() + b"x", "$"),
    ("not-utf8", b'{"type": "signal.detected", "x": "\xff\xfe"}', "$"),
    ("lone-surrogate-text", '{"type": "\ud800"}', "$"),
    ("nan", json.dumps(ENGAGEMENT).replace("42", "NaN").encode(), "$"),
    ("deep-nesting", b"[" * 100_000 + b"]" * 100_000, "$"),
]


INVALID = [
    ("array", b"[1, 2]", "$"),
    ("string", b'"session.ready"', "$"),
    ("null", b"null", "$"),
    ("missing-type", edit(DETECTED, "type", drop=True), "$"),
    ("type-not-string", edit(DETECTED, "type", 7), "$.type"),
    ("type-null", edit(DETECTED, "type", None), "$.type"),
    ("missing-timestamp", edit(DETECTED, "timestamp", drop=True), "$"),
    ("missing-correlation-id", edit(DETECTED, "correlation_id", drop=True), "$"),
    ("missing-data", edit(DETECTED, "data", drop=True), "$"),
    ("data-not-object", edit(DETECTED, "data", []), "$.data"),
    ("missing-signal-type", edit(DETECTED, "data.signal_type", drop=True), "$.data"),
    ("missing-start", edit(DETECTED, "data.start", drop=True), "$.data"),
    ("start-as-string", edit(DETECTED, "data.start", "3"), "$.data.start"),
    ("start-as-bool", edit(DETECTED, "data.start", True), "$.data.start"),
    ("start-negative", edit(DETECTED, "data.start", -0.5), "$.data.start"),
    ("start-null", edit(DETECTED, "data.start", None), "$.data.start"),
    (
        "start-beyond-a-double",
        edit(DETECTED, "data.start", 1e300).replace(b"1e+300", b"1e400"),
        "$.data.start",
    ),
    (
        "timestamp-space-not-a-date",
        edit(DETECTED, "timestamp", "2025-02-29 00:00:00Z"),
        "$.timestamp",
    ),
    (
        "timestamp-short-offset",
        edit(DETECTED, "timestamp", "2025-01-01T00:00:00+01"),
        "$.timestamp",
    ),
    (
        "segment-fraction-after-integral-ones",
        edit(ERROR, "data.segment", 2.000001),
        "$.data.segment",
    ),
    (
        # An undocumented probability decodes (D33); a non-string one is structural breakage.
        "probability-number",
        edit(DETECTED, "data.probability", 0.9),
        "$.data.probability",
    ),
    ("rationale-number", edit(DETECTED, "data.rationale", 1), "$.data.rationale"),
    ("signal-type-empty", edit(DETECTED, "data.signal_type", ""), "$.data.signal_type"),
    ("signal-type-number", edit(DETECTED, "data.signal_type", 3), "$.data.signal_type"),
    ("modality-not-list", edit(DETECTED, "data.modality", "video"), "$.data.modality"),
    ("timestamp-no-offset", edit(DETECTED, "timestamp", "2025-01-01T00:00:00"), "$.timestamp"),
    ("timestamp-garbage", edit(DETECTED, "timestamp", "yesterday"), "$.timestamp"),
    ("timestamp-month-13", edit(DETECTED, "timestamp", "2025-13-01T00:00:00Z"), "$.timestamp"),
    ("timestamp-number", edit(DETECTED, "timestamp", 1735689600), "$.timestamp"),
    ("uuid-garbage", edit(DETECTED, "correlation_id", "not-a-uuid"), "$.correlation_id"),
    (
        "uuid-short",
        edit(DETECTED, "correlation_id", "550e8400-e29b-41d4-a716-44665544000"),
        "$.correlation_id",
    ),
    (
        "uuid-no-hyphens",
        edit(DETECTED, "correlation_id", "550e8400e29b41d4a716446655440000"),
        "$.correlation_id",
    ),
    (
        "uuid-not-hex",
        edit(DETECTED, "correlation_id", "550e8400-e29b-41d4-a716-4466554_0000"),
        "$.correlation_id",
    ),
    ("uuid-number", edit(DETECTED, "correlation_id", 7), "$.correlation_id"),
    ("engagement-state-number", edit(ENGAGEMENT, "data.state", 2), "$.data.state"),
    ("score-above-100", edit(QUALITY, "data.overall.clarity", 100.5), "$.data.overall.clarity"),
    (
        "score-negative",
        edit(QUALITY, "data.timeline.0.values.energy", -1),
        "$.data.timeline[0].values.energy",
    ),
    ("score-as-string", edit(QUALITY, "data.overall.rapport", "75"), "$.data.overall.rapport"),
    ("score-missing", edit(QUALITY, "data.overall.learning", drop=True), "$.data.overall"),
    ("timeline-not-list", edit(QUALITY, "data.timeline", {}), "$.data.timeline"),
    ("segment-negative", edit(ERROR, "data.segment", -1), "$.data.segment"),
    ("segment-fraction", edit(ERROR, "data.segment", 2.5), "$.data.segment"),
    ("segment-as-string", edit(ERROR, "data.segment", "2"), "$.data.segment"),
    ("error-code-missing", edit(ERROR, "data.code", drop=True), "$.data"),
    ("error-message-null", edit(ERROR, "data.message", None), "$.data.message"),
    (
        "ready-size-as-float",
        edit(READY, "data.max_segment_size_bytes", 1.5),
        "$.data.max_segment_size_bytes",
    ),
    (
        "ready-timeout-missing",
        edit(READY, "data.session_idle_timeout_seconds", drop=True),
        "$.data",
    ),
    (
        "ready-include-item-number",
        edit(READY, "data.supported_session_config_options.include.0", 7),
        "$.data.supported_session_config_options.include[0]",
    ),
]


@pytest.mark.parametrize(("frame", "path"), [c[1:] for c in NOT_JSON], ids=[c[0] for c in NOT_JSON])
def test_unreadable_frames(frame: bytes | str, path: str) -> None:
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_server_message(frame)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.path == path
    assert error.reason
    assert error.data is frame
    assert path in str(error)


@pytest.mark.parametrize(("frame", "path"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_messages(frame: bytes, path: str) -> None:
    assert not validator_for("ServerMessage").is_valid(json.loads(frame))
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_server_message(frame)
    assert caught.value.path == path, caught.value
    assert caught.value.data is frame
    # The text form of the same frame fails the same way.
    with pytest.raises(ih.DecodeError) as again:
        ih.decode_server_message(frame.decode())
    assert again.value.path == path


CLIENT_INVALID = [
    ("not-object", b"[]", "$"),
    ("unknown-type", b'{"type": "session.pause"}', "$.type"),
    ("type-not-string", b'{"type": 1}', "$.type"),
    ("close-with-extra-field", b'{"type": "session.close", "now": true}', "$"),
    ("config-unknown-field", b'{"include": [], "model": "inter-2"}', "$"),
    # An undocumented value is decodable: whether it may be sent is a contract rule (D34).
    ("config-include-item-number", b'{"include": [1]}', "$.include[0]"),
    ("config-include-not-list", b'{"include": "conversation_quality_overall"}', "$.include"),
    ("config-goal-item-null", b'{"goal_dimensions": [null]}', "$.goal_dimensions[0]"),
    ("config-truncated", b'{"include": [', "$"),
]


@pytest.mark.parametrize(
    ("frame", "path"), [c[1:] for c in CLIENT_INVALID], ids=[c[0] for c in CLIENT_INVALID]
)
def test_invalid_client_frames(frame: bytes, path: str) -> None:
    try:
        document = json.loads(frame)
    except ValueError:
        pass
    else:
        assert not validator_for("ClientMessage").is_valid(document)
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_client_message(frame)
    assert caught.value.path == path, caught.value


# -- integers written as integral floats: the slow path (D13) ---------------------------


# A member the models do not define, of a million floats (about 4 MiB of JSON).
IGNORED = "[" + ",".join(["1.5"] * 1_000_000) + "]"


def frame(document: dict[str, Any], **raw: str) -> bytes:
    """The document as JSON with each `raw` member's JSON text put in verbatim: a member path
    written with `__` for its dots, replaced where it is, or added last."""
    document = copy.deepcopy(document)
    for path in raw:
        *parents, last = path.split("__")
        node = document
        for part in parents:
            node = node[part]
        node[last] = f"@@{path}@@"
    text = json.dumps(document)
    for path, value in raw.items():
        text = text.replace(json.dumps(f"@@{path}@@"), value)
    return text.encode()


def decode(data: bytes) -> Any:
    try:
        return ih.decode_server_message(data)
    except ih.DecodeError as error:
        return error


def cost(data: bytes) -> tuple[float, int]:
    """Median time of a few decodes, and the peak of memory traced during one."""
    times = []
    for _ in range(7):
        started = time.perf_counter()
        decode(data)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    try:
        decode(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return statistics.median(times), peak


IGNORED_FIRST = {**ERROR, "data": {"ignored": None, **ERROR["data"]}}


# (case id, the frame with an integer, the same frame with it written as an integral float)
LARGE = [
    (
        "error-segment-ignored-member-in-data-after",
        frame(ERROR, data__segment="2", data__ignored=IGNORED),
        frame(ERROR, data__segment="2.0", data__ignored=IGNORED),
    ),
    (
        "error-segment-ignored-member-in-data-before",
        frame(IGNORED_FIRST, data__ignored=IGNORED, data__segment="2"),
        frame(IGNORED_FIRST, data__ignored=IGNORED, data__segment="2.0"),
    ),
    (
        "ready-byte-count-ignored-member-at-top-level",
        frame(READY, data__max_segment_size_bytes="33554432", ignored=IGNORED),
        frame(READY, data__max_segment_size_bytes="33554432.0", ignored=IGNORED),
    ),
    (
        "ready-byte-count-ignored-member-before-data",
        frame({"ignored": None, **READY}, ignored=IGNORED, data__min_segment_size_bytes="1"),
        frame({"ignored": None, **READY}, ignored=IGNORED, data__min_segment_size_bytes="1e0"),
    ),
]


@pytest.mark.parametrize(("fast", "slow"), [c[1:] for c in LARGE], ids=[c[0] for c in LARGE])
def test_an_integral_float_costs_about_what_the_typed_decode_costs(
    fast: bytes, slow: bytes
) -> None:
    # The frame really takes the failure path, and reads as the frame with the integer.
    with pytest.raises(msgspec.ValidationError, match="got `float`"):
        msgspec.json.decode(slow, type=ih.ServerMessage)
    expected = ih.decode_server_message(fast)
    message = ih.decode_server_message(slow)
    assert message == expected
    assert all(type(value) is int for value in integer_values(message))
    fast_time, fast_peak = cost(fast)
    slow_time, slow_peak = cost(slow)
    # The memory bound is the exact one (tracemalloc does not depend on the machine's load).
    # Time is only a coarse guard against the old walk, since the suite shares 2 noisy cores:
    # today about 1-2x, under a parallel load up to about 4x; the walk was about 40x.
    assert slow_time <= 15 * fast_time, (slow_time, fast_time)
    # The typed decode allocates next to nothing when the large member is ignored; the slack
    # covers the few small objects the failure path builds.
    assert slow_peak <= 4 * fast_peak + 256 * 1024, (slow_peak, fast_peak)


def integer_values(message: Any) -> list[Any]:
    if isinstance(message, ih.messages.ErrorMessage):
        return [message.data.segment]
    assert isinstance(message, ih.messages.SessionReady)
    return [message.data.min_segment_size_bytes, message.data.max_segment_size_bytes]


# (case id, frame, the integer fields' expected values)
INTEGRAL = [
    ("segment", frame(ERROR, data__segment="2.0"), [2]),
    ("segment-exponent", frame(ERROR, data__segment="2e1"), [20]),
    ("segment-negative-zero", frame(ERROR, data__segment="-0.0"), [0]),
    ("segment-fraction-and-exponent", frame(ERROR, data__segment="1.5e1"), [15]),
    (
        "ready-both-byte-counts",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes="3.2e7"),
        [1, 32_000_000],
    ),
    (
        "ready-byte-count-beyond-64-bits",
        frame(READY, data__max_segment_size_bytes="1e20"),
        [1, 10**20],
    ),
    (
        # Unknown members are skipped as the typed decoder skips them, whatever they hold.
        "ignored-members-anywhere",
        frame(
            ERROR,
            data__segment="3.0",
            data__extra='{"n": 1e400, "deep": ' + "[" * 500 + "]" * 500 + "}",
            extra='[1e400, "x"]',
        ),
        [3],
    ),
]


@pytest.mark.parametrize(
    ("data", "values"), [c[1:] for c in INTEGRAL], ids=[c[0] for c in INTEGRAL]
)
def test_integral_floats_read_as_integers(data: bytes, values: list[int]) -> None:
    message = ih.decode_server_message(data)
    assert integer_values(message) == values
    assert all(type(value) is int for value in integer_values(message))
    assert ih.decode_server_message(data.decode()) == message


def test_numbers_that_are_not_integers_keep_their_type() -> None:
    # Seconds beside a byte count written as a float stay floats, -0.0 included, as the typed
    # decoder reads them; so do scores, whatever path decodes them.
    ready = ih.decode_server_message(
        frame(
            READY,
            data__session_idle_timeout_seconds="300.0",
            data__min_segment_duration_seconds="-0.0",
            data__max_segment_size_bytes="33554432.0",
        )
    )
    assert isinstance(ready, ih.messages.SessionReady)
    assert type(ready.data.session_idle_timeout_seconds) is float
    assert str(ready.data.min_segment_duration_seconds) == "-0.0"
    assert ready.data.max_segment_size_bytes == 33_554_432
    quality = ih.decode_server_message(frame(QUALITY, data__overall__clarity="75.0"))
    assert isinstance(quality, ih.messages.ConversationQualityUpdated)
    assert isinstance(quality.data.overall, ih.messages.QualityScores)
    assert type(quality.data.overall.clarity) is float
    assert quality.data.timeline
    assert all(type(period.values.energy) is float for period in quality.data.timeline)


SEGMENT_FIRST = {**ERROR, "data": {"segment": None, **ERROR["data"]}}


# (case id, frame, JSON path, reason)
STILL_INVALID = [
    (
        "segment-fraction",
        frame(ERROR, data__segment="2.5"),
        "$.data.segment",
        "Expected `int | null`, got `float`",
    ),
    (
        "byte-count-fraction-after-an-integral-one",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes="1.5"),
        "$.data.max_segment_size_bytes",
        "Expected `int`, got `float`",
    ),
    (
        "byte-count-negative",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes="-1.0"),
        "$.data.max_segment_size_bytes",
        "Expected `int` >= 0",
    ),
    (
        "byte-count-string-not-coerced",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes='"2"'),
        "$.data.max_segment_size_bytes",
        "Expected `int`, got `str`",
    ),
    (
        "byte-count-array",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes="[2.0]"),
        "$.data.max_segment_size_bytes",
        "Expected `int`, got `array`",
    ),
    (
        "byte-count-beyond-a-double",
        frame(READY, data__min_segment_size_bytes="1.0", data__max_segment_size_bytes="1e400"),
        "$.data.max_segment_size_bytes",
        "Number out of range",
    ),
    (
        # The first problem in document order is named, as the typed decoder names it.
        "fraction-before-another-problem",
        frame(SEGMENT_FIRST, data__segment="2.5", data__message="5"),
        "$.data.segment",
        "Expected `int | null`, got `float`",
    ),
    (
        "another-problem-after-an-integral-float",
        frame(SEGMENT_FIRST, data__segment="2.0", data__message="5"),
        "$.data.message",
        "Expected `str`, got `int`",
    ),
    (
        # Only integer fields read 3.0 as 3: elsewhere it is named as the typed decoder names it.
        "integral-float-for-a-string-after-an-integral-float",
        frame(SEGMENT_FIRST, data__segment="2.0", data__message="5.0"),
        "$.data.message",
        "Expected `str`, got `float`",
    ),
    (
        "a-problem-in-a-nested-object",
        frame(
            READY,
            data__max_segment_size_bytes="2.0",
            data__supported_session_config_options__include="[1]",
        ),
        "$.data.supported_session_config_options.include[0]",
        "Expected `str`, got `int`",
    ),
    (
        "missing-field",
        frame({**ERROR, "data": {"code": "ih1"}}, data__segment="2.0"),
        "$.data",
        "Object missing required field `message`",
    ),
    (
        "bad-correlation-id",
        frame({**ERROR, "correlation_id": "nope"}, data__segment="2.0"),
        "$.correlation_id",
        "Invalid UUID",
    ),
]


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [c[1:] for c in STILL_INVALID],
    ids=[c[0] for c in STILL_INVALID],
)
def test_what_is_not_an_integer_stays_a_decode_error(data: bytes, path: str, reason: str) -> None:
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_server_message(data)
    assert (caught.value.path, caught.value.reason) == (path, reason)
    assert caught.value.data is data


def test_a_broken_document_after_the_first_problem_is_unreadable() -> None:
    # The field error may come before the part that is not JSON: the frame is unreadable.
    for tail in ("[1,", "nul"):
        data = frame(ERROR, data__segment="2.5").replace(
            b'"code"', b'"x": ' + tail.encode() + b', "code"'
        )
        with pytest.raises(ih.DecodeError) as caught:
            ih.decode_server_message(data)
        assert caught.value.path == "$"
        assert "JSON" in caught.value.reason or "truncated" in caught.value.reason


def test_an_unknown_type_keeps_its_floats() -> None:
    message = ih.decode_server_message(
        frame({**ERROR, "type": "error.v2"}, data__segment="2.0", extra=IGNORED[:40] + "]")
    )
    assert isinstance(message, ih.UnknownMessage)
    assert message.data["segment"] == 2.0
    assert type(message.data["segment"]) is float


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategy_for("ErrorMessage") | strategy_for("SessionReady"))
def test_integers_written_as_floats_decode_to_the_same_message(document: dict[str, Any]) -> None:
    # Every integer anywhere (known or not) written as a float: the same message.
    if any(abs(n) > 2**53 for n in numbers(document)):
        return
    floated = json.dumps(as_floats(document)).encode()
    assert ih.decode_server_message(floated) == ih.decode_server_message(
        json.dumps(document).encode()
    )


def numbers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return [value] if type(value) is int else []


def as_floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_floats(item) for item in value]
    return float(value) if type(value) is int else value


class _Inner(msgspec.Struct, frozen=True, kw_only=True):
    count: int


class _Nested(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="nested"):
    sizes: list[int]
    by_name: dict[str, int]
    either: int | list[int]
    inners: list[_Inner]
    score: float = 0.0


def test_integers_inside_containers_and_unions() -> None:
    # No server message has these shapes today; the shadow types are built from the models,
    # so one that grows them must read 3.0 as 3 there too, and name the exact path.
    from interhuman_stream import _decoding

    decoder = msgspec.json.Decoder(
        _decoding._shadow_struct(_Nested), dec_hook=_decoding._integers_hook
    )
    base = {"type": "nested", "sizes": [], "by_name": {}, "either": 0, "inners": []}
    document = frame(
        base,
        sizes="[1.0, 2]",
        by_name='{"a": 3e0}',
        either="[4.0]",
        inners='[{"count": 5.0, "x": 1e400}]',
        score="6.0",
    )
    shadow = decoder.decode(document)
    decoded = msgspec.json.decode(_decoding._shadow_encoder.encode(shadow), type=_Nested)
    assert decoded == _Nested(
        sizes=[1, 2], by_name={"a": 3}, either=[4], inners=[_Inner(count=5)], score=6.0
    )
    assert type(decoded.sizes[0]) is int
    assert type(decoded.score) is float
    for member, value, path in [
        ("sizes", "[1.0, 2.5]", "$.sizes[1]"),
        ("by_name", '{"a": 2.5}', "$.by_name[...]"),
        ("either", "2.5", "$.either"),
        ("either", "[1.0, 2.5]", "$.either[1]"),
        ("inners", '[{"count": 1.0}, {"count": 2.5}]', "$.inners[1].count"),
    ]:
        with pytest.raises(msgspec.ValidationError) as caught:
            decoder.decode(frame(base, **{member: value}))
        error = _decoding._shadow_error(caught.value, document)
        assert error.path == path, error
        assert error.reason.startswith("Expected `int"), error


# -- untrusted bytes (`nox -s fuzz` runs the large budget) -------------------------------


BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BUDGET
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    targets.check_frame(data)
    targets.check_session([data])


@BUDGET
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    targets.check_frame(text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(ih.DecodeError):
        ih.decode_server_message(text)


@BUDGET
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_structure_aware_mutations_of_the_goldens(rng: random.Random, count: int) -> None:
    frames = [
        (targets.structured_input if rng.random() < 0.8 else targets.raw_input)(rng)
        for _ in range(count)
    ]
    for frame in frames:
        targets.check_frame(frame)
    targets.check_session(frames)


def test_deep_nesting_and_huge_documents_stay_documented_errors() -> None:
    for frame in (b"[" * 200_000, b'{"a":' * 100_000, b'"' + b"x" * 5_000_000 + b'"'):
        targets.check_frame(frame)
    targets.check_session([b"[" * 200_000 + b"]" * 200_000])


def test_an_integral_float_inside_deep_nesting_is_a_documented_error() -> None:
    # The 3.0-for-an-integer retry walks the document; deep nesting must not escape it.
    for depth in (400, 600, 950, 5000):
        nested = "[" * depth + "]" * depth
        frame = (
            '{"type": "error", "timestamp": "2025-01-01T00:00:00Z", "correlation_id": '
            '"550e8400-e29b-41d4-a716-446655440000", "data": {"code": "ih1", "message": "m", '
            f'"segment": 1.0, "extra": {nested}}}}}'
        ).encode()
        targets.check_frame(frame)
        targets.check_session([frame])


CRASHES = sorted((Path(__file__).resolve().parent.parent / "fuzz" / "crashes").glob("crash-*"))


@pytest.mark.parametrize("path", CRASHES, ids=[p.name for p in CRASHES])
def test_inputs_the_fuzzer_once_broke_on(path: Path) -> None:
    # libFuzzer writes a breaking input to fuzz/crashes/; commit it with its fix.
    data = path.read_bytes()
    targets.check_frame(data)
    targets.check_session([data])
