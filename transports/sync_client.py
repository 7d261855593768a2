"""Streaming Analyze v1 over a plain socket and `wsproto`, without threads or asyncio: how to
embed the core in a WebSocket library we do not ship a client for.

Two sans-IO layers stacked: wsproto turns bytes into WebSocket events, ClientConnection turns
frames into protocol messages and says what each one changed (`receive`). The core owns the
lifecycle - when the session became ready, the config of what the server offers
(`send_offered_config`), the drain deadline after session.closing, the summary fold it feeds
and finalises, the recording for `check` - so this loop only moves bytes: it sends the config
once session.ready arrives, each chunk in order (collecting whatever the server said
meanwhile), then session.close, and reads until the server closes or the drain runs out.

    for message in SyncStreamSession(url, api_key, chunks, include=[...]):
        print(message)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

import interhuman_stream as ih

from .asyncio_client import HandshakeRejected

_READ_SIZE = 65536


class SyncStreamSession:
    """One session on a blocking socket: iterate it to run it and get each message, typed."""

    def __init__(
        self,
        url: str,
        api_key: str,
        chunks: Iterable[bytes],
        *,
        include: list[ih.messages.IncludeFlag] | None = None,
        goal_dimensions: list[ih.messages.GoalDimension] | None = None,
        method: ih.handshake.AuthMethod = "bearer",
        client_request_id: str | None = None,
        timeout: float = 30.0,
        connection: ih.ClientConnection | None = None,
        fold: ih.SummaryFold | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ws" or parts.hostname is None:
            raise ValueError("this example client speaks plain ws:// (put TLS in front for wss://)")
        self._address = (parts.hostname, parts.port or 80)
        self._target = parts.path + (f"?{parts.query}" if parts.query else "")
        self._host = parts.netloc
        self._handshake = ih.client_handshake(
            ih.ApiKey(api_key), method=method, client_request_id=client_request_id
        )
        self._chunks = chunks
        self._include = include
        self._goal_dimensions = goal_dimensions
        self._timeout = timeout
        self.fold = fold or ih.SummaryFold()
        self.connection = connection or ih.ClientConnection(fold=self.fold)
        self._drain_until: float | None = None
        self.correlation_id: str | None = None
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._sock: socket.socket | None = None
        self._text: list[str] = []
        self._closed = False
        self._close_code: int | None = None

    def __iter__(self) -> Iterator[ih.ServerMessage | ih.UnknownMessage]:
        self._sock = socket.create_connection(self._address, timeout=self._timeout)
        try:
            yield from self._run()
        finally:
            self._sock.close()
            self.connection.connection_lost(self._close_code)

    def _run(self) -> Iterator[ih.ServerMessage | ih.UnknownMessage]:
        self._send_event(
            Request(
                host=self._host,
                target=self._target,
                extra_headers=[(n.encode(), v.encode()) for n, v in self._handshake.headers],
                subprotocols=list(self._handshake.subprotocols),
            )
        )
        session = self.connection
        # Everything the server says before session.ready, and session.ready itself.
        while session.state is ih.SessionState.AWAITING_READY and not self._closed:
            yield from self._read(block=True)
        wants_config = self._include is not None or self._goal_dimensions is not None
        if not self._closed and session.state is ih.SessionState.STREAMING and wants_config:
            # What we want of what the server offers; what it does not offer is left out.
            offered = session.send_offered_config(self._include, self._goal_dimensions, now=_now())
            self._send_text(offered.frame)
        for chunk in self._chunks:
            if self._closed or session.state is not ih.SessionState.STREAMING:
                break  # the server ended the session or closed the connection
            self._send_event(BytesMessage(data=session.send_segment(chunk, now=_now())))
            yield from self._read(block=False)
        if not self._closed and session.state is ih.SessionState.STREAMING:
            self._send_text(session.send_close(now=_now()))
        while not self._closed:
            if self._drain_until is not None and _now() >= self._drain_until:
                break  # the drain the server announced is over: what did not arrive is lost
            yield from self._read(block=True)

    # -- bytes in and out ---------------------------------------------------------------

    def _send_event(self, event: Event) -> None:
        assert self._sock is not None
        self._sock.sendall(self._ws.send(event))

    def _send_text(self, text: str) -> None:
        self._send_event(TextMessage(data=text))

    def _read(self, *, block: bool) -> Iterator[ih.ServerMessage | ih.UnknownMessage]:
        assert self._sock is not None
        self._sock.settimeout(self._timeout if block else 0.0)
        try:
            data = self._sock.recv(_READ_SIZE)
        except (BlockingIOError, TimeoutError):
            if block:
                raise
            return
        self._ws.receive_data(data or None)  # b"" means the peer closed the socket
        if not data:
            self._closed = True
        for event in self._ws.events():
            yield from self._on_event(event)

    def _on_event(self, event: Event) -> Iterator[ih.ServerMessage | ih.UnknownMessage]:
        if isinstance(event, AcceptConnection):
            self.correlation_id = ih.handshake.correlation_id_from_headers(event.extra_headers)
        elif isinstance(event, RejectConnection):
            self._closed = True
            raise HandshakeRejected(event.status_code)
        elif isinstance(event, TextMessage):
            self._text.append(event.data)
            if event.message_finished:
                frame, self._text = "".join(self._text), []
                received = self.connection.receive(frame, now=_now())
                if received.change.closing and received.change.deadline is not None:
                    self._drain_until = received.change.deadline.at
                yield received.message
        elif isinstance(event, Message):
            pass  # the server sends no binary frames
        elif isinstance(event, Ping):
            self._send_event(event.response())
        elif isinstance(event, CloseConnection):
            self._close_code = event.code
            if self._ws.state.name != "CLOSED":
                self._send_event(event.response())
            self._closed = True


def _now() -> float:
    return time.monotonic()
