"""interhuman_stream.clients.sync (the blocking websockets client) on loopback: whole sessions
against the mock server, and one regression test per reliability point against small
misbehaving websockets servers run in a thread."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.frames import Opcode
from websockets.server import ServerProtocol
from websockets.sync.server import ServerConnection, serve

import interhuman_stream as ih
from interhuman_stream.clients.sync import (
    KEEPALIVE,
    ConnectError,
    ConnectionLost,
    HandshakeRejected,
    ReceiveTimeout,
    StreamClient,
    StreamError,
    stream,
)
from transports.mock_server import MockConfig, MockServer

SECRET = "ih_live_sync-secret-4f9a1c"
EBML = b"\x1a\x45\xdf\xa3"  # a Matroska/WebM header starts the first segment
CHUNKS = [EBML + bytes(20_000), b"\x1f\x43\xb6\x75" + bytes(20_000), bytes(20_000)]
QUICK: dict[str, Any] = {
    "connect_timeout": 2.0,
    "receive_timeout": 3.0,
    "drain_timeout": 3.0,
    "close_timeout": 1.0,
}


@pytest.fixture
def mock() -> Iterator[tuple[str, MockServer]]:
    server = MockServer(MockConfig(api_key=SECRET, max_segment_size_bytes=16 << 20))
    with server.running() as url:
        yield url, server


def stamp() -> datetime:
    return datetime.now(timezone.utc)


def ready_data() -> ih.messages.SessionReadyData:
    return MockConfig(max_segment_size_bytes=1 << 20).ready()


@contextlib.contextmanager
def peer(
    handler: Callable[[ServerConnection, ih.ServerConnection], None], **options: Any
) -> Iterator[str]:
    """A small websockets server in a thread that plays `handler` on each connection, with a
    ServerConnection to make its valid frames; yields the ws:// URL."""

    def run(websocket: ServerConnection) -> None:
        handler(websocket, ih.ServerConnection(ready_data(), uuid.uuid4()))

    with serve(run, "127.0.0.1", 0, ping_interval=None, **options) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        try:
            yield f"ws://127.0.0.1:{port}{ih.handshake.ENDPOINT_PATH}"
        finally:
            server.shutdown()
            thread.join(5)


