"""The decoder's failure path for integers written as integral floats (`3.0`, D13).

A frame the typed decoder refuses only because an integer field holds `3.0` must cost about
what the typed decode of the same frame costs: the members the models ignore (any number of
them, of any size) are skipped in C, never decoded to Python objects and walked.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
import tracemalloc
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from schema_strategies import strategy_for

import interhuman_stream as ih
from conftest import EXAMPLES, load_json

ERROR = load_json(EXAMPLES / "server/error--reference.json")
READY = load_json(EXAMPLES / "server/session.ready--reference.json")
QUALITY = load_json(EXAMPLES / "server/conversation_quality.updated--reference.json")

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
    from interhuman_stream import _codec

    decoder = msgspec.json.Decoder(_codec._shadow_struct(_Nested), dec_hook=_codec._integers_hook)
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
    decoded = msgspec.json.decode(_codec._shadow_encoder.encode(shadow), type=_Nested)
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
        error = _codec._shadow_error(caught.value, document)
        assert error.path == path, error
        assert error.reason.startswith("Expected `int"), error
