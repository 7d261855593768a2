"""Hypothesis strategies built from spec/protocol.schema.json, and mutations that break it.

The builder covers exactly the JSON Schema the spec uses (type, const, enum, properties,
required, additionalProperties, items, minimum/maximum, minLength, pattern, format date-time
and uuid, anyOf/oneOf, allOf of object schemas, $ref) and refuses anything else, so a new
keyword in the spec cannot be silently ignored by the differential tests.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import strategies as st
from jsonschema.validators import Draft202012Validator

from conftest import protocol_schema
from fuzz.targets import member_at, members

KNOWN_KEYWORDS = {
    "$ref", "type", "const", "enum", "properties", "required", "additionalProperties", "items",
    "minimum", "maximum", "minLength", "pattern", "format", "anyOf", "oneOf", "discriminator",
    "description", "$comment", "title", "not", "allOf",
}  # fmt: skip
# Keys a server may add to any object: the models must ignore them (D20).
EXTRA_KEYS = st.sampled_from(["version", "trace", "x_extra", "confidence_band"])
EXTRA_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5))


def defs() -> dict[str, Any]:
    found: dict[str, Any] = protocol_schema()["$defs"]
    return found


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs()[schema["$ref"].rsplit("/", 1)[1]]
    return merged(schema)


def merged(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema with the object schemas it extends (allOf) folded in: their
    properties and required members are its own (all the spec uses allOf for)."""
    if "allOf" not in schema:
        return schema
    result = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for base in (resolve(branch) for branch in schema["allOf"]):
        if set(base) - {"type", "properties", "required", "description", "$comment"}:
            raise NotImplementedError("allOf is only supported over plain object schemas")
        properties.update(base.get("properties", {}))
        required += base.get("required", [])
    properties.update(schema.get("properties", {}))
    result["properties"] = properties
    result["required"] = [*required, *schema.get("required", [])]
    return result