def open_sockets() -> set[str]:
    """The sockets this process holds open (their inodes)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/self/fd/{fd}")
            if link.startswith("socket:"):
                found.add(link)
    return found


def settle(before: set[str]) -> set[str]:
    """The sockets opened since `before` that are still open once the threads are done."""
    deadline = time.monotonic() + 3
    while open_sockets() - before and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.02)
    return open_sockets() - before


# -- whole sessions -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bearer", "subprotocol"])
def test_stream_runs_a_whole_session_and_returns_its_summary(
    mock: tuple[str, MockServer], method: ih.handshake.AuthMethod
) -> None:
    url, server = mock
    summary = stream(
        url,
        SECRET,
        CHUNKS * 2,
        include=["conversation_quality_overall", "not-offered-flag"],
        method=method,
        **QUICK,
    )
    assert summary.signals and summary.conversation_quality is not None
    record = server.sessions[-1]
    assert '"session.ended"' in record.sent[-1]
    sizes = [len(frame) for side, frame in record.frames if isinstance(frame, bytes)]
    assert sizes == [len(c) for c in CHUNKS * 2]


def test_the_context_manager_sends_iterates_and_closes(mock: tuple[str, MockServer]) -> None:
    url, server = mock
    with StreamClient(url, SECRET, include=["conversation_quality_timeline"], **QUICK) as session:
        assert session.connection.state is ih.SessionState.STREAMING
        assert session.offered is not None and session.offered.left_out == {}
        for chunk in CHUNKS:
            session.send_segment(chunk)
        session.close()
        messages = list(session)
    assert isinstance(messages[0], ih.messages.SessionReady)
    assert isinstance(messages[-1], ih.messages.SessionEnded)
    assert session.correlation_id == server.sessions[-1].correlation_id
    assert session.connection.violations == ()
    assert session.connection.state is ih.SessionState.CLOSED
    assert session.connection.close_code == 1000
    assert session.segments_written == len(CHUNKS)
    assert session.fold.final and session.summary().signals


def test_8_mib_segments_are_sent_whole(mock: tuple[str, MockServer]) -> None:
    # Regression: the wsproto client wrote on a non-blocking socket, crashed with
    # BlockingIOError on 8 MiB chunks and counted the part-sent segment as sent.
    url, server = mock
    big = 8 << 20
    chunks = [EBML + bytes(big - 4), bytes(big), bytes(big)]
    with StreamClient(url, SECRET, **QUICK) as session:
        for chunk in chunks:
            session.send_segment(chunk)
        session.close()
    assert session.segments_written == 3
    assert [s.size for s in session.connection.segments_sent] == [big] * 3
    sizes = [len(frame) for side, frame in server.sessions[-1].frames if isinstance(frame, bytes)]
    assert sizes == [big] * 3
    assert session.fold.final


# -- misbehaving peers ----------------------------------------------------------------------


def play_until_close(websocket: ServerConnection, server: ih.ServerConnection) -> None:
    """Answer like a server: segments and configs, then session.closing and the end."""
    for frame in websocket:
        if isinstance(frame, bytes):
            for reply in server.receive_segment(frame, timestamp=stamp()).replies:
                websocket.send(reply)
            continue
        for reply in server.receive_text(frame, timestamp=stamp()).replies:
            websocket.send(reply)
        if server.state is ih.SessionState.DRAINING:
            for reply in server.finish(timestamp=stamp(), at=1.0):
                websocket.send(reply)
            websocket.close()
            return


def test_undecodable_and_binary_frames_are_kept_and_the_session_goes_on() -> None:
    def handler(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        websocket.send(b"\x00\x01 a binary frame")
        websocket.send('{"type": "signal.detected", "data": 3}')
        websocket.send("not json at all")
        play_until_close(websocket, server)

    with peer(handler) as url:
        summary = stream(url, SECRET, CHUNKS, **QUICK)
        with StreamClient(url, SECRET, **QUICK) as session:
            session.close()
            messages = list(session)
    assert summary.signals == []  # the session still ended: the summary is complete
    assert [type(m).__name__ for m in messages] == [
        "SessionReady",
        "SessionClosing",
        "SessionEnded",
    ]
    assert session.undecodable_count == 3
    binary, wrong, garbage = session.undecodable
    assert binary.binary and binary.data == b"\x00\x01 a binary frame"
    assert "binary frame" in binary.reason
    assert not wrong.binary and "$.data" in wrong.reason
    assert garbage.data == "not json at all"
    assert session.connection.close_code == 1000 and session.fold.final


def reset(websocket: ServerConnection) -> None:
    """Drop the TCP connection with a reset (RST), no close frame."""
    websocket.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    websocket.socket.close()


def test_a_reset_mid_drain_raises_connection_lost_with_a_partial_summary() -> None:
    def handler(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        for frame in websocket:
            if isinstance(frame, str):
                for reply in server.receive_text(frame, timestamp=stamp()).replies:
                    websocket.send(reply)  # session.closing
                time.sleep(0.1)
                reset(websocket)
                return

    with peer(handler) as url:
        session = StreamClient(url, SECRET, **QUICK)
        with pytest.raises(ConnectionLost) as caught, session:
            session.send_segment(CHUNKS[0])
            session.close()
        with pytest.raises(ConnectionLost):
            stream(url, SECRET, CHUNKS, **QUICK)
    lost = caught.value
    assert lost.code == 1006 and "before session.ended" in str(lost)
    assert not isinstance(lost, ConnectionResetError)
    assert lost.summary is not None
    assert session.connection.state is ih.SessionState.CLOSED and session.fold.final


def test_a_close_frame_before_session_ended_is_connection_lost_with_its_code() -> None:
    def handler(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        websocket.close(1011, "internal error")

    with (
        peer(handler) as url,
        pytest.raises(ConnectionLost) as caught,
        StreamClient(url, SECRET, **QUICK) as session,
    ):
        list(session)
    assert (caught.value.code, caught.value.reason) == (1011, "internal error")


def test_an_oversized_incoming_message_closes_with_1009() -> None:
    def handler(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        websocket.send(" " * 4096)
        time.sleep(0.3)

    with (
        peer(handler) as url,
        pytest.raises(ConnectionLost) as caught,
        StreamClient(url, SECRET, max_size=2048, **QUICK) as session,
    ):
        list(session)
    assert caught.value.code == 1009


def test_receive_and_drain_timeouts() -> None:
    def silent(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for _ in websocket:  # reads (the close), says nothing
            pass

    def ready_then_silent(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        silent(websocket, server)

    with peer(silent) as url:
        started = time.monotonic()
        with pytest.raises(ReceiveTimeout, match=r"session\.ready"):
            StreamClient(url, SECRET, receive_timeout=0.3, close_timeout=0.2).open()
        assert time.monotonic() - started < 1.5
    with peer(ready_then_silent) as url:
        session = StreamClient(url, SECRET, drain_timeout=0.3, close_timeout=0.2)
        with pytest.raises(ReceiveTimeout, match="drain_timeout") as caught, session:
            session.close()
        assert caught.value.summary is not None and session.fold.final
        assert session.connection.state is ih.SessionState.CLOSED


# -- opening ------------------------------------------------------------------------------


def test_a_refused_key_says_why(mock: tuple[str, MockServer]) -> None:
    url, server = mock
    with pytest.raises(HandshakeRejected, match=r"HTTP 401.*API key") as bearer:
        stream(url, "not-the-key", CHUNKS, **QUICK)
    assert bearer.value.status == 401
    with pytest.raises(HandshakeRejected, match="subprotocol form") as subprotocol:
        StreamClient(url, "not-the-key", method="subprotocol", **QUICK).open()
    assert "'pair'" in str(subprotocol.value)
    assert server.sessions == []

    def forbid(websocket: ServerConnection, request: Any) -> Any:
        return websocket.respond(HTTPStatus.FORBIDDEN, "no\n")

    with (
        peer(lambda ws, s: None, process_request=forbid) as other,
        pytest.raises(HandshakeRejected, match="HTTP 403") as forbidden,
    ):
        StreamClient(other, SECRET, **QUICK).open()
    assert forbidden.value.status == 403


def test_the_key_never_shows(
    mock: tuple[str, MockServer], caplog: pytest.LogCaptureFixture
) -> None:
    url, _server = mock
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    with StreamClient(url, SECRET, method="bearer", **QUICK) as session:
        shown += [repr(session), str(session), repr(session.connection)]
        session.send_segment(CHUNKS[0])
    shown.append(repr(session))
    with StreamClient(url, SECRET, method="subprotocol", subprotocol_form="bare", **QUICK) as bare:
        shown.append(repr(bare))
    for method in ("bearer", "subprotocol"):
        with pytest.raises(HandshakeRejected) as caught:
            StreamClient(url, SECRET + "x", method=method, **QUICK).open()  # type: ignore[arg-type]
        shown += [str(caught.value), repr(caught.value)]
    # The client's log (the mock server logs on its own logger, and shows a wrong key).
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("interhuman_stream")
    )
    assert "Authorization: Bearer ***" in logged  # websockets did log the request headers
    assert SECRET not in logged
    assert not [text for text in shown if SECRET in text]


def test_a_port_nobody_listens_on_fails_within_the_connect_timeout() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConnectError, match="cannot connect"):
        stream(f"ws://127.0.0.1:{port}/v1/stream/analyze", SECRET, CHUNKS, connect_timeout=1.0)
    assert time.monotonic() - started < 1.0


def test_a_server_that_never_answers_the_upgrade_fails_within_the_connect_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ConnectError, match="connect_timeout"):
            StreamClient(f"ws://127.0.0.1:{port}/", SECRET, connect_timeout=0.4).open()
        assert time.monotonic() - started < 1.5


def test_no_socket_is_left_behind_after_a_failure(mock: tuple[str, MockServer]) -> None:
    url, _server = mock

    def reset_after_ready(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        reset(websocket)

    def ready_then_silent(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        for _ in websocket:  # until the client closes
            pass

    def silent(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for _ in websocket:
            pass

    quick = {**QUICK, "receive_timeout": 0.1, "drain_timeout": 0.1, "close_timeout": 0.2}
    with (
        peer(reset_after_ready) as resetting,
        peer(ready_then_silent) as quiet,
        peer(silent) as mute,
    ):
        before = open_sockets()
        for _ in range(2):
            with pytest.raises(HandshakeRejected):
                stream(url, "wrong", CHUNKS, **quick)
            with pytest.raises(ConnectionLost):
                stream(resetting, SECRET, CHUNKS, **quick)
            with pytest.raises(ConnectError):
                stream("ws://127.0.0.1:9/", SECRET, CHUNKS, **quick)
            with pytest.raises(ReceiveTimeout, match="session"):
                stream(mute, SECRET, CHUNKS, **quick)  # no session.ready
            with pytest.raises(ReceiveTimeout, match="drain"):
                stream(quiet, SECRET, CHUNKS, **quick)  # no session.ended
            with pytest.raises(KeyError), StreamClient(quiet, SECRET, **quick):
                raise KeyError("the caller's own failure inside the block")
            assert stream(url, SECRET, CHUNKS, **quick).signals
        assert settle(before) == set()


def test_keepalive_pings_go_out() -> None:
    major = int(websockets.__version__.split(".")[0])
    assert KEEPALIVE is (major >= 15)
    if not KEEPALIVE:
        pytest.skip("this websockets has no keepalive in its threading client")

    def ready_then_serve(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        play_until_close(websocket, server)

    with (
        peer(ready_then_serve) as url,
        StreamClient(url, SECRET, ping_interval=0.05, **QUICK) as session,
    ):
        deadline = time.monotonic() + 2
        while session.latency == 0.0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session.latency > 0.0  # a ping went out and its pong came back


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")
def test_wss_verifies_the_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    def ready_then_close(websocket: ServerConnection, server: ih.ServerConnection) -> None:
        for frame in server.start(timestamp=stamp()):
            websocket.send(frame)
        play_until_close(websocket, server)

    with peer(ready_then_close, ssl=server_context) as url:
        secure = url.replace("ws://", "wss://")
        # The default context does not trust a self-signed certificate. (Under load the
        # failed handshake can surface as the upgrade getting no HTTP answer; the trusting
        # context below succeeding against the same server shows verification was the cause.)
        with pytest.raises(
            ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|did not receive a valid HTTP response"
        ):
            stream(secure, SECRET, CHUNKS, **QUICK)
        trusting = ssl.create_default_context(cafile=str(cert))
        summary = stream(secure, SECRET, CHUNKS, ssl=trusting, **QUICK)
        assert summary.signals == []


def test_urls_are_checked() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        StreamClient("http://example.com/", SECRET)
    with pytest.raises(ValueError, match="wss://"):
        StreamClient("ws://example.com/", SECRET, ssl=ssl.create_default_context())


# -- raw peers: what a websockets server would not do --------------------------------------


def send_all(connection: socket.socket, protocol: ServerProtocol) -> None:
    for data in protocol.data_to_send():
        if data:  # b"" would mean "close the TCP connection": these peers decide that
            connection.sendall(data)


@contextlib.contextmanager
def raw_peer(
    handler: Callable[[socket.socket, ServerProtocol, ih.ServerConnection, threading.Event], None],
) -> Iterator[str]:
    """A one-connection server on a bare socket in a thread: websockets' sans-IO
    ServerProtocol answers the upgrade, then `handler` owns the socket and may break the
    rules (never read, never close) until `stop` is set; yields the ws:// URL."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            protocol = ServerProtocol(max_size=None)
            events: list[Any] = []
            while not events:
                protocol.receive_data(connection.recv(65536))
                events = protocol.events_received()
            protocol.send_response(protocol.accept(events[0]))
            send_all(connection, protocol)
            handler(connection, protocol, ih.ServerConnection(ready_data(), uuid.uuid4()), stop)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{port}{ih.handshake.ENDPOINT_PATH}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def test_a_ping_flood_from_a_peer_that_never_reads_is_bounded() -> None:
    # Once the client streams the peer sends pings as fast as it can and reads nothing: the
    # client's pongs and segments pile up in the kernel's buffers, then its writes block.
    # The client must not buffer without bound (reading 64 KiB at a time it peaked at 14 MiB:
    # RECV_BUFSIZE), and must fail within its timeouts.
    pings = b"\x89\x00" * 32768  # 32768 empty ping frames

    def flood(
        connection: socket.socket,
        protocol: ServerProtocol,
        server: ih.ServerConnection,
        stop: threading.Event,
    ) -> None:
        for frame in server.start(timestamp=stamp()):
            protocol.send_text(frame.encode())
        send_all(connection, protocol)
        connection.recv(1)  # the client is streaming: it had session.ready
        connection.settimeout(0.1)
        while not stop.is_set():
            try:
                connection.sendall(pings)
            except TimeoutError:
                continue  # the client stopped reading for now
            except OSError:
                return

    chunk = bytes(256 << 10)
    options = {**QUICK, "send_timeout": 1.0, "close_timeout": 0.5, "ping_interval": 0.2}
    with raw_peer(flood) as url:
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(StreamError) as caught:
                stream(url, SECRET, [EBML + chunk, *([chunk] * 400)], **options)
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert isinstance(caught.value, (ConnectionLost, ReceiveTimeout))
    assert caught.value.summary is not None
    # send_timeout for the blocked write, close_timeout for the closing, and slack.
    assert elapsed < 1.0 + 0.5 + 3.0
    assert peak < 3 << 20, f"peak {peak / (1 << 20):.1f} MiB"


