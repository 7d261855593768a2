"""spec/ itself: valid schemas, valid data files, and every cited ruling exists."""

from __future__ import annotations

import re

import pytest
from jsonschema.validators import Draft202012Validator

from conftest import SPEC, load_json

SCHEMAS = sorted(SPEC.glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_schema_is_valid_2020_12(path: object) -> None:
    schema = load_json(path)  # type: ignore[arg-type]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_data_files_match_their_schemas() -> None:
    from codegen import load_spec

    spec = load_spec()  # validates errors/handshake/segments against data.schema.json
    codes = [entry["code"] for entry in spec.errors["errors"]]
    assert len(codes) == len(set(codes))
    names = [c["name"] for c in spec.segments["containers"]]
    assert names == ["mp4", "mov", "avi", "mkv", "webm", "mpeg-ts", "mpeg-2-ts"]


def test_every_cited_ruling_is_recorded() -> None:
    decisions = (SPEC / "DECISIONS.md").read_text(encoding="utf-8")
    recorded = set(re.findall(r"^\| (D\d+) \|", decisions, flags=re.MULTILINE))
    assert recorded == {f"D{n}" for n in range(1, len(recorded) + 1)}
    cited: set[str] = set()
    for path in SPEC.glob("*.json"):
        cited |= set(re.findall(r"\bD\d+\b", path.read_text(encoding="utf-8")))
    assert cited, "the spec cites no rulings"
    assert cited <= recorded, cited - recorded


def test_every_server_message_has_the_common_envelope() -> None:
    defs = load_json(SPEC / "protocol.schema.json")["$defs"]
    for branch in defs["ServerMessage"]["oneOf"]:
        name = branch["$ref"].rsplit("/", 1)[1]
        message = defs[name]
        # The envelope fields are written once, in Envelope, which every message extends.
        assert message["allOf"] == [{"$ref": "#/$defs/Envelope"}]
        assert set(message["properties"]) == {"type", "data"}
        assert message["required"] == ["type", "data"]
    envelope = defs["Envelope"]
    assert envelope["required"] == ["timestamp", "correlation_id"]
    assert envelope["properties"]["timestamp"] == {"$ref": "#/$defs/Timestamp"}
    assert envelope["properties"]["correlation_id"] == {"$ref": "#/$defs/CorrelationId"}
    # ... and the models inherit them: one Struct holds the envelope fields.
    import interhuman_stream as ih

    for cls in ih.messages.MESSAGE_CLASSES.values():
        assert issubclass(cls, ih.messages.Envelope)
        assert cls.__struct_fields__[:2] == ("timestamp", "correlation_id")
