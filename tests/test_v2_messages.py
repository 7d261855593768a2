"""The generated v2 (Inter-2) messages and codec, interhuman_stream.v2, against spec/ with the
v2 overlay: golden messages both ways, the messages v2 shares with v1, no invented modality,
the sticky config keys checked before they are sent (issue 16, D48-D52)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from harness import present
from test_messages import normalized

import interhuman_stream as ih
from codegen._render import shared_definitions
from codegen._spec import load_spec, schema_for_models
from conftest import EXAMPLES, load_json, schema_validator
from interhuman_stream import _models as v1_models
from interhuman_stream import v2
from interhuman_stream.v2 import _models as v2_models

V2_SERVER = sorted((EXAMPLES / "v2/server").glob("*.json"))
V2_CLIENT = sorted((EXAMPLES / "v2/client").glob("*.json"))
V1_SERVER = sorted((EXAMPLES / "server").glob("*.json"))
SCHEMA = load_spec(version="v2").protocol
# The definitions v2 leaves as v1's: v2's models import them from v1's.
SHARED = shared_definitions(load_spec(version="v2"), load_spec(version="v1"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", V2_SERVER, ids=_ids(V2_SERVER))
def test_v2_server_golden_both_ways(path: Path) -> None:
    raw = path.read_bytes()
    document = load_json(path)
    message = v2.decode_server_message(raw)
    assert type(message) is v2.MESSAGE_CLASSES[document["type"]]
    shared = type(message).__name__ in SHARED
    assert type(message).__module__ == (
        "interhuman_stream._models" if shared else v2_models.__name__
    )
    encoded = msgspec.json.encode(message)
    assert normalized(json.loads(encoded)) == normalized(document)
    assert schema_validator(SCHEMA, "ServerMessage").is_valid(json.loads(encoded))
    assert v2.decode_server_message(encoded) == message


@pytest.mark.parametrize("path", V2_CLIENT, ids=_ids(V2_CLIENT))
def test_v2_client_golden_both_ways(path: Path) -> None:
    raw = path.read_bytes()
    document = load_json(path)
    message = v2.decode_client_message(raw)
    assert type(message) is v2.messages.SessionConfig
    encoded = v2.encode_client_message(message)
    assert json.loads(encoded) == document
    assert v2.decode_client_message(encoded) == message
    with pytest.raises(ih.DecodeError):  # v1 has no model and no audio_format
        ih.decode_client_message(raw)


@pytest.mark.parametrize("path", V1_SERVER, ids=_ids(V1_SERVER))
def test_every_v1_message_v2_shares_decodes_the_same(path: Path) -> None:
    # One definition for what the versions share: a v1 golden that is a valid v2 message
    # decodes under v2 to the same JSON; a signal's modality is the one thing v2 drops.
    document = load_json(path)
    if not schema_validator(SCHEMA, "ServerMessage").is_valid(document):
        assert document["type"] not in v2.MESSAGE_CLASSES  # an unknown type: both pass it on
        assert isinstance(v2.decode_server_message(path.read_bytes()), ih.UnknownMessage)
        return
    message = v2.decode_server_message(path.read_bytes())
    expected = normalized(document)
    if document["type"].startswith("signal.") and document["type"] != "signal.ended":
        expected["data"].pop("modality", None)
        assert not hasattr(message.data, "modality")  # never invented, never kept
    assert normalized(json.loads(msgspec.json.encode(message))) == expected


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"model": ""}, "model"),
        ({"model": 2}, "model"),
        ({"audio_format": {"encoding": "pcm_s16le", "sample_rate": 44100, "channels": 1}}, ""),
        ({"include": ["conversation_quality_overall", 3]}, "include"),
    ],
)
def test_a_v2_config_outside_the_spec_is_refused_before_it_is_sent(
    fields: dict[str, Any], where: str
) -> None:
    if "audio_format" in fields:
        fields = {"audio_format": v2.messages.AudioFormat(**fields["audio_format"])}
    with pytest.raises(ValueError, match=f"invalid SessionConfig: .*{where}"):
        v2.encode_client_message(v2.messages.SessionConfig(**fields))


def _defs(version: str) -> dict[str, Any]:
    defs: dict[str, Any] = schema_for_models(load_spec(version=version))["$defs"]
    return defs


V1_DEFS, V2_DEFS = _defs("v1"), _defs("v2")


def _refs(schema: Any) -> set[str]:
    """The $defs names a schema refers to, anywhere in it."""
    if isinstance(schema, list):
        return set().union(*map(_refs, schema))
    if not isinstance(schema, dict):
        return set()
    found = set().union(*map(_refs, schema.values()))
    ref = schema.get("$ref")
    return found | {ref.removeprefix("#/$defs/")} if isinstance(ref, str) else found


def _unchanged(name: str, seen: frozenset[str] = frozenset()) -> bool:
    """Decided on the spec: the definition as the models see it and, however indirectly,
    everything it refers to are the same in both versions."""
    return V1_DEFS.get(name) == V2_DEFS[name] and all(
        _unchanged(ref, seen | {name}) for ref in _refs(V2_DEFS[name]) - seen
    )


def test_what_v2_shares_with_v1_is_v1s_own_classes_and_aliases() -> None:
    assert {name for name in V2_DEFS if _unchanged(name)} == SHARED
    unchanged = {"SessionEnded", "ErrorMessage", "ErrorData", "EngagementUpdated", "SignalEnded"}
    unchanged |= {"SessionClose", "SessionSummary", "QualityScores", "Envelope", "Timestamp"}
    assert unchanged <= SHARED
    changed = {"SignalData", "SignalDetected", "SignalUpdated", "SessionReady", "SessionUpdated"}
    changed |= {"SessionConfig", "ServerMessage", "KnownSignalType", "AudioFormat"}
    assert changed.isdisjoint(SHARED)
    for name in V2_DEFS:
        ours = getattr(v2_models, name)
        if name in SHARED:
            assert ours is getattr(v1_models, name), name
        else:
            assert ours is not getattr(v1_models, name, None), name
    assert v2.messages.SessionEnded is ih.messages.SessionEnded
    assert v2.messages.ErrorData is ih.messages.ErrorData
    assert v2.messages.SignalDetected is not ih.messages.SignalDetected


def test_v2s_models_define_only_what_differs_from_v1() -> None:
    own = {
        name
        for name, value in vars(v2_models).items()
        if isinstance(value, type) and value.__module__ == v2_models.__name__
    }
    assert {"SignalData", "SessionReady", "SessionConfig", "AudioFormat"} <= own
    for name in own:
        cls = getattr(v2_models, name)
        assert issubclass(cls, msgspec.Struct), name
        assert not _unchanged(name), name
        if name in V1_DEFS:  # and what msgspec makes of it differs too
            assert msgspec.json.schema(cls) != msgspec.json.schema(getattr(v1_models, name)), name
    # The module still provides every name of v2's schema, its own or v1's, and the messages
    # namespace every Struct of it.
    assert set(v2_models.__all__) == set(V2_DEFS)
    assert all(hasattr(v2_models, name) for name in v2_models.__all__)
    for name in v2_models.__all__:
        value = getattr(v2_models, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            assert getattr(v2.messages, name) is value, name


@pytest.mark.parametrize(
    "golden",
    [
        "session.ended--client-shutdown",
        "error--invalid-model",
        "engagement.updated--reference",
        "signal.ended--reference",
    ],
)
def test_a_message_v2_shares_decodes_to_v1s_class(golden: str) -> None:
    path = next(p for p in [*V2_SERVER, *V1_SERVER] if p.stem == golden)
    message = v2.decode_server_message(path.read_bytes())
    v1_class = getattr(ih.messages, type(message).__name__)
    assert type(message) is v1_class
    assert isinstance(message, v1_class)
    assert type(message.data) is getattr(ih.messages, type(message.data).__name__)
    assert v2.MESSAGE_CLASSES[load_json(path)["type"]] is v1_class
    # The classes v2 changes stay its own, in the same union.
    signal = v2.decode_server_message(
        (EXAMPLES / "v2/server/signal.detected--no-modality.json").read_bytes()
    )
    assert type(signal) is v2.messages.SignalDetected
    assert not isinstance(signal, ih.messages.SignalDetected)


def test_errors_and_unknown_envelopes_are_the_packages_own() -> None:
    assert v2.messages.UnknownMessage is ih.UnknownMessage
    with pytest.raises(ih.DecodeError) as caught:
        v2.decode_server_message(b"{")
    assert caught.value.path == "$"
    unknown = v2.decode_server_message(
        b'{"type": "x.new", "timestamp": "t", "correlation_id": "c", "data": {}}'
    )
    assert isinstance(unknown, ih.UnknownMessage)


def test_v2_vocabularies_are_v2s() -> None:
    assert "modality" not in v2.messages.SignalData.__struct_fields__
    assert "modality" in ih.messages.SignalData.__struct_fields__
    assert (
        frozenset(load_spec(version="v2").defs["KnownSignalType"]["enum"])
        == v2.messages.KNOWN_SIGNAL_TYPES
    )
    assert "engagement" not in v2.messages.KNOWN_SIGNAL_TYPES
    assert {"inter-2", "inter-2-audio", "inter-2-deep"} == v2.messages.KNOWN_MODELS


# The vendor SDK (interhumanai 1.3.4) refuses a model id outside its enum; we decode it (D49:
# what the server offers is how it grows).
SDK_REFUSES = {"session.ready--unknown-model-offered"}


@pytest.mark.parametrize("path", V2_SERVER, ids=_ids(V2_SERVER))
def test_the_vendor_sdk_reads_every_v2_golden_as_we_do(path: Path) -> None:
    from interhumanai.stream import parse_stream_event
    from pydantic import ValidationError

    raw = path.read_bytes()
    ours = v2.decode_server_message(raw)
    if path.stem in SDK_REFUSES:
        with pytest.raises(ValidationError):
            parse_stream_event(json.loads(raw))
        return
    event = parse_stream_event(json.loads(raw))
    assert event.type == type(ours).__struct_config__.tag
    assert event.correlation_id == str(ours.correlation_id)
    sdk_data = present(event.data.model_dump(mode="json"))
    assert sdk_data == present(msgspec.to_builtins(ours.data))
    if event.type in ("signal.detected", "signal.updated"):
        assert "modality" not in sdk_data  # neither side invents one


def test_v2_value_sets_are_v1s_where_the_spec_agrees() -> None:
    # Like the Structs, a value set v2 does not change is v1's object, imported (D48).
    for name in ("PROBABILITIES", "ENGAGEMENT_STATES", "INCLUDE_FLAGS", "KNOWN_MESSAGE_TYPES"):
        assert getattr(ih.v2.messages, name) is getattr(ih.messages, name), name
    assert ih.v2.messages.KNOWN_SIGNAL_TYPES != ih.messages.KNOWN_SIGNAL_TYPES
    assert ih.messages.KNOWN_ERROR_CODES | {"ih4005"} == ih.v2.messages.KNOWN_ERROR_CODES
