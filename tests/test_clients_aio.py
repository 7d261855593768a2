"""interhuman_stream.clients.aio on loopback: whole sessions against the mock server, and one
regression test per reliability point against small misbehaving servers (websockets, in a
thread of their own, so the client's event loop holds only the client's tasks)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
import threading
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.server import ServerProtocol

import interhuman_stream as ih
from interhuman_stream.clients.aio import (
    ConnectFailed,
    ConnectionLost,
    HandshakeRejected,
    SessionOver,
    StreamClient,
    StreamError,
    StreamTimeout,
    stream,
)
from transports.mock_server import MockConfig, MockServer

KEY = MockConfig().api_key
SECRET = "ih_live_S3CRET-never-shown-0123456789"
# A first segment that starts like Matroska (an EBML header), then continuation chunks.
FIRST = b"\x1a\x45\xdf\xa3" + bytes(200)
CLUSTER = b"\x1f\x43\xb6\x75" + bytes(200)
CHUNKS = [FIRST] + [CLUSTER] * 5
Handler = Callable[[ServerConnection], Awaitable[None]]


def run(main: Callable[[], Awaitable[Any]], *, within: float = 10.0) -> Any:
    """Run the test's coroutine, then check the client left no task behind; bounded."""

    async def checked() -> Any:
        try:
            return await asyncio.wait_for(main(), within)
        finally:
            assert asyncio.all_tasks() == {asyncio.current_task()}

    return asyncio.run(checked())


@contextlib.contextmanager
def serving(handler: Handler, **options: Any) -> Iterator[str]:
    """A websockets server on a free loopback port, in its own thread; yields its ws:// URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    options.setdefault("ping_interval", None)
    options.setdefault("close_timeout", 1)

    async def start() -> Any:
        return await serve(handler, "127.0.0.1", 0, **options)

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}{ih.handshake.ENDPOINT_PATH}"
    finally:

        async def stop() -> None:
            server.close()
            for task in list(server.handler_tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def stamp() -> datetime:
    return datetime.now(timezone.utc)


def new_server() -> ih.ServerConnection:
    return ih.ServerConnection(MockConfig().ready(), uuid.uuid4(), max_drain_seconds=5)


async def answer_close(websocket: ServerConnection, server: ih.ServerConnection) -> None:
    """Read until the client's session.close, then drain honestly and close with 1000."""
    async for frame in websocket:
        if isinstance(frame, bytes):
            await websocket.send_many(server.receive_segment(frame, timestamp=stamp()).replies)
            continue
        await websocket.send_many(server.receive_text(frame, timestamp=stamp()).replies)
        if server.state is ih.SessionState.DRAINING:
            await websocket.send_many(server.finish(timestamp=stamp(), at=1.0))
            await websocket.close(1000)
            return


async def _send_many(self: ServerConnection, frames: tuple[str, ...]) -> None:
    for frame in frames:
        await self.send(frame)


ServerConnection.send_many = _send_many  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


Script = Callable[[socket.socket, ServerProtocol, threading.Event], None]


