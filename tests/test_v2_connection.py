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


def v2_pair() -> Pair:
    pair = Pair(v2_ready(), version="v2")
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
