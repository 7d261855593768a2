"""v2 (Inter-2) sessions: ClientConnection(version="v2") and ServerConnection(version="v2")
speak v2's messages under v2's contract (v1's, with the signal judged without modality)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import msgspec
import pytest
from harness import ALL_FLAGS, CID, EPOCH, WEBM_HEAD, Pair, envelope, ready_data

import interhuman_stream as ih
from interhuman_stream import v2

MODELS = ["inter-2", "inter-2-audio"]
PCM_16K = {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}
# A v2 session.ready frame: its options list the models.
READY_FRAME = envelope(
    "session.ready",
    {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 4096,
        "supported_session_config_options": {"include": ALL_FLAGS, "model": MODELS},
    },
)


def v2_ready(**overrides: Any) -> v2.messages.SessionReadyData:
    options = v2.messages.SessionOptions(include=list(ALL_FLAGS), model=list(MODELS))
    overrides.setdefault("supported_session_config_options", options)
    ready: v2.messages.SessionReadyData = ready_data(messages=v2.messages, **overrides)
    return ready


def v2_pair(model: str | None = None, **ready: Any) -> Pair:
    pair = Pair(v2_ready(**ready), version="v2", model=model)
    pair.start()
    pair.flush()
    return pair


def test_a_whole_v2_session_in_memory() -> None:
    pair = v2_pair()
    client, server = pair.client, pair.server
    assert client.version == server.version == "v2"
    assert client.state is ih.SessionState.STREAMING
    assert isinstance(client.ready, v2.messages.SessionReadyData)
    assert client.ready.supported_session_config_options.model == MODELS
    pair.client_config(include=ALL_FLAGS, model="inter-2")
    pair.flush()
    acknowledged = client.acknowledged_config
    assert isinstance(acknowledged, v2.messages.SessionUpdatedData)
    assert acknowledged.model == "inter-2" and acknowledged.include == ALL_FLAGS
    pair.client_segment(WEBM_HEAD)
    pair.client_segment(b"cluster" * 50)
    pair.flush()
    pair.server_sends("signal.detected", v2.messages.SignalData(signal_type="interest", start=1.5))
    pair.server_sends(
        "signal.updated",
        v2.messages.SignalData(signal_type="interest", start=1.5, probability="low"),
    )
    pair.server_sends(
        "signal.updated",
        v2.messages.SignalData(
            signal_type="interest", start=1.5, probability="low", rationale="leaning in"
        ),
    )
    pair.server_sends(
        "engagement.updated", v2.messages.EngagementUpdatedData(state="engaged", start=0)
    )
    pair.flush()
    pair.agree()
    signal = client.active_signals["interest"]
    assert isinstance(signal, v2.messages.SignalData) and not hasattr(signal, "modality")
    assert signal.rationale == "leaning in"
    pair.client_close()
    pair.flush()
    assert client.state is ih.SessionState.DRAINING
    pair.to_client.extend(server.finish(timestamp=EPOCH, at=6.0))
    pair.flush()
    pair.agree()
    assert client.state is ih.SessionState.ENDED and client.active_signals == {}
    kinds = [type(m) for m in pair.received[-3:]]
    assert kinds == [v2.messages.SessionClosing, v2.messages.SignalEnded, v2.messages.SessionEnded]
    pair.lose(1000)
    assert client.state is ih.SessionState.CLOSED and client.close_code == 1000
    assert not client.violations and not server.violations


def test_a_v2_config_carries_model_and_audio_format_and_the_model_stays() -> None:
    pair = v2_pair()
    frame = pair.client.send_config(
        include=["conversation_quality_overall"], model="inter-2-audio", audio_format=PCM_16K
    )
    assert json.loads(frame) == {
        "include": ["conversation_quality_overall"],
        "model": "inter-2-audio",
        "audio_format": PCM_16K,
    }
    taken = pair.server.receive_text(frame, timestamp=EPOCH)
    assert isinstance(taken.message, v2.messages.SessionConfig)
    assert taken.message.audio_format == v2.messages.AudioFormat(**PCM_16K)
    (reply,) = taken.replies
    assert json.loads(reply)["data"]["model"] == "inter-2-audio"
    received = pair.client.receive(reply)
    assert received.change.config == "acknowledged"
    # model is sticky (D52): a config without it is answered with the model in force.
    pair.client_config(include=ALL_FLAGS)
    pair.flush()
    assert pair.client.acknowledged_config is not None
    assert pair.client.acknowledged_config.model == "inter-2-audio"
    pair.agree()


def test_v2_config_values_are_checked_before_anything_is_sent() -> None:
    client = ih.ClientConnection(version="v2")
    with pytest.raises(ValueError, match="model"):
        client.send_config(model="")
    with pytest.raises(ValueError, match="audio_format"):
        client.send_config(audio_format={"encoding": "pcm_s16le", "sample_rate": 8000})
    assert client.pending_configs == ()


def test_a_v2_config_cannot_be_sent_on_v1() -> None:
    client = ih.ClientConnection()
    with pytest.raises(ValueError, match="model"):
        client.send_config(include=ALL_FLAGS, model="inter-2")
    with pytest.raises(ValueError, match="audio_format"):
        client.send_config(audio_format=PCM_16K)
    assert client.pending_configs == ()


def test_a_v2_frame_still_decodes_on_v1() -> None:
    client = ih.ClientConnection(strict=True)
    message = client.receive_message(READY_FRAME)
    assert isinstance(message, ih.messages.SessionReady)
    assert message.data.supported_session_config_options.model == MODELS
    client.receive_message(envelope("signal.detected", {"signal_type": "stress", "start": 1}))
    assert client.active_signals["stress"].modality is msgspec.UNSET
    assert client.version == "v1" and not client.violations


@pytest.mark.parametrize("version", ["v3", "V2", "", 2, None])
def test_an_unknown_version_is_refused(version: Any) -> None:
    with pytest.raises(ValueError, match=r"no protocol version .*'v1', 'v2'"):
        ih.ClientConnection(version=version)
    with pytest.raises(ValueError, match="no protocol version"):
        ih.ServerConnection(v2_ready(), CID, version=version)


def test_a_v2_server_sends_only_v2_data() -> None:
    server = ih.ServerConnection(v2_ready(), CID, version="v2")
    server.start(timestamp=EPOCH)
    with pytest.raises(TypeError, match="SignalData"):
        server.send(
            "signal.detected",
            ih.messages.SignalData(signal_type="interest", start=1),
            timestamp=EPOCH,
        )


def signal_frames(kind: str, **data: Any) -> str:
    return envelope(kind, {"signal_type": "interest", "start": 1.5, **data})


@pytest.mark.parametrize(
    ("second", "breach"),
    [
        ({"probability": "low"}, True),
        ({"probability": "low", "modality": ["video"]}, True),  # v2 has no modality (D51)
        ({"probability": "high"}, False),
        ({"probability": "low", "rationale": "why"}, False),
    ],
)
def test_v2_signal_updated_is_judged_on_probability_and_rationale(
    second: dict[str, Any], breach: bool
) -> None:
    client = ih.ClientConnection(version="v2")
    client.receive_message(READY_FRAME)
    client.receive_message(signal_frames("signal.detected", probability="low", modality=["audio"]))
    client.receive_message(signal_frames("signal.updated", **second))
    assert [v.rule for v in client.violations] == (["signal-updated-changed"] if breach else [])
    # On v1 a changed modality is a change.
    if "modality" in second:
        v1 = ih.ClientConnection()
        v1.receive_message(READY_FRAME)
        v1.receive_message(signal_frames("signal.detected", probability="low", modality=["audio"]))
        v1.receive_message(signal_frames("signal.updated", **second))
        assert not v1.violations


def test_v2_is_imported_only_when_asked_for() -> None:
    code = (
        "import sys, interhuman_stream as ih\n"
        "ih.ClientConnection()\n"
        "assert 'interhuman_stream.v2._fastpath' not in sys.modules\n"
        "ih.ClientConnection(version='v2')\n"
        "assert 'interhuman_stream.v2._fastpath' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the caller's rules on the sticky keys (D52, D56) and raw PCM (D55) ---------------------

PCM_24K = {**PCM_16K, "sample_rate": 24000}


def refused(client: ih.ClientConnection, rule: str, **config: Any) -> ih.LocalProtocolError:
    """Send a config the contract refuses: nothing is sent or changed, the error names it."""
    before = (client.pending_configs, client.segments_sent, client.state)
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_config(**config)
    assert caught.value.rule == rule
    assert (client.pending_configs, client.segments_sent, client.state) == before
    return caught.value


def test_the_model_changes_only_before_the_first_media_frame() -> None:
    pair = v2_pair()  # opened without ?model=: inter-2
    pair.client_config(model="inter-2-audio")  # before media: a switch
    pair.flush()
    pair.client_segment(WEBM_HEAD)
    pair.flush()
    pair.client_config(include=ALL_FLAGS, model="inter-2-audio")  # the model in force again
    pair.client_config(include=ALL_FLAGS)  # left out: kept
    pair.flush()
    error = refused(pair.client, "model-before-media", model="inter-2")
    assert "model 'inter-2' after 1 binary frame(s) under model 'inter-2-audio'" in error.detail
    assert "new session" in error.hint
    pair.agree()


def test_the_handshake_model_is_the_model_in_force() -> None:
    pair = v2_pair(model="inter-2-audio")
    pair.client_segment(WEBM_HEAD)
    pair.flush()
    pair.client_config(model="inter-2-audio")
    pair.flush()
    error = refused(pair.client, "model-before-media", model="inter-2")
    assert "under model 'inter-2-audio'" in error.detail
    # Without ?model= the session opens on the version's default.
    client = ih.ClientConnection(version="v2")
    client.receive(READY_FRAME)
    client.send_segment(WEBM_HEAD)
    client.send_config(model="inter-2")
    refused(client, "model-before-media", model="inter-2-audio")


def test_a_switch_the_server_did_not_make_is_not_held_against_the_caller() -> None:
    # A switch the credential may not make is answered with ih2003, non-fatal, and the
    # session stays on its model (D54); whether a session.updated follows is NOT FOUND, so
    # the model asked for stays a value the caller may name, beside the one in force (D56).
    client = ih.ClientConnection(version="v2")  # inter-2
    client.receive(READY_FRAME)
    client.send_config(model="inter-2-audio")
    client.receive(envelope("error", {"code": "ih2003", "message": "model not allowed"}))
    client.send_segment(WEBM_HEAD)
    client.send_config(model="inter-2")  # the one in force: the session stayed on it
    client.send_config(model="inter-2-audio")  # the one a config not yet answered asked for
    error = refused(client, "model-before-media", model="inter-2-deep")
    assert "under model 'inter-2' or 'inter-2-audio'" in error.detail
    assert client.sticky_config == {"model": "inter-2-audio"}  # as last asked for


def test_a_rejected_config_puts_nothing_in_force() -> None:
    # ih6001 answers (rejects) the config: its model and audio_format never came in force.
    client = ih.ClientConnection(version="v2", model="inter-2-audio")
    client.receive(READY_FRAME)
    client.send_config(model="inter-9", audio_format=PCM_16K)  # a model it does not serve
    assert client.sticky_config["audio_format"] == v2.messages.AudioFormat(**PCM_16K)
    client.receive(envelope("error", {"code": "ih6001", "message": "invalid config"}))
    assert client.sticky_config == {"model": "inter-2-audio"}
    # The frames are container media again: checked as such.
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(b"\x00\x01" * 10)
    assert caught.value.rule == "segment-container"
    client.send_segment(WEBM_HEAD)
    client.send_config(model="inter-2-audio")
    refused(client, "model-before-media", model="inter-9")


def test_audio_format_only_on_the_audio_model() -> None:
    client = ih.ClientConnection(version="v2")  # inter-2
    client.receive(READY_FRAME)
    error = refused(client, "audio-format-audio-model", audio_format=PCM_16K)
    assert "on model 'inter-2', which is not one of ['inter-2-audio']" in error.detail
    assert "sample_rate=16000" in error.detail
    # In the same frame as the switch to the audio model, it is that model's.
    client.send_config(model="inter-2-audio", audio_format=PCM_16K)
    with pytest.raises(ih.LocalProtocolError, match="audio_format"):
        ih.ClientConnection(version="v2", model="inter-2-deep").send_config(audio_format=PCM_16K)


def test_a_model_the_sources_do_not_name_is_not_judged() -> None:
    # One the server offers and the sources do not name may take PCM (D49, D56).
    client = ih.ClientConnection(version="v2", model="inter-3-audio")
    client.receive(READY_FRAME)
    frame = client.send_config(audio_format=PCM_24K)
    assert json.loads(frame) == {"audio_format": PCM_24K}
    client.send_segment(b"\x01\x00" * 10)
    assert client.violations == ()


def test_audio_format_is_fixed_once_audio_went_under_it() -> None:
    pair = v2_pair(model="inter-2-audio")
    pair.client_config(audio_format=PCM_16K)
    pair.client_config(audio_format=PCM_24K)  # before any audio frame: it may change
    pair.client_segment(b"\x00\x01" * 100)
    pair.flush()
    pair.client_config(include=ALL_FLAGS, audio_format=PCM_24K)  # repeated: the same
    pair.flush()
    error = refused(pair.client, "audio-format-fixed", audio_format=PCM_16K)
    assert "sample_rate=16000" in error.detail
    assert "after 1 binary frame(s) under audio_format {encoding=" in error.detail
    pair.agree()


def test_a_first_audio_format_after_container_media_is_not_judged() -> None:
    # "Fixed once the first audio frame has been accepted" ([PYSDK]) says nothing of a first
    # declaration after container media: what the server does with one is NOT FOUND (D56).
    client = ih.ClientConnection(version="v2", model="inter-2-audio")
    client.receive(READY_FRAME)
    client.send_segment(WEBM_HEAD)
    client.send_config(audio_format=PCM_16K)
    client.send_segment(b"\x00\x01" * 10)  # PCM from now on
    refused(client, "audio-format-fixed", audio_format=PCM_24K)


def test_pcm_frames_are_any_size_and_not_sniffed() -> None:
    # READY_FRAME allows 1..4096 bytes; PCM has no container and any size (D55, D56).
    pair = v2_pair(model="inter-2-audio", min_segment_size_bytes=2, max_segment_size_bytes=4096)
    pair.client_config(audio_format=PCM_16K)
    pair.flush()
    for frame in (b"\x7f", b"\x00" * 5000, b"\x01\x02\x03"):
        pair.client_segment(frame)
    pair.flush()
    assert [s.size for s in pair.client.segments_sent] == [1, 5000, 3]
    assert pair.client.violations == pair.server.violations == ()
    # An empty frame carries no samples; PCM's minimum is NOT FOUND, so it is not refused.
    pair.client.send_segment(b"")
    assert pair.client.segments_sent[-1].size == 0
    # Without audio_format the frames are container media, checked as on v1.
    client = ih.ClientConnection(version="v2", model="inter-2-audio")
    client.receive(READY_FRAME)
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(b"\x00\x01" * 10)
    assert caught.value.rule == "segment-container"
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(WEBM_HEAD + bytes(5000))
    assert caught.value.rule == "segment-size"


def test_the_server_role_reports_the_same_breaches() -> None:
    server = ih.ServerConnection(v2_ready(), CID, version="v2", model="inter-2")
    server.start(timestamp=EPOCH)
    server.receive_segment(WEBM_HEAD, timestamp=EPOCH)
    server.receive_text(json.dumps({"model": "inter-2-audio"}), timestamp=EPOCH)
    server.receive_text(json.dumps({"audio_format": PCM_16K}), timestamp=EPOCH)
    server.receive_segment(b"\x00\x01" * 10, timestamp=EPOCH)
    server.receive_text(json.dumps({"audio_format": PCM_24K}), timestamp=EPOCH)
    rules = [violation.rule for violation in server.violations]
    assert rules == ["model-before-media", "audio-format-fixed"]
    # The model the peer switched to is followed (the frame went), so audio_format is judged
    # on it, and the first declaration after container media is not judged (D56).


def test_null_model_or_audio_format_never_decodes() -> None:
    for frame in ('{"model": null}', '{"audio_format": null}', '{"model": ""}'):
        with pytest.raises(ih.DecodeError):
            v2.decode_client_message(frame)
    client = ih.ClientConnection(version="v2")
    assert json.loads(client.send_config(model=None, audio_format=None)) == {}


def test_model_is_a_v2_setting() -> None:
    with pytest.raises(ValueError, match="v1 has no models; model 'inter-2' is a v2 setting"):
        ih.ClientConnection(model="inter-2")
    with pytest.raises(ValueError, match="model is a non-empty model id, not 7"):
        ih.ClientConnection(version="v2", model=7)  # type: ignore[arg-type]


def test_a_v2_recording_says_its_version_and_model(tmp_path: Any) -> None:
    lines: list[bytes] = []
    client = ih.ClientConnection(version="v2", model="inter-2-audio", record=lines.append)
    client.receive(READY_FRAME, now=0.0)
    client.send_config(audio_format=PCM_16K, now=0.1)
    client.send_segment(b"\x00\x01" * 8, now=0.2)
    assert json.loads(lines[0]) == {
        "at": None,
        "connect": {"version": "v2", "model": "inter-2-audio"},
    }
    recording = tmp_path / "v2.jsonl"
    recording.write_bytes(b"".join(lines))
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(recording)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    # The same frames replayed as a v1 session break v1's rules: the line is what tells.
    recording.write_bytes(b"".join(lines[1:]))
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(recording)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "undecodable" in result.stdout
    assert not [line for line in lines if b"connect" in line and line is not lines[0]]
    v1_lines: list[bytes] = []
    ih.ClientConnection(record=v1_lines.append)
    assert v1_lines == []  # a v1 recording is as it always was


# -- the v2 error catalog and refusals before session.ready (D53, D54) ------------------------


def test_v2_has_its_own_catalog_on_v1s() -> None:
    assert ih.v2.ERROR_CATALOG["ih4005"].verdict == "fatal"
    assert ih.v2.ERROR_CATALOG["ih4005"].close_code == 1008
    assert ih.v2.error_info("ih2003") is not None
    assert ih.v2.error_info("ih2003").verdict == "unknown"  # type: ignore[union-attr]
    assert ih.error_info("ih2003") is not None and ih.error_info("ih2003").verdict == "fatal"  # type: ignore[union-attr]
    assert ih.error_info("ih4005") is None  # not a v1 code
    shared = {code for code in ih.ERROR_CATALOG if code != "ih2003"}
    assert all(ih.v2.ERROR_CATALOG[code] is ih.ERROR_CATALOG[code] for code in shared)


@pytest.mark.parametrize(("code", "verdict"), [("ih4005", "fatal"), ("ih1003", "retry_later")])
def test_a_refusal_before_ready_has_its_v2_verdict(code: str, verdict: str) -> None:
    client = ih.ClientConnection(version="v2")
    received = client.receive(envelope("error", {"code": code, "message": "refused"}))
    assert received.change.error == verdict
    on_v1 = ih.ClientConnection().receive(envelope("error", {"code": code, "message": "x"}))
    assert on_v1.change.error == ("unknown" if code == "ih4005" else verdict)


def v2_conversation() -> ih.Conversation:
    return ih.Conversation(rng=lambda: 0.0, connection_options={"version": "v2"})


def test_a_conversation_stops_on_ih4005_and_retries_ih1003() -> None:
    conv = v2_conversation()
    conv.start_session(0.0, 0.0)
    conv.receive(envelope("error", {"code": "ih1003", "message": "no backend"}), 0.1)
    retry = conv.session_ended(0.2, close_code=1013)
    assert retry.kind == "reconnect_at" and "ih1003" in retry.reason
    conv.start_session(retry.at or 0.0, 0.0)
    conv.receive(envelope("error", {"code": "ih4005", "message": "invalid model"}), 2.1)
    stop = conv.session_ended(2.2, close_code=1008)
    assert stop.kind == "stop" and "ih4005 (fatal)" in stop.reason


def test_a_refusal_that_arrives_as_a_failed_connection_is_retried() -> None:
    # With subprotocol auth, ih4005 or ih1003 may arrive as a 1006 and no envelope (D53): no
    # source says which, so it is retried with backoff until the budget is spent.
    conv = ih.Conversation(rng=lambda: 0.0, retry_budget=2, connection_options={"version": "v2"})
    now, kinds = 0.0, []
    while not conv.over:
        conv.start_session(now, 0.0)
        action = conv.session_ended(now + 0.1, close_code=1006, lost=True)
        kinds.append(action.kind)
        now = (action.at or now) + 1.0
    assert kinds == ["reconnect_at", "reconnect_at", "stop"]


def test_v2s_contract_is_v1s_with_its_changes() -> None:
    # Generated as v1's tables with what the overlay changes, not a second copy (D48, D56).
    from interhuman_stream import _contract as v1_contract
    from interhuman_stream.v2 import _contract as v2_contract

    v1_guards, v2_guards = v1_contract.GUARDS, v2_contract.GUARDS
    assert v2_guards[: len(v1_guards)] != v1_guards
    replaced = [
        (old.rule.id, old.check)
        for old, new in zip(v1_guards, v2_guards, strict=False)
        if new is not old
    ]
    assert replaced == [
        ("signal-updated-changed", "signal_reading_changed"),
        ("segment-not-empty", "segment_not_empty"),
        ("segment-size", "segment_at_most"),
        ("segment-size", "segment_at_least"),
        ("segment-container", "segment_starts_like_container"),
    ]
    added = [(g.rule.id, g.check) for g in v2_guards[len(v1_guards) :]]
    assert added == [
        ("model-before-media", "config_key_kept_after_frames"),
        ("audio-format-fixed", "config_key_kept_after_frames"),
        ("audio-format-audio-model", "audio_format_on_audio_model"),
    ]
    # Every guard applies its own version's rule.
    assert all(g.rule is v2_contract.RULES[g.rule.id] for g in v2_guards)
    v1_effects, v2_effects = v1_contract.EFFECTS, v2_contract.EFFECTS
    changed = [
        (new.effect, new.fields)
        for old, new in zip(v1_effects, v2_effects, strict=False)
        if new is not old
    ]
    assert changed == [("acknowledge_config", ("model", "audio_format"))]
    assert [e.effect for e in v2_effects[len(v1_effects) :]] == ["count_keyed_frames"]


def test_a_rejected_format_does_not_fix_audio_format() -> None:
    # Frames sent while a format was only asked for went as container media once ih6001
    # rejected it: nothing is in force, so nothing is fixed (D56).
    client = ih.ClientConnection(version="v2", model="inter-2-audio")
    client.receive(READY_FRAME)
    client.send_config(audio_format=PCM_16K)
    client.send_segment(b"\x00\x01" * 160)
    client.receive(envelope("error", {"code": "ih6001", "message": "invalid config"}))
    client.send_config(audio_format=PCM_24K)  # another format: not refused
    client.receive(envelope("session.updated", {"include": [], "model": "inter-2-audio"}))
    client.send_segment(b"\x00\x01" * 160)
    refused(client, "audio-format-fixed", audio_format=PCM_16K)  # fixed once frames went


def test_a_format_never_stays_on_a_model_that_takes_no_raw_audio() -> None:
    # (a) The caller may not leave a declared format on a switch to a video model.
    client = ih.ClientConnection(version="v2", model="inter-2-audio")
    client.receive(READY_FRAME)
    client.send_config(audio_format=PCM_16K)
    error = refused(client, "audio-format-audio-model", model="inter-2")
    assert "model 'inter-2' while audio_format {encoding=" in error.detail
    # (b) A switch to the audio model the server refuses (ih2003, then session.updated on
    # its model) leaves no format in force: the frames are container media, checked.
    client = ih.ClientConnection(version="v2")  # inter-2
    client.receive(READY_FRAME)
    client.send_config(model="inter-2-audio", audio_format=PCM_16K)
    client.receive(envelope("error", {"code": "ih2003", "message": "model not allowed"}))
    client.receive(envelope("session.updated", {"include": [], "model": "inter-2"}))
    assert client.sticky_config == {"model": "inter-2"}
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(b"\x00\x01" * 10)
    assert caught.value.rule == "segment-container"
    # (c) A server whose peer does it reports it, and keeps answering oversized frames.
    server = ih.ServerConnection(v2_ready(), CID, version="v2", model="inter-2-audio")
    server.start(timestamp=EPOCH)
    server.receive_text(json.dumps({"audio_format": PCM_16K}), timestamp=EPOCH)
    server.receive_text(json.dumps({"model": "inter-2"}), timestamp=EPOCH)
    assert [v.rule for v in server.violations] == ["audio-format-audio-model"]
    assert server.sticky_config == {"model": "inter-2"}
    taken = server.receive_segment(WEBM_HEAD + bytes(5000), timestamp=EPOCH)
    assert [json.loads(reply)["data"]["code"] for reply in taken.replies] == ["ih6002"]


def test_v2s_fast_path_takes_v1s_handlers_where_they_read_the_same() -> None:
    # A handler whose body and everything it reads are the same object in both versions is
    # v1's; v2's table is v1's with its own two put in, on v2's classes (D48, D51, D56).
    from interhuman_stream import _fastpath as v1_fast
    from interhuman_stream.v2 import _fastpath as v2_fast

    streaming = ih.SessionState.STREAMING
    v1_table, v2_table = v1_fast.HANDLERS[streaming], v2_fast.HANDLERS[streaming]
    for tag in ("session.ended", "signal.detected", "engagement.updated", "error"):
        assert (
            v2_table[v2.messages.MESSAGE_CLASSES[tag]] is v1_table[ih.messages.MESSAGE_CLASSES[tag]]
        )
    assert v2_table[v2.messages.SignalUpdated] is v2_fast._on_signal_updated  # no modality
    assert v2_table[v2.messages.SessionUpdated] is v2_fast._on_session_updated  # sticky keys
    assert v1_table[ih.messages.SignalUpdated] is v1_fast._on_signal_updated
    assert set(v2_fast.HANDLERS) == set(v1_fast.HANDLERS)
    for state, table in v2_fast.HANDLERS.items():
        assert {v2_fast.EVENT_OF[cls] for cls in table} == {
            v1_fast.EVENT_OF[cls] for cls in v1_fast.HANDLERS[state]
        }