@contextlib.contextmanager
def raw_serving(script: Script) -> Iterator[str]:
    """A one-connection server on a plain socket, in its own thread: websockets' sans-IO
    ServerProtocol answers the upgrade, then `script` writes what it likes and reads only
    when it wants to. The socket stays open until the test is over (`stop` is set then).
    Its receive buffer is small, so what the client writes and it does not read stays
    with the client."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited on accept
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    stop = threading.Event()

    def serve_one() -> None:
        with contextlib.suppress(OSError), listener.accept()[0] as conn:
            conn.settimeout(5)
            protocol = ServerProtocol()
            while not (events := protocol.events_received()):
                data = conn.recv(65536)
                if not data:
                    return
                protocol.receive_data(data)
            assert isinstance(events[0], Request)
            protocol.send_response(protocol.accept(events[0]))
            conn.sendall(b"".join(protocol.data_to_send()))
            with contextlib.suppress(OSError):
                script(conn, protocol, stop)
            stop.wait(30)  # never closes the socket before the test is over

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}{ih.handshake.ENDPOINT_PATH}"
    finally:
        stop.set()
        listener.close()
        thread.join(10)


def raw_send(conn: socket.socket, protocol: ServerProtocol, *texts: str) -> None:
    for text in texts:
        protocol.send_text(text.encode())
    conn.sendall(b"".join(protocol.data_to_send()))


def raw_read_until_draining(
    conn: socket.socket, protocol: ServerProtocol, server: ih.ServerConnection
) -> None:
    """Read the client's frames (answering them) until its session.close; bounded."""
    deadline = time.monotonic() + 5
    while server.state is not ih.SessionState.DRAINING and time.monotonic() < deadline:
        data = conn.recv(65536)
        if not data:
            return
        protocol.receive_data(data)
        for frame in protocol.events_received():
            if frame.opcode.name == "TEXT":
                replies = server.receive_text(frame.data.decode(), timestamp=stamp()).replies
            elif frame.opcode.name == "BINARY":
                replies = server.receive_segment(frame.data, timestamp=stamp()).replies
            else:
                continue
            for reply in replies:
                protocol.send_text(reply.encode())
        conn.sendall(b"".join(protocol.data_to_send()))


# -- whole sessions against the mock ---------------------------------------------------------


@pytest.mark.parametrize("method", ["bearer", "subprotocol"])
def test_stream_runs_a_whole_session_and_returns_its_summary(
    method: ih.handshake.AuthMethod,
) -> None:
    mock = MockServer()
    seen: list[Any] = []
    with mock.running() as url:
        summary = run(lambda: stream(url, KEY, CHUNKS, method=method, on_message=seen.append))
    assert isinstance(summary, ih.SessionSummary)
    assert summary.complete and not summary.partial
    assert summary.correlation_id == mock.sessions[-1].correlation_id
    assert summary.signals and summary.engagement_state
    assert summary.conversation_quality is not msgspec.UNSET  # "offered": both flags
    assert isinstance(seen[0], ih.messages.SessionReady)
    assert isinstance(seen[-1], ih.messages.SessionEnded)
    assert mock.sessions[-1].close_code == 1000
    received = [f for side, f in mock.sessions[-1].frames if side == "client"]
    assert sum(isinstance(f, bytes) for f in received) == len(CHUNKS)


def test_stream_client_sends_iterates_and_closes() -> None:
    mock = MockServer()

    async def main() -> tuple[StreamClient, list[Any]]:
        async with StreamClient(
            url, KEY, include=["conversation_quality_overall", "not_offered"]
        ) as session:
            assert session.streaming
            assert session.left_out == {"include": ("not_offered",)}
            for chunk in CHUNKS:
                await session.send_segment(chunk)
            await session.close()
            messages = [message async for message in session]
        return session, messages

    with mock.running() as url:
        session, messages = run(main)
    assert isinstance(messages[0], ih.messages.SessionReady)
    assert isinstance(messages[-1], ih.messages.SessionEnded)
    assert any(isinstance(m, ih.messages.ConversationQualityUpdated) for m in messages)
    assert session.correlation_id == mock.sessions[-1].correlation_id
    assert session.connection.state is ih.SessionState.CLOSED
    assert session.connection.close_code == 1000 and session.connection.violations == ()
    assert session.fold.final and not session.undecodable and session.dropped == 0


# -- the handshake and the key ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["bearer", "subprotocol"])
def test_a_refused_key_says_why_and_is_never_shown(
    method: ih.handshake.AuthMethod, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="interhuman_stream")
    client_reprs: list[str] = []

    async def main() -> HandshakeRejected:
        client = StreamClient(url, SECRET, method=method)
        client_reprs.append(repr(client))
        with pytest.raises(HandshakeRejected) as caught:
            async with client:
                pass
        client_reprs.append(repr(client))
        return caught.value

    with MockServer().running() as url:
        error = run(main)
    assert error.status == 401
    assert "check the key" in str(error) and "method='bearer'" in str(error)
    assert "subprotocol" in str(error)
    assert caplog.text and "***" in caplog.text  # websockets logged the request, redacted
    for shown in (str(error), repr(error), caplog.text, *client_reprs):
        assert SECRET not in shown
    with pytest.raises(ValueError, match="clear text") as refused:
        StreamClient("ws://example.com/v1/stream/analyze", SECRET)
    assert SECRET not in str(refused.value)


