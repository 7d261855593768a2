"""The generated AsyncAPI 3.0 document: valid against the official schema (pinned test data,
@asyncapi/specs 6.11.1), and naming exactly the messages spec/ defines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import WEBM_HEAD, Pair, ready_data
from jsonschema.validators import Draft7Validator

import interhuman_stream as ih
from conftest import ROOT, SPEC, load_json

DOCUMENT = ROOT / "generated" / "asyncapi.yaml"
OFFICIAL_SCHEMA = Path(__file__).resolve().parent / "data" / "asyncapi" / "3.0.0.json"


def document(path: Path = DOCUMENT) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_valid_against_the_official_asyncapi_3_schema(version: str) -> None:
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    doc = document() if version == "v1" else document_v2()
    errors = sorted(Draft7Validator(schema).iter_errors(doc), key=lambda e: e.path)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_every_message_of_the_spec_and_nothing_else() -> None:
    messages = document()["components"]["messages"]
    json_payloads = {
        m["payload"]["$ref"].rsplit("/", 1)[1] for m in messages.values() if "$ref" in m["payload"]
    }
    server = {cls.__name__ for cls in ih.messages.MESSAGE_CLASSES.values()}
    client = {
        branch["$ref"].rsplit("/", 1)[1]
        for branch in load_json(SPEC / "protocol.schema.json")["$defs"]["ClientMessage"]["oneOf"]
    }
    assert json_payloads == server | client
    binary = [m for m in messages.values() if "$ref" not in m["payload"]]
    assert [m["contentType"] for m in binary] == ["application/octet-stream"]
    names = {m["name"] for m in messages.values()}
    assert set(ih.messages.MESSAGE_CLASSES) <= names


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
    assert len(receives[0]["messages"]) == len(ih.messages.MESSAGE_CLASSES)


# The reference: "Acknowledges that an inbound stream_session_config_v1 text frame was accepted".
CONFIG_ID = "stream_session_config_v1"


def test_the_config_message_is_named_as_the_reference_names_it() -> None:
    doc = document()
    channel_name = load_json(SPEC / "handshake.json")["asyncapi_channel"]
    channel = doc["channels"][channel_name]
    messages = doc["components"]["messages"]
    config = messages[CONFIG_ID]
    assert config["name"] == CONFIG_ID
    assert config["title"] and config["title"] != CONFIG_ID  # a human still reads a title
    assert config["payload"]["$ref"].endswith("#/$defs/SessionConfig")
    assert channel["messages"][CONFIG_ID] == {"$ref": f"#/components/messages/{CONFIG_ID}"}
    # Exactly one message carries the SessionConfig payload, and no other name is left for it.
    carriers = [
        k for k, m in messages.items() if m["payload"].get("$ref", "").endswith("/SessionConfig")
    ]
    assert carriers == [CONFIG_ID]
    assert "sessionConfig" not in channel["messages"]
    sends = [op for op in doc["operations"].values() if op["action"] == "send"]
    referenced = [ref["$ref"] for op in sends for ref in op["messages"]]
    assert f"#/channels/{channel_name}/messages/{CONFIG_ID}" in referenced


def test_the_video_segment_states_the_reference_limits() -> None:
    segments = load_json(SPEC / "segments.json")
    seconds = segments["documented_min_segment_duration_seconds"]
    megabytes = segments["documented_max_segment_size_bytes"] // (1024 * 1024)
    assert (seconds, megabytes) == (3, 32)  # the reference: at least 3 seconds, at most 32MB
    (video,) = [
        m for m in document()["components"]["messages"].values() if "$ref" not in m["payload"]
    ]
    assert f"at least {seconds} seconds long" in video["summary"]
    assert f"must not exceed {megabytes} MB" in video["summary"]
    for container in segments["containers"]:
        assert container["name"] in video["summary"]
    assert "session.ready" in video["description"]
    assert "max_segment_size_bytes" in video["description"]
    assert "minimum duration" in video["description"]
    assert "not checked by the sans-IO core" in video["description"]


def test_the_sans_io_core_indeed_does_not_check_segment_duration() -> None:
    # What the video segment's description promises: a segment far shorter than
    # min_segment_duration_seconds (a bare WebM header) passes both strict peers.
    assert "segment_duration" not in (SPEC / "contract.json").read_text(encoding="utf-8")
    pair = Pair(ready_data(min_segment_duration_seconds=3))
    pair.start()
    pair.flush()
    pair.client_segment(WEBM_HEAD)
    taken = pair.deliver_to_server()
    assert taken.replies == ()
    assert taken.segment is not None and taken.segment.size == len(WEBM_HEAD)
    assert [s.size for s in pair.client.segments_sent] == [len(WEBM_HEAD)]


def test_the_upgrade_response_correlation_header_is_described() -> None:
    handshake = load_json(SPEC / "handshake.json")
    channel = document()["channels"][handshake["asyncapi_channel"]]
    response = handshake["correlation_id_header"]["name"]
    request = handshake["client_request_id_header"]["name"]
    assert response == "X-Correlation-ID" and request == "X-Client-Request-Id"
    description = channel["description"]
    assert f"{response} HTTP response header" in description
    assert "same id is correlation_id in every envelope" in description
    assert f"{request} request header is not echoed back" in description
    # The request-header binding stays request headers only.
    assert response not in channel["bindings"]["ws"]["headers"]["properties"]


# -- v2 (Inter-2): the same document from the v2 spec (D48) --------------------------------

DOCUMENT_V2 = ROOT / "generated" / "asyncapi-v2.yaml"
SCHEMA_V2 = ROOT / "generated" / "protocol-v2.schema.json"


def document_v2() -> dict[str, Any]:
    return document(DOCUMENT_V2)


def test_v2_names_its_channel_and_refers_to_the_v2_schema() -> None:
    from codegen._spec import load_spec

    v2 = load_spec(version="v2")
    doc = document_v2()
    assert list(doc["channels"]) == ["stream_analyze_v2"]
    channel = doc["channels"]["stream_analyze_v2"]
    assert channel["address"] == "/v2/stream/analyze"
    assert channel["title"] == "Streaming Analyze v2"
    # The payload schema is the v2 spec (v1 with the overlay), nothing else.
    resolved = json.loads(SCHEMA_V2.read_text(encoding="utf-8"))
    assert {k: v for k, v in resolved.items() if k != "$comment"} == {
        k: v for k, v in v2.protocol.items() if k != "$comment"
    }
    assert "modality" not in resolved["$defs"]["SignalData"]["properties"]
    refs = [m["payload"].get("$ref") for m in doc["components"]["messages"].values()]
    payloads = {ref.split("#/$defs/")[1] for ref in refs if ref is not None}
    assert all(ref.startswith("protocol-v2.schema.json#/$defs/") for ref in refs if ref)
    assert payloads <= set(resolved["$defs"])
    assert {m.class_name for m in v2.server_messages()} <= payloads
    assert "SessionConfig" in payloads


def test_v2_describes_raw_pcm_frames_and_no_segment_duration() -> None:
    messages = document_v2()["components"]["messages"]
    binary = {key: m for key, m in messages.items() if "$ref" not in m["payload"]}
    assert sorted(binary) == ["rawAudioFrame", "videoSegment"]
    audio = binary["rawAudioFrame"]
    assert "pcm" in audio["summary"].lower() and "any byte boundary" in audio["summary"]
    assert "inter-2-audio" in audio["description"] and "(D55)" in audio["description"]
    # No v2 source states a per-frame minimum duration (FACTS-v2 §3.2): none is claimed.
    assert "seconds long" not in binary["videoSegment"]["summary"]
    assert (
        "at least 3 seconds long" in document()["components"]["messages"]["videoSegment"]["summary"]
    )
    operations = document_v2()["operations"]
    assert operations["sendRawAudioFrame"]["action"] == "send"
