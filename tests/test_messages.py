"""The message models against spec/, two ways.

Golden messages: each file under spec/examples/ is one case. Server cases must validate
against the spec, decode to the class their type names, and re-encode to the same JSON value;
client cases the same through the client codec.

Differential: the JSON Schema in spec/ and the generated models are two definitions of the
same messages: on valid instances and on mutated ones they must agree. Budget:
INTERHUMAN_DIFFERENTIAL_EXAMPLES examples per schema and test (default 60; `nox -s fuzz` runs
10,000).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_strategies import defs, mutated, resolve, strategy_for

import interhuman_stream as ih
from conftest import EXAMPLES, load_json, validator_for
from interhuman_stream._segments import DOCUMENTED_MIN_SEGMENT_SIZE_BYTES

# -- golden messages --------------------------------------------------------------------

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


# -- the schema and the models agree (differential) --------------------------------------

DIFFERENTIAL_EXAMPLES = int(os.environ.get("INTERHUMAN_DIFFERENTIAL_EXAMPLES", "60"))
SERVER = sorted(cls.__name__ for cls in ih.messages.MESSAGE_CLASSES.values())
CLIENT = ["SessionConfig", "SessionClose"]
VALUES = ["SessionSummary"]
BUDGET = settings(
    max_examples=DIFFERENTIAL_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def decode(name: str, raw: bytes) -> Any:
    """The model's reading of a frame claimed to be a `name`: the typed message, or None when
    the models do not accept it as one (DecodeError, or another type)."""
    if name not in SERVER and name not in CLIENT:  # a value type, such as the summary
        try:
            return msgspec.json.decode(raw, type=getattr(ih, name))
        except msgspec.ValidationError:
            return None
    try:
        message = (ih.decode_server_message if name in SERVER else ih.decode_client_message)(raw)
    except ih.DecodeError:
        return None
    return message if type(message).__name__ == name else None


def known_members(document: Any, schema: dict[str, Any]) -> Any:
    """The document without the members its schema does not define (the models drop them)."""
    schema = resolve(schema)
    for combiner in ("anyOf", "oneOf"):
        if combiner in schema:
            for branch in schema[combiner]:
                if validator_for_branch(branch, document):
                    return known_members(document, branch)
            return document
    if isinstance(document, dict) and "properties" in schema:
        return {
            key: known_members(value, schema["properties"][key])
            for key, value in document.items()
            if key in schema["properties"]
        }
    if isinstance(document, list) and "items" in schema:
        return [known_members(value, schema["items"]) for value in document]
    return document


def validator_for_branch(branch: dict[str, Any], document: Any) -> bool:
    target = resolve(branch)
    kind = target.get("type")
    if kind is None:
        return "enum" in target and document in target["enum"]
    kinds = kind if isinstance(kind, list) else [kind]
    python = {"object": dict, "array": list, "string": str, "null": type(None), "integer": int}
    return any(isinstance(document, python.get(k, (int, float))) for k in kinds)


def same_meaning(value: Any, key: str | None = None) -> Any:
    """Timestamps as instants to the microsecond (what a datetime holds; msgspec rounds finer
    fractions, fromisoformat cuts them); everything else as JSON values (3 == 3.0)."""
    if isinstance(value, dict):
        return {k: same_meaning(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [same_meaning(v) for v in value]
    if key == "timestamp" and isinstance(value, str):
        return Instant(value)
    return value


class Instant:
    """An RFC 3339 timestamp compared as an instant, to within the microsecond a datetime
    keeps (msgspec rounds finer fractions, fromisoformat cuts them)."""

    def __init__(self, text: str) -> None:
        text = text.replace("Z", "+00:00").replace("z", "+00:00")
        if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
            text = text[:-2] + ":" + text[-2:]  # a basic-format offset (D31)
        self.moment = datetime.fromisoformat(text.replace(" ", "T", 1))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instant) and abs(self.moment - other.moment) <= ONE_MICROSECOND

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"Instant({self.moment.isoformat()})"


ONE_MICROSECOND = timedelta(microseconds=1)


@pytest.mark.parametrize("name", SERVER + CLIENT + VALUES)
@BUDGET
@given(data=st.data())
def test_valid_instances_decode_and_round_trip(name: str, data: st.DataObject) -> None:
    document = data.draw(strategy_for(name), label="document")
    assert validator_for(name).is_valid(document)  # the strategy makes what the spec allows
    message = decode(name, json.dumps(document).encode())
    assert message is not None, "the models refuse a valid instance"
    encoded = ih.encode_client_message(message) if name in CLIENT else msgspec.json.encode(message)
    again = json.loads(encoded)
    assert validator_for(name).is_valid(again), "re-encoding broke the schema"
    assert same_meaning(again) == same_meaning(known_members(document, defs()[name]))


# The summary is made by the package, never read from the wire, so only its round trip is
# checked (valid instances above); the mutations are for what arrives from a peer.
@pytest.mark.parametrize("name", SERVER + CLIENT)
@BUDGET
@given(data=st.data())
def test_schema_and_models_agree_on_mutations(name: str, data: st.DataObject) -> None:
    document = data.draw(strategy_for(name), label="document")
    kind, changed = data.draw(mutated(defs()[name], document), label="mutation")
    valid = validator_for(name).is_valid(changed)
    accepted = decode(name, json.dumps(changed).encode()) is not None
    assert accepted == valid, f"{kind}: schema says {'valid' if valid else 'invalid'}"
