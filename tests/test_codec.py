"""Behaviour of the decoder and encoder beyond the golden cases."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import msgspec
import pytest

import interhuman_stream as ih
from conftest import EXAMPLES, load_json

DETECTED_BYTES = (EXAMPLES / "server/signal.detected--reference.json").read_bytes()
DETECTED = load_json(EXAMPLES / "server/signal.detected--reference.json")


def test_decoded_fields_are_typed() -> None:
    message = ih.decode_server_message(DETECTED_BYTES)
    assert isinstance(message, ih.messages.SignalDetected)
    assert message.timestamp == datetime(2025, 1, 1, tzinfo=timezone.utc)
    # A checked UUID, kept as the string the server sent (as its X-Correlation-ID header).
    assert message.correlation_id == "550e8400-e29b-41d4-a716-446655440000"
    assert message.data.signal_type == "agreement"
    assert message.data.start == 3.0
    assert isinstance(message.data.start, float)
    assert message.data.probability == "high"
    assert message.data.modality is msgspec.UNSET


def test_absent_and_null_stay_distinct() -> None:
    absent = ih.decode_server_message(
        (EXAMPLES / "server/error--unknown-code-no-segment.json").read_bytes()
    )
    null = ih.decode_server_message((EXAMPLES / "server/error--connection-wide.json").read_bytes())
    assert isinstance(absent, ih.messages.ErrorMessage)
    assert isinstance(null, ih.messages.ErrorMessage)
    assert absent.data.segment is msgspec.UNSET
    assert null.data.segment is None
    assert "segment" not in json.loads(msgspec.json.encode(absent))["data"]
    assert json.loads(msgspec.json.encode(null))["data"]["segment"] is None


def test_messages_are_frozen_and_keyword_only() -> None:
    message = ih.decode_server_message(DETECTED_BYTES)
    with pytest.raises(AttributeError):
        message.timestamp = datetime.now(timezone.utc)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ih.messages.SignalEndedData("agreement", 3.0)  # type: ignore[misc]
    assert hash(ih.messages.SignalEndedData(signal_type="agreement", end=3.0))


def test_unknown_fields_in_server_messages_are_ignored() -> None:
    document = json.loads(DETECTED_BYTES)
    document["version"] = 2
    document["data"]["end"] = 14  # D11: [SK-V1-REF] showed an end here; it is not ours.
    document["data"]["extra"] = {"nested": [1, 2, {"deep": None}]}
    message = ih.decode_server_message(json.dumps(document))
    assert message == ih.decode_server_message(DETECTED_BYTES)


def test_open_vocabularies_accept_new_values_and_expose_known_ones() -> None:
    document = json.loads(DETECTED_BYTES)
    document["data"]["signal_type"] = "curiosity"
    message = ih.decode_server_message(json.dumps(document))
    assert isinstance(message, ih.messages.SignalDetected)
    assert message.data.signal_type == "curiosity"
    assert "curiosity" not in ih.messages.KNOWN_SIGNAL_TYPES
    assert "agreement" in ih.messages.KNOWN_SIGNAL_TYPES
    assert "ih6002" in ih.messages.KNOWN_ERROR_CODES
    assert "client_shutdown" in ih.messages.KNOWN_END_REASONS


@pytest.mark.parametrize("kind", ["transcript.updated", "session.paused", "x", ""])
def test_unknown_type_is_an_unknown_message(kind: str) -> None:
    document = {"type": kind, "timestamp": 5, "data": {"anything": [1, "two"]}, "more": True}
    raw = json.dumps(document).encode()
    message = ih.decode_server_message(raw)
    assert isinstance(message, ih.UnknownMessage)
    assert message.type == kind
    assert message.timestamp is None  # not a string: not passed through
    assert message.correlation_id is None
    assert message.data == {"anything": [1, "two"]}
    assert message.raw == raw


def test_unknown_message_from_text_keeps_the_bytes() -> None:
    text = '{"type": "later.type", "data": null}'
    message = ih.decode_server_message(text)
    assert isinstance(message, ih.UnknownMessage)
    assert message.raw == text.encode()


def test_bytes_like_inputs() -> None:
    expected = ih.decode_server_message(DETECTED_BYTES)
    assert ih.decode_server_message(bytearray(DETECTED_BYTES)) == expected  # type: ignore[arg-type]
    assert ih.decode_server_message(memoryview(DETECTED_BYTES)) == expected  # type: ignore[arg-type]


def test_a_truncated_unknown_type_is_reported_as_truncated() -> None:
    with pytest.raises(ih.DecodeError) as caught:
        ih.decode_server_message(b'{"type": "later.type", "data": {')
    assert "truncated" in caught.value.reason


def test_decode_error_is_a_value_error_with_context() -> None:
    frame = json.dumps({**DETECTED, "data": {**DETECTED["data"], "start": "3"}})
    with pytest.raises(ValueError, match=r"\$\.data\.start") as caught:
        ih.decode_server_message(frame)
    assert isinstance(caught.value, ih.DecodeError)
    assert caught.value.reason == "Expected `float`, got `str`"
    assert caught.value.data == frame


def test_encode_config_and_close() -> None:
    config = ih.messages.SessionConfig(
        include=["conversation_quality_overall"], goal_dimensions=["clarity", "rapport"]
    )
    assert json.loads(ih.encode_client_message(config)) == {
        "include": ["conversation_quality_overall"],
        "goal_dimensions": ["clarity", "rapport"],
    }
    assert ih.encode_client_message(ih.messages.SessionConfig()) == b"{}"
    assert ih.encode_client_message(ih.messages.SessionConfig(include=[])) == b'{"include":[]}'
    assert ih.encode_client_message(ih.messages.SessionClose()) == b'{"type":"session.close"}'


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (ih.messages.SessionConfig(include=[7]), "$.include[0]"),  # type: ignore[list-item]
        (ih.messages.SessionConfig(goal_dimensions=[None]), "$.goal_dimensions[0]"),  # type: ignore[list-item]
        (ih.messages.SessionConfig(include="conversation_quality_overall"), "$.include"),  # type: ignore[arg-type]
    ],
)
def test_encode_rejects_what_the_spec_rejects(message: ih.ClientMessage, path: str) -> None:
    with pytest.raises(ValueError) as caught:
        ih.encode_client_message(message)
    assert str(caught.value).endswith(f"(at {path})")


def test_encode_rejects_non_client_messages() -> None:
    with pytest.raises(TypeError):
        ih.encode_client_message(ih.decode_server_message(DETECTED_BYTES))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ih.encode_client_message({"include": []})  # type: ignore[arg-type]


def test_message_classes_match_their_tags() -> None:
    assert set(ih.messages.MESSAGE_CLASSES) == ih.messages.KNOWN_MESSAGE_TYPES
    for tag, cls in ih.messages.MESSAGE_CLASSES.items():
        assert cls.__struct_config__.tag == tag
        assert cls.__struct_config__.tag_field == "type"
        assert cls.__struct_config__.frozen


def test_error_catalog() -> None:
    info = ih.error_info("ih6002")
    assert info is not None
    assert info.ends_session is None  # not in any source (D19)
    assert ih.ERROR_CATALOG["ih6001"].ends_session is False
    assert ih.error_info("ih2003") == ih.ERROR_CATALOG["ih2003"]
    assert ih.ERROR_CATALOG["ih2003"].close_code == 4003
    assert ih.error_info("ih9999") is None
    assert set(ih.ERROR_CATALOG) == ih.messages.KNOWN_ERROR_CODES
