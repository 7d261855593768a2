"""Real transports over real sockets on 127.0.0.1: both clients, the mock server, the vendor SDK."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import av
import msgspec
import pytest
from harness import SDK_DOES_NOT_MODEL, assert_sdk_agrees, present, run_sdk_session, sdk_data
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import interhuman_stream as ih
from transports import media
from transports.asyncio_client import AsyncStreamSession, HandshakeRejected
from transports.mock_server import TIMEOUT_CLOSE_CODE, MockConfig, MockServer
from transports.sync_client import SyncStreamSession

pytest_plugins = ["transports.pytest_plugin"]

KEY = MockConfig().api_key
# A WebM continuation segment: a Cluster element id, then filler.
CLUSTER_ID = b"\x1f\x43\xb6\x75"
CLUSTER = CLUSTER_ID + bytes(100)
BOTH_FLAGS: list[ih.messages.IncludeFlag] = [
    "conversation_quality_overall",
    "conversation_quality_timeline",
]


@pytest.fixture(scope="module")
def webm_chunks() -> list[bytes]:
    return media.recorder_chunks("webm", 12.0)


@pytest.fixture(scope="module")
def mp4_chunks() -> list[bytes]:
    return media.recorder_chunks("mp4", 12.0)


def run_async(session: AsyncStreamSession) -> list[Any]:
    async def collect() -> list[Any]:
        return [message async for message in session]

    return asyncio.run(collect())


def assert_graceful(
    messages: list[Any], connection: ih.ClientConnection, chunks: list[bytes]
) -> None:
    """A whole session: ready first, every chunk sent, the final results, a normal close."""
    assert isinstance(messages[0], ih.messages.SessionReady)
    assert connection.violations == ()
    assert [s.size for s in connection.segments_sent] == [len(c) for c in chunks]
    kinds = [type(m) for m in messages]
    closing = kinds.index(ih.messages.SessionClosing)
    assert kinds[-1] is ih.messages.SessionEnded
    assert set(kinds[closing + 1 : -1]) <= {ih.messages.SignalEnded}
    assert connection.active_signals == {}
    assert connection.state is ih.SessionState.CLOSED and connection.close_code == 1000


# -- the sample media ---------------------------------------------------------------------


@pytest.mark.parametrize("container", list(media.CONTAINERS))
def test_container_sniffing_on_real_files(container: str) -> None:
    data = media.encode(container, seconds=2.0)
    found = ih.segments.sniff_container(data)
    assert found is not None, container
    # WebM is Matroska and a QuickTime file opens with the same ftyp box as MP4: the first
    # accepted container with that signature is the one named.
    named_as = {"webm": "mkv", "mov": "mp4"}
    assert found.name == named_as.get(container, container)


@pytest.mark.parametrize("kind", ["webm", "mp4"])
def test_recorder_chunks_are_one_real_stream(kind: str) -> None:
    chunks = media.recorder_chunks(kind, 9.0)
    assert len(chunks) >= 3
    assert ih.segments.sniff_container(chunks[0]) is not None  # the header is in the first chunk
    with av.open(io.BytesIO(b"".join(chunks))) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 9 * media.FPS


# -- whole sessions -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bearer", "subprotocol"])
def test_asyncio_client_full_session(
    interhuman_mock: tuple[str, MockServer],
    webm_chunks: list[bytes],
    method: ih.handshake.AuthMethod,
) -> None:
    url, mock = interhuman_mock
    session = AsyncStreamSession(url, KEY, webm_chunks, include=BOTH_FLAGS, method=method)
    messages = run_async(session)
    assert_graceful(messages, session.connection, webm_chunks)
    assert any(isinstance(m, ih.messages.ConversationQualityUpdated) for m in messages)
    # The server's X-Correlation-ID is the correlation_id of every message.
    assert session.correlation_id == mock.sessions[-1].correlation_id
    assert {str(m.correlation_id) for m in messages} == {session.correlation_id}


def test_sync_client_full_session(
    interhuman_mock: tuple[str, MockServer], mp4_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock
    session = SyncStreamSession(url, KEY, mp4_chunks, include=["conversation_quality_timeline"])
    messages = list(session)
    assert_graceful(messages, session.connection, mp4_chunks)
    assert session.correlation_id is not None
    assert {str(m.correlation_id) for m in messages} == {session.correlation_id}
    quality = [m for m in messages if isinstance(m, ih.messages.ConversationQualityUpdated)]
    assert quality and all(m.data.overall is None and len(m.data.timeline) == 1 for m in quality)


def test_graceful_close_delivers_the_final_signal_ended(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock
    session = SyncStreamSession(url, KEY, webm_chunks)
    messages = list(session)
    closing = next(i for i, m in enumerate(messages) if isinstance(m, ih.messages.SessionClosing))
    active_at_close: set[str] = set()
    for message in messages[:closing]:
        if isinstance(message, ih.messages.SignalDetected):
            active_at_close.add(message.data.signal_type)
        elif isinstance(message, ih.messages.SignalEnded):
            active_at_close.discard(message.data.signal_type)
    assert active_at_close, "the script leaves a signal open at the close"
    finals = {
        m.data.signal_type for m in messages[closing:] if isinstance(m, ih.messages.SignalEnded)
    }
    assert finals == active_at_close
    assert isinstance(messages[-1], ih.messages.SessionEnded)
    assert messages[-1].data.reason == "client_shutdown"


def test_a_wrong_key_fails_the_handshake(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, mock = interhuman_mock
    with pytest.raises(HandshakeRejected, match="HTTP 401") as caught:
        run_async(AsyncStreamSession(url, "not-the-key", webm_chunks))
    assert caught.value.status == 401
    with pytest.raises(HandshakeRejected, match="HTTP 401"):
        list(SyncStreamSession(url, "not-the-key", webm_chunks, method="subprotocol"))
    assert mock.sessions == []


@pytest.mark.parametrize("interhuman_mock_config", [MockConfig(max_segment_size_bytes=20_000)])
def test_an_oversized_segment_gets_ih6002_and_the_session_goes_on(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock
    small = [webm_chunks[0][:15_000], CLUSTER_ID + bytes(30_000), bytes(9_000)]
    client = ih.ClientConnection(check_segment_sizes=False, sniff_containers=False)
    session = AsyncStreamSession(url, KEY, small, connection=client)
    messages = run_async(session)
    errors = [m for m in messages if isinstance(m, ih.messages.ErrorMessage)]
    assert [(e.data.code, e.data.segment) for e in errors] == [("ih6002", 1)]
    assert client.segment_for(errors[0]) == client.segments_sent[1]
    assert client.segments_sent[1].size == len(small[1])
    assert_graceful(messages, client, small)


async def _slow_session(url: str, chunks: list[bytes], pace: float) -> tuple[list[Any], int | None]:
    """Open a session, send `chunks` `pace` seconds apart and never close: the server must
    end it."""
    handshake = ih.client_handshake(KEY)
    client = ih.ClientConnection()
    received: list[Any] = []
    loop = asyncio.get_running_loop()

    async def send(websocket: Any) -> None:
        for chunk in chunks:
            await asyncio.sleep(pace)
            await websocket.send(client.send_segment(chunk, now=loop.time()))

    async with connect(url, additional_headers=list(handshake.headers)) as websocket:
        sender = None
        with contextlib.suppress(ConnectionClosed):
            async for frame in websocket:
                message = client.receive_message(frame, now=loop.time())
                received.append(message)
                if isinstance(message, ih.messages.SessionReady):
                    sender = asyncio.create_task(send(websocket))
        if sender is not None:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
    client.connection_lost(websocket.close_code)
    return received, websocket.close_code


@pytest.mark.parametrize(
    "interhuman_mock_config", [MockConfig(idle_timeout_seconds=0.4, max_duration_seconds=30)]
)
def test_an_idle_session_times_out(interhuman_mock: tuple[str, MockServer]) -> None:
    url, mock = interhuman_mock
    received, code = asyncio.run(_slow_session(url, [], 0))
    assert isinstance(received[-1], ih.messages.ErrorMessage) and received[-1].data.code == "ih6003"
    assert code == TIMEOUT_CLOSE_CODE
    assert mock.sessions[-1].correlation_id == str(received[0].correlation_id)


@pytest.mark.parametrize(
    "interhuman_mock_config", [MockConfig(idle_timeout_seconds=5, max_duration_seconds=0.6)]
)
def test_a_long_session_hits_the_maximum_duration(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock
    chunks = [webm_chunks[0]] + [CLUSTER] * 20
    received, code = asyncio.run(_slow_session(url, chunks, 0.1))
    assert isinstance(received[-1], ih.messages.ErrorMessage) and received[-1].data.code == "ih6004"
    assert code == TIMEOUT_CLOSE_CODE


# -- the vendor's SDK, a client nobody here wrote ------------------------------------------


def replay(client: ih.ClientConnection, frames: list[tuple[str, bytes | str]]) -> list[Any]:
    """Feed a recorded session through our core; return the server messages it decoded."""
    received = []
    for side, frame in frames:
        if side == "server":
            received.append(client.receive_message(frame))
        elif isinstance(frame, bytes):
            client.send_segment(frame)
        else:
            sent = ih.decode_client_message(frame)
            if isinstance(sent, ih.messages.SessionClose):
                client.send_close()
            else:
                include = None if sent.include is msgspec.UNSET else sent.include
                goals = None if sent.goal_dimensions is msgspec.UNSET else sent.goal_dimensions
                client.send_config(include, goals)
    return received


def test_vendor_sdk_completes_a_session_and_agrees_with_our_core(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    from interhumanai.auth import StaticTokenProvider
    from interhumanai.stream import StreamClient

    url, mock = interhuman_mock
    base_url = url.replace("ws://", "http://").removesuffix(ih.handshake.ENDPOINT_PATH)

    async def sdk_session() -> tuple[list[Any], Any]:
        client = StreamClient(token_provider=StaticTokenProvider(KEY), base_url=base_url)
        return await run_sdk_session(client, webm_chunks, BOTH_FLAGS)

    events, closed = asyncio.run(sdk_session())
    assert closed.code == 1000
    # What our core makes of the very session the SDK had, frame by frame, in order.
    ours = ih.ClientConnection(strict=True)
    decoded = replay(ours, mock.sessions[-1].frames)
    assert ours.state is ih.SessionState.ENDED
    assert_sdk_agrees(events, decoded)
    assert [e.type for e in events][-2:] == ["signal.ended", "session.ended"]


def test_vendor_sdk_with_a_wrong_key_fails_the_handshake(
    interhuman_mock: tuple[str, MockServer],
) -> None:
    from interhumanai.auth import StaticTokenProvider
    from interhumanai.errors import InterhumanError
    from interhumanai.stream import StreamClient

    url, _mock = interhuman_mock
    base_url = url.replace("ws://", "http://").removesuffix(ih.handshake.ENDPOINT_PATH)
    client = StreamClient(token_provider=StaticTokenProvider("wrong"), base_url=base_url)
    with pytest.raises(InterhumanError, match="401"):
        asyncio.run(client.connect())


# -- the mock server from the command line ------------------------------------------------


def test_mock_server_runs_from_the_command_line(webm_chunks: list[bytes]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "transports.mock_server", "--port", "0", "--api-key", "cli-key"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.rsplit(" on ", 1)[1].strip()
        assert url.startswith("ws://127.0.0.1:") and url.endswith(ih.handshake.ENDPOINT_PATH)
        session = SyncStreamSession(url, "cli-key", webm_chunks[:2])
        messages = list(session)
        assert isinstance(messages[-1], ih.messages.SessionEnded)
        uuid.UUID(session.correlation_id)
    finally:
        process.terminate()
        process.wait(timeout=10)


SECRET = "ih_live_TransportSecretThatMustNotLeak"


@pytest.mark.parametrize("interhuman_mock_config", [MockConfig(api_key=SECRET)])
def test_no_log_line_of_a_real_session_shows_the_key(
    interhuman_mock: tuple[str, MockServer],
    webm_chunks: list[bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, mock = interhuman_mock
    with caplog.at_level(logging.DEBUG):
        run_async(AsyncStreamSession(url, SECRET, webm_chunks[:1]))
        run_async(AsyncStreamSession(url, SECRET, webm_chunks[:1], method="subprotocol"))
    assert "Authorization" in caplog.text  # websockets did log the handshake headers
    assert SECRET not in caplog.text
    assert SECRET not in repr(mock.config)


def test_a_send_the_protocol_refuses_is_raised_not_lost(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock
    with pytest.raises(ih.LocalProtocolError) as caught:
        run_async(AsyncStreamSession(url, KEY, [webm_chunks[0], b""]))
    assert caught.value.rule == "segment-not-empty"


@pytest.mark.parametrize(
    "interhuman_mock_config", [MockConfig(idle_timeout_seconds=5, max_duration_seconds=0.3)]
)
def test_the_sync_client_stops_when_the_server_ends_the_session(
    interhuman_mock: tuple[str, MockServer], webm_chunks: list[bytes]
) -> None:
    url, _mock = interhuman_mock

    def slow() -> Iterator[bytes]:
        yield webm_chunks[0]
        for _ in range(20):
            time.sleep(0.05)
            yield CLUSTER

    session = SyncStreamSession(url, KEY, slow())
    messages = list(session)
    assert isinstance(messages[-1], ih.messages.ErrorMessage) and messages[-1].data.code == "ih6004"
    assert session.connection.close_code == TIMEOUT_CLOSE_CODE


def test_our_two_clients_and_the_vendor_sdk_agree_frame_by_frame(
    webm_chunks: list[bytes],
) -> None:
    # The same recording through the installable asyncio and sync clients and through the
    # vendor's SDK, each against the same scripted mock: they receive the same messages.
    from interhumanai.auth import StaticTokenProvider
    from interhumanai.stream import StreamClient

    from interhuman_stream.clients import aio, sync

    def received(lines: list[bytes]) -> list[tuple[str, Any]]:
        entries = [json.loads(line) for line in lines]
        return [(e["recv"]["type"], present(e["recv"]["data"])) for e in entries if "recv" in e]

    async def sdk_session(url: str) -> list[tuple[str, Any]]:
        base = url.replace("ws://", "http://").removesuffix(ih.handshake.ENDPOINT_PATH)
        client = StreamClient(token_provider=StaticTokenProvider(KEY), base_url=base)
        events, _closed = await run_sdk_session(client, webm_chunks, BOTH_FLAGS)
        return [(event.type, sdk_data(event)) for event in events]

    runs: dict[str, list[tuple[str, Any]]] = {}
    for name in ("asyncio", "sync", "sdk"):
        lines: list[bytes] = []
        with MockServer().running() as url:
            if name == "asyncio":
                asyncio.run(
                    aio.stream(url, KEY, webm_chunks, include=BOTH_FLAGS, record=lines.append)
                )
                runs[name] = received(lines)
            elif name == "sync":
                sync.stream(url, KEY, webm_chunks, include=BOTH_FLAGS, record=lines.append)
                runs[name] = received(lines)
            else:
                runs[name] = asyncio.run(sdk_session(url))
    for name in ("asyncio", "sync"):
        ours = runs[name]
        for field in SDK_DOES_NOT_MODEL["session.ready"]:
            ours[0][1].pop(field, None)
        assert ours[0][0] == "session.ready" and ours[-1][0] == "session.ended"
        assert ours == runs["sdk"], name
    assert runs["asyncio"] == runs["sync"]