def timestamps() -> st.SearchStrategy[str]:
    """RFC 3339 date-times with an offset, in the spellings servers use."""

    def spell(moment: datetime, digits: int, zulu: bool, offset_minutes: int) -> str:
        zone = timezone(timedelta(minutes=offset_minutes))
        local = moment.astimezone(zone)
        text = local.strftime("%Y-%m-%dT%H:%M:%S")
        if digits:
            text += "." + f"{local.microsecond:06d}"[:digits]
        if zulu and offset_minutes == 0:
            return text + "Z"
        sign = "+" if offset_minutes >= 0 else "-"
        hours, minutes = divmod(abs(offset_minutes), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"

    return st.builds(
        spell,
        st.datetimes(
            min_value=datetime(1971, 1, 2),
            max_value=datetime(2099, 12, 30),
            timezones=st.just(timezone.utc),
        ),
        st.sampled_from([0, 3, 6]),
        st.booleans(),
        st.sampled_from([0, 0, 60, -300, 330, 840, -720]),
    )


def uuids() -> st.SearchStrategy[str]:
    return st.builds(
        lambda value, upper: str(value).upper() if upper else str(value), st.uuids(), st.booleans()
    )


@cache
def strategy_for(name: str) -> st.SearchStrategy[Any]:
    return strategy(defs()[name])


def strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise NotImplementedError(f"schema keywords the strategies do not cover: {sorted(unknown)}")
    if "$ref" in schema:
        return st.deferred(lambda: strategy_for(schema["$ref"].rsplit("/", 1)[1]))
    if "allOf" in schema:
        return strategy(merged(schema))
    if "not" in schema:
        excluded = Draft202012Validator(schema["not"])
        rest = {k: v for k, v in schema.items() if k != "not"}
        return strategy(rest).filter(lambda value: not excluded.is_valid(value))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combiner in ("anyOf", "oneOf"):
        if combiner in schema:
            # Keywords beside the combiner apply to every branch.
            shared = {k: v for k, v in schema.items() if k not in (combiner, "discriminator")}
            return st.one_of([strategy({**shared, **branch}) for branch in schema[combiner]])
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return st.one_of([_typed(kind, schema) for kind in kinds])


def _typed(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        low, high = schema.get("minimum", -1e9), schema.get("maximum", 1e9)
        return st.one_of(
            st.integers(int(low), int(min(high, 2**40))),
            st.floats(low, high, allow_nan=False, allow_infinity=False),
        )
    if kind == "string":
        if schema.get("format") == "date-time":
            return timestamps()
        if schema.get("format") == "uuid":
            return uuids()
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=40)
    if kind == "array":
        return st.lists(strategy(schema["items"]), max_size=4)
    if kind == "object":
        return _object(schema)
    raise NotImplementedError(kind)


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    optional = {k: strategy(v) for k, v in properties.items() if k not in required}
    base = st.fixed_dictionaries(
        {k: strategy(v) for k, v in properties.items() if k in required}, optional=optional
    )
    if schema.get("additionalProperties") is False:
        return base
    extras = st.dictionaries(EXTRA_KEYS, EXTRA_VALUES, max_size=2)
    return st.builds(lambda known, more: {**more, **known}, base, extras)


# -- mutations -------------------------------------------------------------------------------
# Each returns a changed copy of a valid instance, or None when it does not apply there.

WRONG_TYPES: list[Any] = ["3", True, None, [], {}, 1.5, 7, "2025-01-01T00:00:00Z"]
BAD_TIMESTAMPS = [
    "2025-01-01T00:00:00", "2025-01-01 00:00:00Z", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
    "2025-01-01T24:00:00Z", "2025-01-01T23:59:60Z", "yesterday", "", "2025-01-01T00:00:00+25:00",
    "20250101T000000Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00Z\n",
]  # fmt: skip
BAD_UUIDS = [
    "550e8400e29b41d4a716446655440000", "550e8400-e29b-41d4-a716-44665544000",
    "550e8400-e29b-41d4-a716-4466554400000", "550e8400-e29b-41d4-a716-4466554_0000",
    "{550e8400-e29b-41d4-a716-446655440000}", "not-a-uuid", "",
    "g50e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000\n",
]  # fmt: skip


def schema_at(schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any] | None:
    """The schema of the member at `path` (through $ref; None under anyOf/oneOf choices)."""
    node = resolve(schema)
    for step in path:
        if "anyOf" in node or "oneOf" in node:
            branches = [resolve(b) for b in node.get("anyOf", node.get("oneOf", []))]
            typed = [b for b in branches if b.get("type") not in (None, "null")]
            if len(typed) != 1:
                return None
            node = typed[0]
        if isinstance(step, int):
            node = resolve(node.get("items", {}))
        else:
            node = resolve(node.get("properties", {}).get(step, {}))
    return node


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for step in path[:-1]:
        node = node[step]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed


_DROP = object()
MUTATIONS = [
    "drop",
    "wrong_type",
    "out_of_range",
    "outside_set",
    "bad_timestamp",
    "bad_uuid",
    "string_for_number",
    "integral_float",
]


@st.composite
def mutated(draw: st.DrawFn, schema: dict[str, Any], document: Any) -> tuple[str, Any]:
    """A (kind, changed document) pair; the change may or may not break the schema."""
    candidates = members(document)
    if not candidates:
        return "none", document
    path = draw(st.sampled_from(candidates))
    kind = draw(st.sampled_from(MUTATIONS))
    node = schema_at(schema, path) or {}
    current = member_at(document, path)
    if kind == "drop" and isinstance(path[-1], str):
        return kind, _set(document, path, _DROP)
    if kind == "wrong_type":
        return kind, _set(document, path, draw(st.sampled_from(WRONG_TYPES)))
    if kind == "out_of_range" and ("minimum" in node or "maximum" in node):
        bound = draw(st.sampled_from([b for b in ("minimum", "maximum") if b in node]))
        if bound == "minimum":
            value = node["minimum"] - draw(st.sampled_from([1, 0.5, 1e-9]))
        else:
            value = node["maximum"] + 0.5  # (past the largest double this stays the maximum)
        return kind, _set(document, path, value)
    if kind == "outside_set" and "enum" in node:
        return kind, _set(
            document, path, draw(st.sampled_from(["certain", "", "HIGH", "engaged "]))
        )
    if kind == "bad_timestamp" and node.get("format") == "date-time":
        return kind, _set(document, path, draw(st.sampled_from(BAD_TIMESTAMPS)))
    if kind == "bad_uuid" and node.get("format") == "uuid":
        return kind, _set(document, path, draw(st.sampled_from(BAD_UUIDS)))
    if (
        kind == "string_for_number"
        and isinstance(current, (int, float))
        and not isinstance(current, bool)
    ):
        return kind, _set(document, path, json.dumps(current))
    if kind == "integral_float" and isinstance(current, int) and not isinstance(current, bool):
        return kind, _set(document, path, float(current))
    # The chosen mutation does not apply here: replace the value with arbitrary JSON text.
    return "any_value", _set(
        document, path, draw(st.one_of(EXTRA_VALUES, st.sampled_from(WRONG_TYPES)))
    )
