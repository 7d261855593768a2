"""Shared paths and validators for the test suite."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
EXAMPLES = SPEC / "examples"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def protocol_schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_json(SPEC / "protocol.schema.json")
    return schema


@cache
def validator_for(def_name: str) -> Draft202012Validator:
    """A format-checking 2020-12 validator for one $defs entry of protocol.schema.json."""
    schema = protocol_schema()
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    return Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{def_name}"},
        registry=registry,
        format_checker=jsonschema.FormatChecker(),
    )
