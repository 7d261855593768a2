"""Protocol versions in spec/ (issue 16): v2 is v1 with an overlay of its differences
(spec/v2.overlay.json), loaded and checked by codegen as v1 is. The v2 golden messages (one
file each under spec/examples/v2/) hold every documented difference, and validate against
the v2 schema; those that only v2 allows are refused by v1's."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from codegen._spec import KEYED_LISTS, SpecError, apply_overlay, load_spec
from conftest import EXAMPLES, SPEC, load_json
from conftest import schema_validator as validator

V2_SERVER = sorted((EXAMPLES / "v2/server").glob("*.json"))
V2_CLIENT = sorted((EXAMPLES / "v2/client").glob("*.json"))


@pytest.fixture(scope="module")
def v1() -> Any:
    return load_spec(version="v1")


@pytest.fixture(scope="module")
def v2() -> Any:
    return load_spec(version="v2")


def test_v2_is_v1_with_its_differences(v1: Any, v2: Any) -> None:
    assert (v1.version, v2.version) == ("v1", "v2")
    assert v2.sources[-1] == "v2.overlay.json"
    assert v2.handshake["path"] == "/v2/stream/analyze"
    assert v2.handshake["query"]["model"]["default"] == "inter-2"
    assert "modality" in v1.defs["SignalData"]["properties"]
    assert "modality" not in v2.defs["SignalData"]["properties"]
    assert set(v2.defs["SessionConfig"]["properties"]) == {
        "include",
        "goal_dimensions",
        "model",
        "audio_format",
    }
    codes = {e["code"]: e for e in v2.errors["errors"]}
    assert codes["ih4005"]["close_code"] == 1008 and codes["ih4005"]["verdict"] == "fatal"
    assert codes["ih2003"]["verdict"] == "unknown"  # also non-fatal on v2: the close decides
    # Every message v1 has, v2 has, with the same definitions except those the overlay names.
    assert [m.tag for m in v1.server_messages()] == [m.tag for m in v2.server_messages()]
    overlay = load_json(SPEC / "v2.overlay.json")
    named = set(overlay["protocol.schema.json"]["$defs"])
    for name, schema in v1.defs.items():
        if name not in named:
            assert v2.defs[name] == schema, name


def test_the_overlay_states_only_differences() -> None:
    # No message is defined twice: the overlay patches a handful of definitions, and none
    # of them is a whole v1 definition copied.
    overlay = load_json(SPEC / "v2.overlay.json")
    base = load_json(SPEC / "protocol.schema.json")["$defs"]
    patched = overlay["protocol.schema.json"]["$defs"]
    assert len(patched) <= 10

    def changes(item: Any, patch: Any, file_name: str) -> bool:
        """Whether the patch changes v1's item (a new one always does), comments aside."""
        if item is None:
            return True
        merged = apply_overlay(item, patch, file_name, ())
        return uncommented(merged) != uncommented(item)

    def uncommented(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: uncommented(v) for k, v in value.items() if k != "$comment"}
        return value

    for name, patch in patched.items():
        assert changes(base.get(name), patch, "protocol.schema.json"), name
    assert len(json.dumps(overlay["protocol.schema.json"])) < len(json.dumps(base)) / 4
    # Nor is a contract rule or guard copied: each one named is new or changed.
    contract = load_json(SPEC / "contract.json")
    patches = overlay["contract.json"]
    for rule, patch in patches["rules"].items():
        assert changes(contract["rules"].get(rule), patch, "contract.json"), rule
    v1_guards = {"/".join((g["rule"], g["event"], g["check"])): g for g in contract["guards"]}
    for key, patch in patches["guards"].items():
        assert changes(v1_guards.get(key), patch, "contract.json"), key


