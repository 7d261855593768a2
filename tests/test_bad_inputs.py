"""Frames that are not valid messages: each raises DecodeError with the JSON path.

Every case that is well-formed JSON is also checked against the spec with jsonschema, so the
table cannot drift from what the spec says is invalid.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import interhuman_stream as ih
from conftest import EXAMPLES, load_json, validator_for

DETECTED = load_json(EXAMPLES / "server/signal.detected--reference.json")
READY = load_json(EXAMPLES / "server/session.ready--reference.json")
QUALITY = load_json(EXAMPLES / "server/conversation_quality.updated--reference.json")
ERROR = load_json(EXAMPLES / "server/error--reference.json")
ENGAGEMENT = load_json(EXAMPLES / "server/engagement.updated--reference.json")


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
