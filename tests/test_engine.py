"""The client's generated receive handlers agree with the table-driven engine, always.

Two lenient clients take the same random frames - valid or not for the contract - one through
receive_message (the generated per-state handlers), one straight through the engine
(Core.handle). After every frame they must know exactly the same session and have
recorded the same violations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import interhuman_stream as ih
from interhuman_stream._versions import protocol_version

ABSENT = object()
SIGNALS = ["interest", "stress"]


def envelope(kind: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": kind,
            "timestamp": "2026-05-20T14:00:00Z",
            "correlation_id": "0b7d5c9e-7d0c-4f7c-9d5e-3c1b2a4f6e8d",
            "data": {k: v for k, v in data.items() if v is not ABSENT},
        }
    ).encode()


maybe = st.sampled_from
scores = {
    "quality_index": 50,
    "clarity": 50,
    "authority": 50,
    "energy": 50,
    "rapport": 50,
    "learning": 50,
}
period = {"start": 0, "end": 3, "values": scores}
server_frames = st.one_of(
    st.builds(
        lambda include, goals: envelope(
            "session.ready",
            {
                "session_idle_timeout_seconds": 300,
                "session_max_duration_seconds": 3600,
                "min_segment_size_bytes": 1,
                "max_segment_size_bytes": 64,
                "supported_session_config_options": {"include": include, "goal_dimensions": goals},
            },
        ),
        st.lists(
            maybe(["conversation_quality_overall", "conversation_quality_timeline"]), unique=True
        ),
        st.none() | st.just(["clarity"]),
    ),
    st.builds(
        lambda include: envelope("session.updated", {"include": include}),
        st.lists(
            maybe(["conversation_quality_overall", "conversation_quality_timeline"]), unique=True
        ),
    ),
    st.builds(
        lambda kind, signal, probability, rationale, modality: envelope(
            kind,
            {
                "signal_type": signal,
                "start": 1.5,
                "probability": probability,
                "rationale": rationale,
                "modality": modality,
            },
        ),
        maybe(["signal.detected", "signal.updated"]),
        maybe(SIGNALS),
        maybe([ABSENT, "high", "low"]),
        maybe([ABSENT, None, "because"]),
        maybe([ABSENT, ["video"], ["audio", "video"], ["video", "audio"]]),
    ),
    st.builds(
        lambda signal: envelope("signal.ended", {"signal_type": signal, "end": 2}), maybe(SIGNALS)
    ),
    st.builds(
        lambda state: envelope("engagement.updated", {"state": state, "start": 1}),
        maybe(["engaged", "neutral"]),
    ),
    st.builds(
        lambda overall, timeline: envelope(
            "conversation_quality.updated", {"overall": overall, "timeline": timeline}
        ),
        maybe([ABSENT, None, scores]),
        maybe([ABSENT, None, [], [period], [period, period]]),
    ),
    st.builds(
        lambda code, segment: envelope("error", {"code": code, "message": "m", "segment": segment}),
        maybe(["ih6001", "ih5004"]),
        maybe([ABSENT, None, 0, 1, 7]),
    ),
    st.just(envelope("session.closing", {"max_drain_seconds": 5})),
    st.builds(
        lambda reason: envelope("session.ended", {"reason": reason}),
        maybe(["client_shutdown", "max_duration"]),
    ),
    st.just(envelope("transcript.updated", {"text": "hi"})),
)
client_actions = st.sampled_from(["config", "segment", "close", "lost"])
steps = st.lists(st.one_of(server_frames, client_actions), max_size=40)


PCM_16K = {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}
# v2's configs of the sticky keys (D52, D56): name -> send_config's keywords.
V2_CONFIGS: dict[str, dict[str, Any]] = {
    "config-audio-16k": {"audio_format": PCM_16K},
    "config-audio-24k": {"audio_format": {**PCM_16K, "sample_rate": 24000}},
    "config-model-audio": {"model": "inter-2-audio"},
    "config-model-video": {"model": "inter-2"},
    "config-model-audio-16k": {"model": "inter-2-audio", "audio_format": PCM_16K},
}
v2_server_frames = st.one_of(
    server_frames,
    st.builds(
        lambda model: envelope("session.updated", {"include": [], "model": model}),
        maybe([ABSENT, None, "inter-2", "inter-2-audio", "inter-9"]),
    ),
    st.builds(
        lambda code: envelope("error", {"code": code, "message": "m"}), maybe(["ih6001", "ih2003"])
    ),
)
v2_client_actions = st.sampled_from(["segment", "segment-pcm", "close", *V2_CONFIGS])
v2_steps = st.lists(st.one_of(v2_server_frames, v2_client_actions), max_size=40)


def act(client: ih.ClientConnection, action: str) -> None:
    try:
        if action in V2_CONFIGS:
            client.send_config(**V2_CONFIGS[action])
        elif action == "segment-pcm":
            client.send_segment(b"\x00\x01" * 7)
        elif action == "config":
            client.send_config(include=["conversation_quality_overall"])
        elif action == "segment":
            client.send_segment(b"\x1a\x45\xdf\xa3" + bytes(20))
        elif action == "close":
            client.send_close()
        else:
            client.connection_lost(1000)
    except ih.LocalProtocolError:
        pass


def seen(client: ih.ClientConnection) -> tuple[Any, ...]:
    return (
        client.state,
        client.ready,
        client.acknowledged_config,
        client.pending_configs,
        client.active_signals,
        client.engagement,
        client.segments_sent,
        [(v.rule, v.event, v.state) for v in client.violations],
        client.sticky_config,
        client._core.keyed_frames,
    )


def replay(sequence: list[Any], version: str = "v1", model: str | None = None) -> None:
    """Feed the same steps to both clients, checking they agree after every one."""
    fast = ih.ClientConnection(version=version, model=model)
    engine = ih.ClientConnection(version=version, model=model)
    decode = protocol_version(version).decode_server_message
    for step in sequence:
        if isinstance(step, str):
            act(fast, step)
            act(engine, step)
        else:
            outcomes = []
            for client, through_engine in ((fast, False), (engine, True)):
                try:
                    message = decode(step)
                    if through_engine:
                        kind = type(message).__struct_config__.tag
                        event = kind if isinstance(kind, str) else "unknown"
                        client._core.handle(event, message, None)
                    else:
                        client.receive_message(step)
                    outcomes.append("ok")
                except ih.LocalProtocolError as error:
                    outcomes.append(error.rule)
            assert outcomes[0] == outcomes[1]
        assert seen(fast) == seen(engine)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_generated_handlers_agree_with_the_engine(sequence: list[Any]) -> None:
    replay(sequence)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_v2_generated_handlers_agree_with_the_engine(sequence: list[Any]) -> None:
    # The same frames on v2: a modality is an unknown field there, ignored (D51).
    replay(sequence, "v2")


V2_READY = envelope(
    "session.ready",
    {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 64,
        "supported_session_config_options": {"include": []},
    },
)
REJECTED = envelope("error", {"code": "ih6001", "message": "m"})


@settings(max_examples=300, deadline=None)
@given(v2_steps, maybe(["inter-2", "inter-2-audio"]))
# A format rejected after a PCM frame went fixes nothing: both paths forget it (D56).
@example(
    [V2_READY, "config-audio-16k", "segment-pcm", REJECTED, "config-audio-24k"], "inter-2-audio"
)
def test_v2_sticky_keys_agree_with_the_engine(sequence: list[Any], model: str) -> None:
    # Configs of model and audio_format, PCM frames, session.updated naming a model, ih6001
    # and ih2003: the fast path commits and forgets the keys as the engine does (D56).
    replay(sequence, "v2", model)


def test_a_wrong_handler_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # The comparison must be able to fail: a streaming signal.ended handler that forgets to
    # close the signal leaves the fast client with an active signal the engine has closed.
    from interhuman_stream import _fastpath

    handlers = _fastpath.HANDLERS[ih.SessionState.STREAMING]
    monkeypatch.setitem(handlers, ih.messages.SignalEnded, _fastpath._accept)  # type: ignore[index]
    ready = envelope(
        "session.ready",
        {
            "session_idle_timeout_seconds": 300,
            "session_max_duration_seconds": 3600,
            "min_segment_size_bytes": 1,
            "max_segment_size_bytes": 64,
            "supported_session_config_options": {"include": [], "goal_dimensions": None},
        },
    )
    detected = envelope("signal.detected", {"signal_type": "interest", "start": 1.5})
    ended = envelope("signal.ended", {"signal_type": "interest", "end": 2})
    replay([ready, detected])
    with pytest.raises(AssertionError):
        replay([ready, detected, ended])