def test_nobody_listening_fails_cleanly() -> None:
    port = free_port()

    async def main() -> None:
        url = f"ws://127.0.0.1:{port}{ih.handshake.ENDPOINT_PATH}"
        with pytest.raises(ConnectFailed):
            await stream(url, KEY, CHUNKS)

    run(main)


def test_no_session_ready_is_a_ready_timeout() -> None:
    async def silent(websocket: ServerConnection) -> None:
        await asyncio.sleep(10)

    with serving(silent) as url:
        started = time.monotonic()
        with pytest.raises(StreamTimeout) as caught:
            run(lambda: stream(url, KEY, CHUNKS, ready_timeout=0.5, close_timeout=0.5))
    assert caught.value.during == "ready" and time.monotonic() - started < 4


def test_a_session_refused_before_ready_names_the_error() -> None:
    async def refuse(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send(server.fail("ih6004", timestamp=stamp()))
        await websocket.close(1008, "ih6004")

    with serving(refuse) as url, pytest.raises(ConnectionLost) as caught:
        run(lambda: stream(url, KEY, CHUNKS))
    assert caught.value.code == 1008 and caught.value.error is not None
    assert caught.value.error.data.code == "ih6004" and caught.value.during == "ready"


# -- bad frames --------------------------------------------------------------------------------


def test_undecodable_and_binary_frames_are_reported_and_skipped() -> None:
    async def sloppy(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        await websocket.send("{not json")
        await websocket.send(b"\x00\x01binary")
        await websocket.send('{"type": "signal.detected", "data": {}}')
        await answer_close(websocket, server)

    async def main() -> tuple[StreamClient, list[Any]]:
        async with StreamClient(url, KEY, include="offered") as session:
            await session.send_segment(FIRST)
            await session.close()
        return session, [m async for m in session]

    with serving(sloppy) as url:
        session, messages = run(main)
    kinds = [(u.kind, u.size) for u in session.undecodable]
    assert kinds == [("text", 9), ("binary", 8), ("text", 39)]
    assert session.undecodable_count == 3 and session.undecodable[1].head == b"\x00\x01binary"
    assert "$" in session.undecodable[0].reason
    # The frames after them were read: the config answer, the drain, a graceful end.
    assert [type(m).__name__ for m in messages] == [
        "SessionReady",
        "SessionUpdated",
        "SessionClosing",
        "SessionEnded",
    ]
    assert session.fold.summary().complete


def test_an_oversized_frame_ends_the_connection_with_1009() -> None:
    async def huge(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        await websocket.send("x" * 4096)
        await asyncio.sleep(5)

    with serving(huge) as url, pytest.raises(ConnectionLost) as caught:
        run(lambda: stream(url, KEY, CHUNKS, max_frame_size=1024))
    assert caught.value.code == 1009
    assert caught.value.summary is not None and caught.value.summary.partial


# -- races and misbehaving peers ---------------------------------------------------------------


def test_ready_ended_and_close_in_one_write_do_not_refuse_our_config() -> None:
    async def brief(websocket: ServerConnection) -> None:
        server = new_server()
        ready = server.start(timestamp=stamp())[0]
        ended = server.finish(timestamp=stamp(), at=0.0, reason="server_shutdown")[-1]
        protocol = websocket.protocol
        protocol.send_text(ready.encode())
        protocol.send_text(ended.encode())
        protocol.send_close(1000, "")
        websocket.transport.write(b"".join(protocol.data_to_send()))  # one write
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.wait_closed(), 5)

    async def main() -> tuple[StreamClient, list[Any]]:
        async with StreamClient(url, KEY, include="offered") as session:
            assert not session.streaming
            with pytest.raises(SessionOver):
                await session.send_segment(FIRST)
        return session, [m async for m in session]

    with serving(brief) as url:
        summary = run(lambda: stream(url, KEY, CHUNKS))
        assert summary.complete
        session, messages = run(main)
    assert session.connection.violations == ()
    assert [type(m).__name__ for m in messages] == ["SessionReady", "SessionEnded"]


def test_a_reset_mid_drain_raises_connection_lost() -> None:
    async def reset(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        async for frame in websocket:
            if isinstance(frame, str):
                replies = server.receive_text(frame, timestamp=stamp()).replies
                await websocket.send_many(replies)
                if server.state is ih.SessionState.DRAINING:
                    break
        sock = websocket.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        websocket.transport.abort()  # RST, not a close frame

    with serving(reset) as url, pytest.raises(ConnectionLost) as caught:
        run(lambda: stream(url, KEY, CHUNKS))
    error = caught.value
    assert error.during == "drain" and error.code == 1006
    assert not isinstance(error, ConnectionResetError)
    assert error.summary is not None and error.summary.partial


def test_a_server_that_stops_reading_cannot_hang_the_close() -> None:
    async def deaf(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        websocket.transport.pause_reading()
        await asyncio.sleep(20)

    with serving(deaf) as url:
        started = time.monotonic()
        with pytest.raises(StreamTimeout) as caught:
            run(lambda: stream(url, KEY, CHUNKS, drain_timeout=1.0, close_timeout=1.0))
        took = time.monotonic() - started
    assert caught.value.during == "drain"
    assert took < 1.0 + 1.0 + 1.0 + 1.5  # drain + close (+ the close's margin), no hang


def test_a_server_that_stops_reading_cannot_block_a_send_forever() -> None:
    async def deaf(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        websocket.transport.pause_reading()
        await asyncio.sleep(20)

    noise = random.Random(7).randbytes(1 << 20)  # incompressible, like video
    big = [FIRST + noise] + [CLUSTER + noise] * 200
    with serving(deaf) as url:
        started = time.monotonic()
        with pytest.raises(StreamTimeout) as caught:
            run(
                lambda: stream(url, KEY, big, send_timeout=1.0, close_timeout=1.0),
                within=20,
            )
    assert caught.value.during == "send" and time.monotonic() - started < 10


def test_a_slow_consumer_gets_backpressure_not_unbounded_memory() -> None:
    async def chatty(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        for _ in range(50):
            await websocket.send(
                '{"type": "x.unknown", "timestamp": "2026-01-01T00:00:00Z", '
                f'"correlation_id": "{server.correlation_id}", "data": {{}}}}'
            )
        await answer_close(websocket, server)

    async def main() -> tuple[int, int, StreamClient]:
        async with StreamClient(url, KEY, max_queue=4) as session:
            await asyncio.sleep(0.3)  # the server has sent everything; nobody reads
            queued = session.queued
            first = [await session.__anext__() for _ in range(10)]
            assert isinstance(first[0], ih.messages.SessionReady)
            await session.close()
        return queued, session.dropped, session

    with serving(chatty) as url:
        queued, dropped, session = run(main)
    assert queued == 4  # the loop waited for the consumer instead of queueing more
    assert dropped > 0  # close() never waits for a consumer that is not there
    assert session.fold.final


def test_cancelling_a_session_leaves_nothing_behind() -> None:
    async def endless(websocket: ServerConnection) -> None:
        server = new_server()
        await websocket.send_many(server.start(timestamp=stamp()))
        with contextlib.suppress(ConnectionClosed):
            async for _ in websocket:
                pass

    async def main() -> None:
        task = asyncio.ensure_future(stream(url, KEY, [FIRST] + [CLUSTER] * 10_000))
        await asyncio.sleep(0.3)  # streaming or draining (the server never ends the session)
        cancelled = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - cancelled < 2  # a bounded close, not the 30 s drain

    with serving(endless) as url:
        run(main)


def test_strict_mode_raises_the_servers_breach_and_cleans_up() -> None:
    async def twice(websocket: ServerConnection) -> None:
        server = new_server()
        ready = server.start(timestamp=stamp())[0]
        await websocket.send(ready)
        await websocket.send(ready)  # ready-once: a breach
        with contextlib.suppress(ConnectionClosed):
            async for _ in websocket:
                pass

    with serving(twice) as url, pytest.raises(ih.RemoteProtocolError) as caught:
        run(lambda: stream(url, KEY, CHUNKS, strict=True))
    assert caught.value.rule == "ready-once"


def test_a_ping_flood_from_a_server_that_reads_no_pong_stays_bounded() -> None:
    pings = 120_000  # 125-byte pings, ~15 MiB of pongs if the client kept them all

    def flood(conn: socket.socket, protocol: ServerProtocol, stop: threading.Event) -> None:
        raw_send(conn, protocol, *new_server().start(timestamp=stamp()))
        protocol.send_ping(bytes(125))
        block = b"".join(protocol.data_to_send()) * 1000
        conn.settimeout(2)  # a client that stops reading ends the flood
        for _ in range(pings // 1000):  # never reads: the pongs stay with the client
            if stop.is_set():
                return
            conn.sendall(block)
            time.sleep(0.015)  # ~2 s in all

    tracemalloc.start()
    try:
        with raw_serving(flood) as url:
            started = time.monotonic()
            tracemalloc.reset_peak()
            with pytest.raises(StreamError) as caught:
                run(
                    lambda: stream(
                        url,
                        KEY,
                        CHUNKS,
                        ready_timeout=2.0,
                        send_timeout=1.0,
                        drain_timeout=5.0,  # longer than the flood: it all reaches the client
                        close_timeout=1.0,
                    ),
                    within=15,
                )
            took = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Dropped once 1 MiB of pongs wait unsent (MAX_UNSENT_REPLIES), not after the drain:
    # the old client kept them all (~15 MiB) until drain_timeout.
    assert peak < 4 << 20, f"peak {peak / (1 << 20):.1f} MiB"
    assert isinstance(caught.value, ConnectionLost), caught.value
    assert caught.value.code == 1008 and "pong" in caught.value.reason
    assert caught.value.summary is not None and caught.value.summary.partial
    assert took < 4.0, took  # well within drain_timeout


@pytest.mark.parametrize("when", ["after_session_close", "mid_stream", "iterating"])
def test_ended_and_a_close_frame_on_a_socket_left_open_return_the_summary(when: str) -> None:
    """The server sends session.ended and a close frame, then keeps the TCP connection open
    and reads nothing: the client's closing handshake waits close_timeout, no longer."""

    def ends(conn: socket.socket, protocol: ServerProtocol, stop: threading.Event) -> None:
        server = new_server()
        raw_send(conn, protocol, *server.start(timestamp=stamp()))
        if when == "after_session_close":
            raw_read_until_draining(conn, protocol, server)
            ended = server.finish(timestamp=stamp(), at=1.0)
        else:
            time.sleep(0.3)  # the client is sending segments; read none of them
            ended = server.finish(timestamp=stamp(), at=0.3, reason="server_shutdown")
        for text in ended:
            protocol.send_text(text.encode())
        protocol.send_close(1000, "")
        conn.sendall(b"".join(protocol.data_to_send()))
        # ...and nothing more: no read, no answer, the socket stays open.

    async def chunks() -> AsyncIterator[bytes]:
        yield FIRST
        for _ in range(200):  # bounded: 10 s at most
            await asyncio.sleep(0.05)
            yield CLUSTER

    async def iterate() -> ih.SessionSummary:
        # The iteration ends at session.ended, though the connection is not closed yet.
        async with StreamClient(url, KEY, close_timeout=1.0) as session:
            messages = [type(m).__name__ async for m in session]
        assert messages == ["SessionReady", "SessionEnded"]
        return session.fold.summary()

    source = CHUNKS if when == "after_session_close" else chunks()
    with raw_serving(ends) as url:
        started = time.monotonic()
        if when == "iterating":
            summary = run(iterate, within=15)
        else:
            summary = run(lambda: stream(url, KEY, source, close_timeout=1.0), within=15)
        took = time.monotonic() - started
    assert summary.complete
    assert took < (0.0 if when == "after_session_close" else 0.3) + 1.0 + 0.75, took