def test_a_peer_keeping_tcp_open_after_its_close_frame_costs_only_the_close_timeout() -> None:
    # The peer ends the session (session.closing, session.ended), sends its close frame and
    # keeps the TCP connection open: the client has all it needs and must return the
    # complete summary, giving up on the TCP close after close_timeout.
    def end_then_linger(
        connection: socket.socket,
        protocol: ServerProtocol,
        server: ih.ServerConnection,
        stop: threading.Event,
    ) -> None:
        for frame in server.start(timestamp=stamp()):
            protocol.send_text(frame.encode())
        send_all(connection, protocol)
        connection.settimeout(0.1)
        while not stop.is_set():
            try:
                data = connection.recv(1 << 20)
            except TimeoutError:
                continue
            if not data:
                return
            protocol.receive_data(data)
            for event in protocol.events_received():
                if event.opcode is Opcode.BINARY:
                    replies = server.receive_segment(event.data, timestamp=stamp()).replies
                elif event.opcode is Opcode.TEXT:
                    replies = server.receive_text(event.data.decode(), timestamp=stamp()).replies
                else:
                    continue
                for reply in replies:
                    protocol.send_text(reply.encode())
                if server.state is ih.SessionState.DRAINING:
                    for reply in server.finish(timestamp=stamp(), at=1.0):
                        protocol.send_text(reply.encode())
                    protocol.send_close(1000)
            send_all(connection, protocol)  # the client's close frame is answered, no FIN

    close_timeout = 0.5
    with raw_peer(end_then_linger) as url:
        started = time.monotonic()
        summary = stream(url, SECRET, CHUNKS, **{**QUICK, "close_timeout": close_timeout})
        elapsed = time.monotonic() - started
    assert summary.complete and not summary.partial
    assert elapsed < close_timeout + 1.0
