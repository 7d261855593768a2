"""The JSON Schema in spec/ and the generated models are two definitions of the same messages:
on valid instances and on mutated ones they must agree.

Budget: INTERHUMAN_DIFFERENTIAL_EXAMPLES examples per schema and test (default 60; `nox -s
fuzz` runs 10,000).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_strategies import defs, mutated, resolve, strategy_for

import interhuman_stream as ih
from conftest import validator_for

EXAMPLES = int(os.environ.get("INTERHUMAN_DIFFERENTIAL_EXAMPLES", "60"))
SERVER = sorted(cls.__name__ for cls in ih.messages.MESSAGE_CLASSES.values())
CLIENT = ["SessionConfig", "SessionClose"]
VALUES = ["SessionSummary"]
BUDGET = settings(
    max_examples=EXAMPLES,
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
