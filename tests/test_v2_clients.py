"""Both clients, and the vendor's SDK, against the mock on v2 (issue 16): a whole session on
the model the URL names, and the refusal of a model the mock does not serve (ih4005, 1008)."""

from __future__ import annotations

import asyncio
import math
import random
import struct
from typing import Any

import msgspec
import pytest
from harness import assert_sdk_agrees, run_sdk_session

import interhuman_stream as ih
from interhuman_stream.clients import aio, sync
from interhuman_stream.testing import MockConfig, MockServer
from transports import media

V2 = MockConfig(version="v2")
KEY = V2.api_key
BOTH_FLAGS = ["conversation_quality_overall", "conversation_quality_timeline"]
QUICK = {"connect_timeout": 5.0}


@pytest.fixture(scope="module")
def webm_chunks() -> list[bytes]:
    return media.recorder_chunks("webm", 12.0)


def v2_url(url: str, model: str) -> str:
    return f"{url}?model={model}"


PCM_16K = {"encoding": "pcm_s16le", "sample_rate": 16000, "channels": 1}
# What inter-2-audio is documented to report (D50).
AUDIO_MODEL_SIGNALS = {
    "agreement",
    "confidence",
    "frustration",
    "hesitation",
    "interest",
    "uncertainty",
}


@pytest.fixture(scope="module")
def pcm_chunks() -> list[bytes]:
    """12 s of a 220 Hz tone as s16le mono at 16 kHz, cut at byte boundaries that split
    samples (D55: any size, any boundary)."""
    rate, seconds = 16000, 12
    samples = [int(8000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(rate * seconds)]
    data = struct.pack(f"<{len(samples)}h", *samples)
    sizes, chunks, at = (3201, 6400, 1, 12799, 20000), [], 0
    while at < len(data):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(data[at : at + size])
        at += size
    assert b"".join(chunks) == data and any(len(c) % 2 for c in chunks)
    return chunks


def check_v2_session(messages: list[Any], summary: ih.SessionSummary, model: str) -> None:
    assert summary.complete and not summary.partial
    assert summary.signals and all(s.modality is msgspec.UNSET for s in summary.signals)
    assert isinstance(messages[0], ih.v2.messages.SessionReady)
    offered = messages[0].data.supported_session_config_options.model
    assert offered == list(V2.models)
    updated = [m for m in messages if isinstance(m, ih.v2.messages.SessionUpdated)]
    assert updated and all(m.data.model == model for m in updated)
    signals = [
        m
        for m in messages
        if isinstance(m, (ih.v2.messages.SignalDetected, ih.v2.messages.SignalUpdated))
    ]
    assert signals
    assert all(not hasattr(m.data, "modality") for m in signals)
    assert isinstance(messages[-1], ih.v2.messages.SessionEnded)


def test_the_mock_serves_v2_on_its_own_path_and_v1_stays_as_it_was() -> None:
    with MockServer(V2).running() as url:
        assert url.endswith("/v2/stream/analyze")
    with MockServer().running() as url:
        assert url.endswith("/v1/stream/analyze")
    assert MockConfig().ready().supported_session_config_options.model is None


def check_media_session(
    messages: list[Any],
    summary: ih.SessionSummary,
    mock: MockServer,
    chunks: list[bytes],
    kind: str,
) -> None:
    check_v2_session(messages, summary, "inter-2-audio")
    record = mock.sessions[-1]
    assert record.ended_by == "session.ended"
    assert record.segment_sizes == [len(chunk) for chunk in chunks]
    assert {s.type for s in summary.signals} <= AUDIO_MODEL_SIGNALS
    if kind == "pcm":
        # The mock's script steps once per 3 s of audio: 12 s of PCM at 32,000 B/s, 4 steps.
        assert 9.0 < summary.last_time <= 12.0


# Each client streams container media, and raw PCM after audio_format (D55), on the audio model.
MEDIA = {"webm": {}, "pcm": {"audio_format": PCM_16K}}


@pytest.mark.parametrize("kind", sorted(MEDIA))
def test_the_aio_client_completes_a_v2_session(kind: str, request: pytest.FixtureRequest) -> None:
    chunks: list[bytes] = request.getfixturevalue(f"{kind}_chunks")
    received: list[Any] = []
    mock = MockServer(V2)
    with mock.running() as url:
        summary = asyncio.run(
            aio.stream(
                v2_url(url, "inter-2-audio"),
                KEY,
                chunks,
                on_message=received.append,
                version="v2",
                strict=True,
                **MEDIA[kind],
            )
        )
    check_media_session(received, summary, mock, chunks, kind)


@pytest.mark.parametrize("kind", sorted(MEDIA))
def test_the_sync_client_completes_a_v2_session(kind: str, request: pytest.FixtureRequest) -> None:
    chunks: list[bytes] = request.getfixturevalue(f"{kind}_chunks")
    mock = MockServer(V2)
    with (
        mock.running() as url,
        sync.StreamClient(
            v2_url(url, "inter-2-audio"),
            KEY,
            include="offered",
            version="v2",
            **MEDIA[kind],
            **QUICK,
        ) as session,
    ):
        assert session.connection.version == "v2"
        keys = session.connection.sticky_config
        assert keys.get("audio_format") == (
            ih.v2.messages.AudioFormat(**PCM_16K) if kind == "pcm" else None
        )
        assert keys["model"] == "inter-2-audio"  # the URL's
        for chunk in chunks:
            session.send_segment(chunk)
        session.close()
        messages = list(session)
    check_media_session(messages, session.summary(), mock, chunks, kind)
    assert not session.connection.violations


def test_without_a_model_the_session_opens_on_the_default(webm_chunks: list[bytes]) -> None:
    received: list[Any] = []
    with MockServer(V2).running() as url:
        summary = asyncio.run(
            aio.stream(url, KEY, webm_chunks[:4], on_message=received.append, version="v2")
        )
    check_v2_session(received, summary, "inter-2")  # the default model (D49)


def test_a_client_given_a_connection_takes_its_version() -> None:
    connection = ih.ClientConnection(fold=ih.SummaryFold(), version="v2")
    client = sync.StreamClient("ws://127.0.0.1:1/v2/stream/analyze", KEY, connection=connection)
    assert client.connection.version == "v2"
    with pytest.raises(ValueError, match="version"):
        sync.StreamClient("ws://127.0.0.1:1/", KEY, connection=connection, version="v1")
    with pytest.raises(ValueError, match="version"):
        aio.StreamClient("ws://127.0.0.1:1/", KEY, connection=connection, version="v1")
    assert aio.StreamClient("ws://127.0.0.1:1/", KEY).connection.version == "v1"


@pytest.mark.parametrize("model", ["inter-2-deep", "inter-9"])
def test_a_model_the_mock_does_not_serve_is_refused_with_ih4005(
    model: str, webm_chunks: list[bytes]
) -> None:
    mock = MockServer(V2)
    with mock.running() as url:
        with pytest.raises(aio.ConnectionLost) as lost:
            asyncio.run(aio.stream(v2_url(url, model), KEY, webm_chunks[:2], version="v2"))
        assert lost.value.code == 1008
        assert lost.value.error is not None and lost.value.error.data.code == "ih4005"
        with pytest.raises(sync.ConnectionLost) as sync_lost:
            sync.stream(v2_url(url, model), KEY, webm_chunks[:2], version="v2", **QUICK)
        assert sync_lost.value.code == 1008
    for record in mock.sessions:
        assert record.ended_by == "refused" and record.close_code == 1008
        (refusal,) = record.sent  # the error and nothing else: no session.ready
        sent = ih.v2.decode_server_message(refusal)
        assert isinstance(sent, ih.v2.messages.ErrorMessage) and sent.data.code == "ih4005"
        assert sent.data.message.startswith("Invalid model.")  # v2's catalog wording


@pytest.mark.parametrize("client", ["aio", "sync"])
def test_a_conversation_stops_at_once_on_ih4005(client: str, tmp_path: Any) -> None:
    path = tmp_path / "short.webm"
    path.write_bytes(media.encode("webm", 4.0, {"cluster_time_limit": "1000"}))
    from interhuman_stream.clients import media as client_media

    source = client_media.FileSource(path)
    conv = ih.Conversation(
        rng=random.Random(0), backoff_base_seconds=0.05, connection_options={"version": "v2"}
    )
    mock = MockServer(V2)
    with mock.running() as base:
        url = v2_url(base, "inter-2-deep")
        failed = aio.ConversationFailed if client == "aio" else sync.ConversationFailed
        with pytest.raises(failed) as error:
            if client == "aio":
                asyncio.run(
                    aio.stream_conversation(url, KEY, source, conversation=conv, version="v2")
                )
            else:
                sync.stream_conversation(url, KEY, source, conversation=conv, version="v2")
    assert len(mock.sessions) == 1  # no retry
    # Stopped by the error itself (v2's catalog: fatal), not only by the close after it.
    assert conv.over == "error ih4005 (fatal)"
    assert error.value.reason == conv.over


def test_the_default_conversation_speaks_the_version_given(tmp_path: Any) -> None:
    path = tmp_path / "short.webm"
    path.write_bytes(media.encode("webm", 4.0, {"cluster_time_limit": "1000"}))
    from interhuman_stream.clients import media as client_media

    with MockServer(V2).running() as url:
        summary = sync.stream_conversation(
            v2_url(url, "inter-2"), KEY, client_media.FileSource(path), version="v2"
        )
    assert summary.complete


# -- the vendor's SDK on v2 ------------------------------------------------------------------


# The SDK's model and its way of sending each kind of media (send_video, or send_audio after
# the config declares the format).
SDK_MEDIA = {"webm": ("inter-2", None), "pcm": ("inter-2-audio", PCM_16K)}


@pytest.mark.parametrize("kind", sorted(SDK_MEDIA))
def test_vendor_sdk_completes_a_v2_session_and_agrees_with_our_core(
    kind: str, request: pytest.FixtureRequest
) -> None:
    from interhumanai.auth import StaticTokenProvider
    from interhumanai.stream import StreamClient
    from interhumanai.types import RawAudioFormat

    chunks: list[bytes] = request.getfixturevalue(f"{kind}_chunks")
    model, audio_format = SDK_MEDIA[kind]
    declared = None if audio_format is None else RawAudioFormat(**audio_format)
    mock = MockServer(V2)

    async def sdk_session(base_url: str) -> tuple[list[Any], Any]:
        client = StreamClient(
            token_provider=StaticTokenProvider(KEY),
            base_url=base_url,
            api_version="v2",
            model=model,
        )
        return await run_sdk_session(client, chunks, BOTH_FLAGS, audio_format=declared)

    with mock.running() as url:
        base_url = url.replace("ws://", "http://").removesuffix(V2.path)
        events, closed = asyncio.run(sdk_session(base_url))
    assert closed.code == 1000
    record = mock.sessions[-1]
    assert record.ended_by == "session.ended"
    assert record.segment_sizes == [len(chunk) for chunk in chunks]
    # What our core makes of the very session the SDK had: the mock keeps the frames it
    # sent (not the client's), so the SDK's sends are replayed as it made them - the config
    # after session.ready, every chunk, the close - then every frame that came back.
    ours = ih.ClientConnection(strict=True, version="v2", model=model)
    sent = list(record.sent)
    decoded = [ours.receive_message(sent[0])]
    ours.send_config(BOTH_FLAGS, audio_format=audio_format)
    for chunk in chunks:
        ours.send_segment(chunk)
    ours.send_close()
    decoded += [ours.receive_message(frame) for frame in sent[1:]]
    assert ours.state is ih.SessionState.ENDED
    assert not ours.violations
    assert_sdk_agrees(events, decoded)
    updated = [m for m in decoded if isinstance(m, ih.v2.messages.SessionUpdated)]
    assert [m.data.model for m in updated] == [model]
    assert [e.type for e in events][-2:] == ["signal.ended", "session.ended"]


# -- inter-2-audio with raw PCM (D55, D56) ---------------------------------------------------


def test_pcm_on_a_model_that_does_not_take_it_is_refused_before_it_is_sent(
    pcm_chunks: list[bytes],
) -> None:
    mock = MockServer(V2)
    with mock.running() as url:
        with pytest.raises(ih.LocalProtocolError) as refused:
            asyncio.run(
                aio.stream(
                    v2_url(url, "inter-2"), KEY, pcm_chunks, version="v2", audio_format=PCM_16K
                )
            )
        assert refused.value.rule == "audio-format-audio-model"
        with pytest.raises(ih.LocalProtocolError) as refused:
            sync.stream(url, KEY, pcm_chunks, version="v2", audio_format=PCM_16K, **QUICK)
        assert refused.value.rule == "audio-format-audio-model"
        assert "on model 'inter-2'" in refused.value.detail
        # Not a format, or not a version that has one: refused as plainly, before connecting.
        bad = {**PCM_16K, "sample_rate": 44100}
        with pytest.raises(ValueError, match="sample_rate 16000 or 24000") as wrong:
            aio.StreamClient(v2_url(url, "inter-2-audio"), KEY, version="v2", audio_format=bad)
        assert "44100" in str(wrong.value)
        with pytest.raises(ValueError, match="v2 config key"):
            sync.StreamClient(url.replace("/v2/", "/v1/"), KEY, audio_format=PCM_16K)
    assert mock.sessions == []  # nothing ever connected


def test_a_404_names_the_endpoint_of_the_version_spoken() -> None:
    with MockServer().running() as url:  # a v1 mock: the v2 path is not there
        v2_path = url.replace("/v1/", "/v2/")
        with pytest.raises(aio.HandshakeRejected) as rejected:
            asyncio.run(aio.stream(v2_path, KEY, [], version="v2"))
    assert rejected.value.status == 404
    assert "the v2 endpoint is /v2/stream/analyze" in str(rejected.value)


def test_a_switch_to_a_model_not_served_is_refused_and_the_session_goes_on(
    webm_chunks: list[bytes],
) -> None:
    # The mock answers it as the service documents (D54): a non-fatal ih2003, the session on
    # its model; our client neither stops nor holds the refused switch against its caller.
    mock = MockServer(V2)
    with (
        mock.running() as url,
        sync.StreamClient(v2_url(url, "inter-2"), KEY, version="v2", **QUICK) as session,
    ):
        session.configure(include=BOTH_FLAGS, model="inter-9")
        for chunk in webm_chunks:
            session.send_segment(chunk)
        session.configure(include=BOTH_FLAGS, model="inter-2")  # the one in force
        session.close()
        messages = list(session)
    errors = [m for m in messages if isinstance(m, ih.v2.messages.ErrorMessage)]
    assert [e.data.code for e in errors] == ["ih2003"]
    updated = [m for m in messages if isinstance(m, ih.v2.messages.SessionUpdated)]
    assert [m.data.model for m in updated] == ["inter-2", "inter-2"]
    assert session.summary().complete and not session.connection.violations
    assert mock.sessions[-1].ended_by == "session.ended"


def test_a_conversation_over_pcm_is_refused_before_anything_connects(
    pcm_chunks: list[bytes],
) -> None:
    class Pcm:  # a restartable source in name only: it must never be asked
        def restart(self, at: float) -> Any:
            raise AssertionError("asked for media")

    mock = MockServer(V2)
    with mock.running() as url:
        for client in (aio, sync):
            with pytest.raises(ValueError, match="conversation over raw PCM"):
                run = client.stream_conversation(
                    v2_url(url, "inter-2-audio"), KEY, Pcm(), version="v2", audio_format=PCM_16K
                )
                if asyncio.iscoroutine(run):
                    asyncio.run(run)
    assert mock.sessions == []


def test_the_mock_speaks_v2s_session_ready_and_answers_a_bad_switch_once() -> None:
    import json

    from websockets.asyncio.client import connect

    assert V2.ready().min_segment_duration_seconds is msgspec.UNSET  # not a v2 field (D57)
    assert MockConfig().ready().min_segment_duration_seconds == 3

    async def session(url: str) -> list[str]:
        handshake = ih.client_handshake(KEY)
        async with connect(url, additional_headers=list(handshake.headers)) as websocket:
            got = [await websocket.recv()]  # session.ready
            # A config with an unserved model that is also malformed: one answer, ih6001.
            await websocket.send(json.dumps({"model": "inter-9", "bogus": 1}))
            got.append(await websocket.recv())
            await websocket.send(json.dumps({"model": "inter-9"}))  # well formed: ih2003...
            got += [await websocket.recv(), await websocket.recv()]  # ...and session.updated
            return [str(frame) for frame in got]

    with MockServer(V2).running() as url:
        frames = asyncio.run(session(url))
    kinds = [json.loads(frame)["type"] for frame in frames]
    codes = [json.loads(frame)["data"].get("code") for frame in frames]
    assert kinds == ["session.ready", "error", "error", "session.updated"]
    assert codes[1:3] == ["ih6001", "ih2003"]
    assert json.loads(frames[3])["data"]["model"] == "inter-2"
