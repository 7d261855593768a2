"""Shared paths, validators and the transcript marks for the test suite."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
EXAMPLES = SPEC / "examples"
TRANSCRIPTS = ROOT / "tests" / "transcripts"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def protocol_schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_json(SPEC / "protocol.schema.json")
    return schema


@cache
def validator_for(def_name: str) -> Draft202012Validator:
    """A format-checking 2020-12 validator for one $defs entry of protocol.schema.json."""
    return schema_validator(protocol_schema(), def_name)


def schema_validator(schema: dict[str, Any], def_name: str) -> Draft202012Validator:
    """The same for one $defs entry of `schema` (another version's protocol schema)."""
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    return Draft202012Validator(
        {"$ref": f"{schema['$id']}#/$defs/{def_name}"},
        registry=registry,
        format_checker=jsonschema.FormatChecker(),
    )


# -- transcript marks ---------------------------------------------------------------------
#
# A line of a transcript (tests/transcripts/*.jsonl) that the check must report carries what
# it must report, as its first key: {"expect": ["rule", ...], "at": ..., "recv": {...}}.
# The CLI takes no such key on an action line, so the tests hand it a copy without the marks,
# line for line (the same line numbers), and expect exactly the marked [line, rule] pairs.

_MARK = re.compile(r'\{"expect": (\[[^\[\]]*\]), ')


def _marked_lines(path: Path) -> tuple[list[str], list[list[object]]]:
    """The transcript's lines with the marks taken out, and the [line, rule] pairs marked."""
    lines = path.read_text(encoding="utf-8").split("\n")
    marks: list[list[object]] = []
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # not JSON (a blank line, or one the check must call invalid): no mark
        if not isinstance(entry, dict) or "expect" not in entry:
            continue
        where = f"{path.name}:{number}"
        rest = {key: value for key, value in entry.items() if key != "expect"}
        assert rest, f"{where}: a mark goes on the line that breaks the rule, not on its own"
        match = _MARK.match(line)
        assert match, f'{where}: a mark is the line\'s first key, {{"expect": ["rule", ...], ...'
        rules = json.loads(match[1])
        assert rules and all(isinstance(rule, str) for rule in rules), f"{where}: {rules!r}"
        lines[number - 1] = "{" + line[match.end() :]
        assert json.loads(lines[number - 1]) == rest, where
        marks.extend([number, rule] for rule in rules)
    return lines, marks


def transcript_marks(path: Path) -> list[list[object]]:
    """What checking the transcript must report, in order: [line, rule] for each mark."""
    return _marked_lines(path)[1]


def unmarked_text(path: Path) -> str:
    """The transcript as the CLI takes it: every line as recorded, without its mark."""
    return "\n".join(_marked_lines(path)[0])


def unmarked(path: Path, directory: Path) -> Path:
    """A copy of the transcript without its marks, written into directory."""
    copy = directory / path.name
    copy.write_text(unmarked_text(path), encoding="utf-8")
    return copy