def test_the_overlay_merges_objects_and_keyed_lists() -> None:
    base = {"a": {"b": 1, "c": 2}, "errors": [{"code": "x", "n": 1}, {"code": "y", "n": 2}]}
    patch = {"a": {"b": None, "d": 3}, "errors": {"x": {"n": 5}, "y": None, "z": {"code": "z"}}}
    before = copy.deepcopy(base)
    KEYED_LISTS[("test.json", ("errors",))] = ("code",)
    try:
        merged = apply_overlay(base, patch, "test.json", ())
        whole = apply_overlay(base, {"errors": {"x": {"code": "x"}}}, "test.json", ())
        with pytest.raises(SpecError, match=r"test.json: /errors: removes code w"):
            apply_overlay(base, {"errors": {"w": None}}, "test.json", ())
    finally:
        del KEYED_LISTS[("test.json", ("errors",))]
    assert merged == {"a": {"c": 2, "d": 3}, "errors": [{"code": "x", "n": 5}, {"code": "z"}]}
    assert whole["errors"][0] == {"code": "x"}  # an item with its key replaces the whole
    assert base == before  # nothing changed in place
    with pytest.raises(SpecError, match=r"test.json: /a/q: removed, but v1 does not have it"):
        apply_overlay(base, {"a": {"q": None}}, "test.json", ())


def test_an_overlay_that_breaks_the_spec_is_a_spec_error(tmp_path: Path) -> None:
    for path in SPEC.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    overlay = load_json(SPEC / "v2.overlay.json")
    overlay["errors.json"]["errors"]["ih4005"]["verdict"] = "perhaps"
    (tmp_path / "v2.overlay.json").write_text(json.dumps(overlay), encoding="utf-8")
    with pytest.raises(SpecError, match=r"errors.json is invalid:\n  /errors/9/verdict"):
        load_spec(tmp_path, version="v2")
    with pytest.raises(SpecError, match="no protocol version 'v3'; the versions are v1, v2"):
        load_spec(version="v3")


@pytest.mark.parametrize("path", V2_SERVER, ids=[p.stem for p in V2_SERVER])
def test_v2_server_golden(path: Path, v2: Any) -> None:
    document = load_json(path)
    errors = [e.message for e in validator(v2.protocol, "ServerMessage").iter_errors(document)]
    assert errors == []
    assert document["type"] in {m.tag for m in v2.server_messages()}
    if document["type"].startswith("signal."):
        assert "modality" not in document["data"]


@pytest.mark.parametrize("path", V2_CLIENT, ids=[p.stem for p in V2_CLIENT])
def test_v2_client_golden(path: Path, v1: Any, v2: Any) -> None:
    document = load_json(path)
    assert validator(v2.protocol, "ClientMessage").is_valid(document)
    assert not validator(v1.protocol, "ClientMessage").is_valid(document)  # v1 has no such key


def test_a_v2_golden_for_every_difference() -> None:
    names = {p.stem for p in (*V2_SERVER, *V2_CLIENT)}
    for needed in (
        "session.ready--models",
        "session.updated--model",
        "signal.detected--no-modality",
        "signal.updated--no-modality",
        "error--invalid-model",
        "error--model-not-allowed",
        "session-config--model",
        "session-config--audio-format",
    ):
        assert needed in names


@pytest.mark.parametrize(
    "audio_format",
    [
        {"encoding": "pcm_s16le", "sample_rate": 44100, "channels": 1},
        {"encoding": "pcm_f32le", "sample_rate": 16000, "channels": 1},
        {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 2},
        {"encoding": "pcm_s16le", "sample_rate": 16000},
    ],
)
def test_an_audio_format_outside_the_documented_one_is_refused(
    v2: Any, audio_format: dict[str, Any]
) -> None:
    assert not validator(v2.protocol, "ClientMessage").is_valid({"audio_format": audio_format})


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda audio: audio.update(models=["inter-2"]), "are not the ones the audio_format"),
        (lambda audio: audio.update(declared_by="model2"), "declared_by 'model2' is not"),
    ],
)
def test_raw_audio_frames_agree_with_the_contract(
    tmp_path: Path, edit: Any, complaint: str
) -> None:
    # segments.json's PCM frames and the contract's audio_format guard say the same (D55, D56).
    for path in SPEC.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    overlay = load_json(SPEC / "v2.overlay.json")
    edit(overlay["segments.json"]["raw_audio"])
    (tmp_path / "v2.overlay.json").write_text(json.dumps(overlay), encoding="utf-8")
    with pytest.raises(SpecError, match=complaint):
        load_spec(tmp_path, version="v2")
