"""Golden messages: every documented example and our own, checked both ways.

Each file under spec/examples/ is one case. Server cases must validate against the spec,
decode to the class their type names, and re-encode to the same JSON value; client cases the
same through the client codec.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

import interhuman_stream as ih
from conftest import EXAMPLES, load_json, validator_for
from interhuman_stream._segments import DOCUMENTED_MIN_SEGMENT_SIZE_BYTES

SERVER_CASES = sorted((EXAMPLES / "server").glob("*.json"))
CLIENT_CASES = sorted((EXAMPLES / "client").glob("*.json"))
REFERENCE_TEXT = (
    Path(__file__).resolve().parents[2] / "shared/protocol/streaming-analyze-reference.txt"
)


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def normalized(value: Any, key: str | None = None) -> Any:
    """A JSON value with timestamps compared as instants.

    msgspec writes a datetime in its shortest RFC 3339 form (no trailing zero microseconds,
    `Z` for UTC), so the documented "2025-01-01T00:00:00.000000Z" comes back as
    "2025-01-01T00:00:00Z": the same instant. Numbers compare by value (3 == 3.0).
    """
    if isinstance(value, dict):
        return {k: normalized(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if key == "timestamp" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return value


def test_there_is_a_golden_for_every_message_type() -> None:
    server_types = {path.name.split("--")[0] for path in SERVER_CASES}
    assert server_types >= ih.messages.KNOWN_MESSAGE_TYPES
    assert any(
        path.name.split("--")[0] not in ih.messages.KNOWN_MESSAGE_TYPES for path in SERVER_CASES
    )
    client_kinds = {path.name.split("--")[0] for path in CLIENT_CASES}
    assert client_kinds == {"session-config", "session-close", "video-segment"}


@pytest.mark.parametrize("path", SERVER_CASES, ids=_ids(SERVER_CASES))
def test_server_golden(path: Path) -> None:
    raw = path.read_bytes()
    document = load_json(path)
    message = ih.decode_server_message(raw)
    assert ih.decode_server_message(raw.decode("utf-8")) == message

    if document["type"] not in ih.messages.KNOWN_MESSAGE_TYPES:
        # An unknown type is outside the spec's union, yet decodes without loss.
        assert not validator_for("ServerMessage").is_valid(document)
        assert isinstance(message, ih.UnknownMessage)
        assert message.type == document["type"]
        assert message.timestamp == document["timestamp"]
        assert message.correlation_id == document["correlation_id"]
        assert message.data == document["data"]
        assert message.raw == raw
        return

    errors = [e.message for e in validator_for("ServerMessage").iter_errors(document)]
    assert errors == []
    expected_class = ih.messages.MESSAGE_CLASSES[document["type"]]
    assert type(message) is expected_class
    assert validator_for(expected_class.__name__).is_valid(document)

    encoded = msgspec.json.encode(message)
    assert normalized(json.loads(encoded)) == normalized(document)
    assert validator_for("ServerMessage").is_valid(json.loads(encoded))
    assert ih.decode_server_message(encoded) == message


@pytest.mark.parametrize("path", CLIENT_CASES, ids=_ids(CLIENT_CASES))
def test_client_golden(path: Path) -> None:
    raw = path.read_bytes()
    document = load_json(path)
    if path.name.startswith("video-segment--"):
        # D21: the reference's binary-segment example is `[]`, an empty byte array. It is
        # not a text frame, and as bytes it is below the documented minimum segment size.
        assert document == []
        assert not validator_for("ClientMessage").is_valid(document)
        with pytest.raises(ih.DecodeError) as caught:
            ih.decode_client_message(raw)
        assert caught.value.path == "$"
        assert len(bytes(document)) < DOCUMENTED_MIN_SEGMENT_SIZE_BYTES
        return

    assert validator_for("ClientMessage").is_valid(document)
    message = ih.decode_client_message(raw)
    expected = ih.messages.SessionClose if "type" in document else ih.messages.SessionConfig
    assert type(message) is expected
    encoded = ih.encode_client_message(message)
    assert json.loads(encoded) == document
    assert ih.decode_client_message(encoded) == message


def test_reference_examples_are_kept_exactly_as_documented() -> None:
    if not REFERENCE_TEXT.exists():
        pytest.skip("the shared protocol material is not beside this checkout")
    reference = REFERENCE_TEXT.read_text(encoding="utf-8")
    cases = [*SERVER_CASES, *CLIENT_CASES]
    documented = [p for p in cases if p.stem.endswith("--reference")]
    assert len(documented) == 10
    for path in documented:
        assert path.read_text(encoding="utf-8").rstrip("\n") in reference, path.name
