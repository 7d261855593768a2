"""The generated AsyncAPI 3.0 document: valid against the official schema (pinned test data,
@asyncapi/specs 6.11.1), and naming exactly the messages spec/ defines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema.validators import Draft7Validator

import interhuman_stream as ih
from conftest import ROOT, SPEC, load_json

DOCUMENT = ROOT / "generated" / "asyncapi.yaml"
OFFICIAL_SCHEMA = Path(__file__).resolve().parent / "data" / "asyncapi" / "3.0.0.json"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def test_valid_against_the_official_asyncapi_3_schema() -> None:
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(document()), key=lambda e: e.path)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_every_message_of_the_spec_and_nothing_else() -> None:
    messages = document()["components"]["messages"]
    json_payloads = {
        m["payload"]["$ref"].rsplit("/", 1)[1] for m in messages.values() if "$ref" in m["payload"]
    }
    server = {cls.__name__ for cls in ih.MESSAGE_CLASSES.values()}
    client = {
        branch["$ref"].rsplit("/", 1)[1]
        for branch in load_json(SPEC / "protocol.schema.json")["$defs"]["ClientMessage"]["oneOf"]
    }
    assert json_payloads == server | client
    binary = [m for m in messages.values() if "$ref" not in m["payload"]]
    assert [m["contentType"] for m in binary] == ["application/octet-stream"]
    names = {m["name"] for m in messages.values()}
    assert set(ih.MESSAGE_CLASSES) <= names


def test_payload_references_resolve_to_the_spec() -> None:
    defs = load_json(SPEC / "protocol.schema.json")["$defs"]
    for message in document()["components"]["messages"].values():
        reference = message["payload"].get("$ref")
        if reference is None:
            continue
        file, _, pointer = reference.partition("#")
        assert (DOCUMENT.parent / file).resolve() == (SPEC / "protocol.schema.json").resolve()
        assert pointer.rsplit("/", 1)[1] in defs


def test_operations_and_security_follow_the_handshake() -> None:
    doc = document()
    handshake = load_json(SPEC / "handshake.json")
    channel = doc["channels"][handshake["asyncapi_channel"]]
    assert channel["address"] == handshake["path"]
    headers = channel["bindings"]["ws"]["headers"]["properties"]
    assert set(headers) == {handshake["client_request_id_header"]["name"]}
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["subprotocolCredential"]["name"] == "Sec-WebSocket-Protocol"
    sends = {name for name, op in doc["operations"].items() if op["action"] == "send"}
    receives = [op for op in doc["operations"].values() if op["action"] == "receive"]
    assert len(sends) == 3 and len(receives) == 1
    assert len(receives[0]["messages"]) == len(ih.MESSAGE_CLASSES)
