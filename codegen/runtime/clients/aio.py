# Hand-written runtime: edit codegen/runtime/clients/aio.py (regen copies it verbatim).

"""An asyncio client for Streaming Analyze v1 over `websockets` (the `asyncio` extra).

The whole job in one call - connect, wait for session.ready, ask for what the server offers,
send every chunk, close, drain - returning the session's summary:

    summary = await stream(url, api_key, chunks)

Or drive a session yourself:

    async with StreamClient(url, api_key, include="offered") as session:
        await session.send_segment(chunk)      # after session.ready: __aenter__ waited for it
        async for message in session: ...      # typed messages (another task, or after close)
        await session.close()                  # session.close, drain, close the WebSocket

The protocol is ClientConnection's (sans-IO); this module moves frames and keeps time.

Security: wss:// verifies the server's certificate with the default SSL context (pass `ssl`
for your own). The key travels in the upgrade request, so ws:// (clear text) is refused except
to a loopback host (`insecure=True` allows it anywhere). The key never appears in a repr, an
exception message or a log line of this module, nor in the lines `websockets` logs through it.

Limits and timeouts (seconds; None disables one - not advised):
- connect_timeout (10): TCP, TLS and the WebSocket upgrade together.
- ready_timeout (10): from the upgrade to session.ready.
- send_timeout (30): one frame, while the server does not read (then the connection is
  aborted and StreamTimeout raised).
- drain_timeout (30): from session.close to session.ended; once session.closing announces
  the server's own drain (max_drain_seconds), the wait also ends DRAIN_GRACE_SECONDS after it.
- close_timeout (5): the WebSocket closing handshake, then the TCP connection is aborted.
- ping_interval / ping_timeout (20 / 20): keepalive pings; a peer that does not answer in
  time is dropped (ConnectionLost, code 1011).
- max_frame_size (1 MiB): the largest frame accepted from the server; a larger one ends the
  connection (code 1009). Server messages are small JSON texts.
- MAX_UNSENT_REPLIES (1 MiB): the pongs (and other automatic replies) waiting to be sent,
  beyond the frame being sent. A server that floods pings and reads none of the pongs is
  dropped there (ConnectionLost, code 1008) instead of growing the client's memory.
- No permessage-deflate: video does not compress, so frames go out as they are.

Backpressure: received messages wait for the iterator in a queue of at most `max_queue`
(1024). When it is full the receive loop stops reading; `websockets` then buffers a few
frames (its own max_queue, 16) and stops reading the socket, so TCP flow control pushes back
on the server - whose idle and duration rules still run: a consumer that stalls long enough
loses the session. Two exceptions keep shutdown bounded: once close() is called the loop
never waits (a message that finds the queue full is counted in `dropped` and not queued),
and with max_queue=0 nothing is queued (use on_message, `connection` or the summary).
Every message, queued or not, is applied to the connection and its summary fold first.

Errors (all StreamError): HandshakeRejected (the upgrade was refused: HTTP status and what
to check), ConnectFailed (no TCP/TLS connection), StreamTimeout (a timeout above, by name),
ConnectionLost (the WebSocket went away before session.ended, with its close code and the
last error message the server sent), SessionOver (a send after the server ended the session).
A frame the server should not send does not end the session: it is recorded in
`undecodable` and the frames after it are read as usual (a binary frame is reported there,
never decoded as JSON). LocalProtocolError still means a send of yours the contract forbids.
Every failure closes the socket and leaves no task behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import ssl as ssl_module
import sys
from collections import deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
)
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection as WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.typing import Subprotocol

from .. import (
    ApiKey,
    ClientConnection,
    Conversation,
    DecodeError,
    OfferedConfig,
    ServerMessage,
    SessionState,
    SessionSummary,
    SummaryFold,
    UnknownMessage,
    client_handshake,
)
from .._handshake_data import ENDPOINT_PATHS
from .._versions import protocol_version
from ..handshake import AuthMethod, ProtocolVersion, correlation_id_from_headers
from ..messages import ErrorMessage
from ._common import (
    ConversationRun,
    ConversationStopped,
    Wanted,
    client_connection,
    default_conversation,
    no_raw_audio,
    send_wanted_config,
)
from .media import Chunk, MediaSource

__all__ = [
    "DRAIN_GRACE_SECONDS",
    "MAX_FRAME_SIZE",
    "MAX_UNSENT_REPLIES",
    "ConnectFailed",
    "ConnectionLost",
    "ConversationFailed",
    "HandshakeRejected",
    "SessionOver",
    "StreamClient",
    "StreamError",
    "StreamTimeout",
    "Undecodable",
    "stream",
    "stream_conversation",
]

MAX_FRAME_SIZE: Final = 1 << 20
"""The largest frame accepted from the server by default (1 MiB)."""
DRAIN_GRACE_SECONDS: Final = 1.0
"""How long after the drain session.closing announced the client still waits."""
MAX_UNDECODABLE: Final = 100
"""Undecodable frames kept in `undecodable` (all are counted in `undecodable_count`)."""
MAX_UNSENT_REPLIES: Final = 1 << 20
"""The automatic replies (pongs) that may wait to be sent before the server is dropped."""

Message = ServerMessage | UnknownMessage
_LOGGER: Final = logging.getLogger(__name__)

if TYPE_CHECKING:
    _Adapter = logging.LoggerAdapter[logging.Logger]
else:
    _Adapter = logging.LoggerAdapter


# -- errors -----------------------------------------------------------------------------------


class StreamError(Exception):
    """A session could not go on. `summary`: the session so far, when stream() raised it."""

    summary: SessionSummary | None = None


class HandshakeRejected(StreamError):
    """The server refused the WebSocket upgrade: `status` is its HTTP status (None when the
    response was not a valid upgrade at all). `version`: the protocol version the client
    spoke, whose endpoint a 404 names."""

    def __init__(self, status: int | None, detail: str = "", version: str = "v1") -> None:
        hints = {
            401: "the API key was not accepted - check the key; with method='subprotocol' it "
            "travels as a WebSocket subprotocol (the pair form by default): if the server "
            "expects the Authorization header, use method='bearer'",
            403: "the key may not use this endpoint",
            404: f"check the URL (the {version} endpoint is {ENDPOINT_PATHS.get(version)})",
            429: "too many sessions or requests: retry later",
        }
        said = f"HTTP {status}" if status is not None else "an invalid response"
        hint = hints.get(status or 0, detail or "see the server's status")
        super().__init__(f"the server refused the WebSocket upgrade with {said}: {hint}")
        self.status = status


class ConnectFailed(StreamError):
    """No connection to the server (DNS, TCP or TLS, including certificate verification)."""


class StreamTimeout(StreamError, TimeoutError):
    """A timeout passed: `during` is connect, ready, send or drain; `seconds` its length."""

    def __init__(self, during: str, seconds: float | None) -> None:
        super().__init__(f"timed out after {seconds} s during {during}")
        self.during = during
        self.seconds = seconds


class ConnectionLost(StreamError):
    """The WebSocket went away before session.ended. `code` and `reason` are the close code
    and reason (code 1006: no close frame, a reset), `error` the last error message the
    server sent (why it refused or ended the session, when it said), `during` what the
    client was doing (ready, send, drain, receive)."""

    def __init__(
        self, code: int | None, reason: str, error: ErrorMessage | None, during: str
    ) -> None:
        said = f", the server's last error {error.data.code}" if error is not None else ""
        why = f" ({reason})" if reason else ""
        super().__init__(f"connection lost during {during}: close code {code}{why}{said}")
        self.code = code
        self.reason = reason
        self.error = error
        self.during = during


class SessionOver(StreamError):
    """A send after the server ended the session (session.ended; `reason` its reason)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(f"the server ended the session ({reason}); nothing more can be sent")
        self.reason = reason


class Undecodable(msgspec.Struct, frozen=True, kw_only=True):
    """A frame the receive loop could not decode and went past: `kind` text or binary, its
    size in bytes, why (`reason`), its first bytes (`head`), when (the loop's clock)."""

    kind: Literal["text", "binary"]
    size: int
    reason: str
    head: bytes
    at: float


# -- the client -------------------------------------------------------------------------------


class StreamClient:
    """One session, as an async context manager; see the module docstring.

    `include` / `goal_dimensions`: the config sent once session.ready arrives, keeping only
    what the server offers (ClientConnection.send_offered_config; `left_out` says what was
    dropped): a list, "offered" for everything session.ready offers, or None to send none.
    `on_message` is called with every message as the receive loop applies it. `strict` and
    `record` are ClientConnection's; `fold` (a SummaryFold by default) is attached to it.
    `connection`: a ClientConnection of yours to drive instead (for example the one
    Conversation.start_session returns), with its own fold and settings; it must be new
    (nothing received or sent yet), and strict, record and fold are then not given.
    `version` is the protocol version spoken ("v1" when not given; the URL must be that
    version's endpoint, e.g. ih.handshake.endpoint_url("v2", model=...)); with
    `connection=`, the connection's version wins, and a different `version` is a ValueError.
    On v2 the connection's model is the one the URL's `model` query parameter names
    (inter-2 without one), and `audio_format` (inter-2-audio: v2's AudioFormat or a mapping
    of its keys) goes into the config sent on session.ready, so every chunk sent after it
    is raw PCM (s16le mono at its sample rate, any size: D55).
    """

    def __init__(
        self,
        url: str,
        api_key: str | ApiKey,
        *,
        include: Wanted = None,
        goal_dimensions: Wanted = None,
        method: AuthMethod = "bearer",
        client_request_id: str | None = None,
        connect_timeout: float | None = 10.0,
        ready_timeout: float | None = 10.0,
        send_timeout: float | None = 30.0,
        drain_timeout: float | None = 30.0,
        close_timeout: float | None = 5.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        max_frame_size: int = MAX_FRAME_SIZE,
        max_queue: int = 1024,
        ssl: ssl_module.SSLContext | None = None,
        insecure: bool = False,
        strict: bool = False,
        record: Callable[[bytes], object] | None = None,
        fold: SummaryFold | None = None,
        on_message: Callable[[Message], object] | None = None,
        connection: ClientConnection | None = None,
        version: ProtocolVersion | None = None,
        audio_format: Any = None,
    ) -> None:
        key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key)
        self._handshake = client_handshake(key, method=method, client_request_id=client_request_id)
        self._key = key
        self.url = url
        self._secure = _checked_url(url, insecure)
        if max_queue < 0 or max_frame_size < 1:
            raise ValueError("max_queue is >= 0 and max_frame_size >= 1")
        self.method: AuthMethod = method
        self._include, self._goals = include, goal_dimensions
        self._audio_format = audio_format
        self.connect_timeout, self.ready_timeout = connect_timeout, ready_timeout
        self.send_timeout, self.drain_timeout = send_timeout, drain_timeout
        self.close_timeout = close_timeout
        self._ping = (ping_interval, ping_timeout)
        self.max_frame_size, self.max_queue = max_frame_size, max_queue
        self._ssl = ssl
        self._on_message = on_message
        self.connection, self.fold = client_connection(
            url, connection, version, audio_format, fold=fold, record=record, strict=strict
        )
        self.correlation_id: str | None = None
        self.left_out: dict[str, tuple[str, ...]] = {}
        self.undecodable: list[Undecodable] = []
        self.undecodable_count = 0
        self.dropped = 0
        self._log = _Redacting(_LOGGER, key)
        self._ws: _Connection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._items: deque[Message] = deque()
        self._arrived = asyncio.Event()  # a message was queued, or the loop stopped
        self._room = asyncio.Event()  # the iterator took a message, or close() began
        self._progress = asyncio.Event()  # ready, closing, ended, or the loop stopped
        self._send_lock = asyncio.Lock()
        self._reading_done = False
        self._closing = False
        self._shut = False
        self._failure: BaseException | None = None
        self._last_error: Any = None  # the last ErrorMessage (of the connection's version)
        # The error envelope's class in the connection's protocol version.
        self._error_class: type = protocol_version(self.connection.version).message_classes["error"]
        self._outcome: StreamError | None = None
        self._end: str | None = None  # session.ended's reason, once it arrived

    def __repr__(self) -> str:
        return (
            f"<StreamClient url={self._redact(self.url)!r} method={self.method!r} "
            f"state={self.connection.state.value}>"
        )

    # -- opening ------------------------------------------------------------------------

    async def __aenter__(self) -> StreamClient:
        if self._ws is not None or self._shut:
            raise RuntimeError("a StreamClient runs one session; make a new one")
        try:
            await self._open()
        except BaseException:
            await self._shutdown(1011)
            raise
        return self

    async def __aexit__(self, kind: object, error: object, traceback: object) -> None:
        if error is None:
            await self.close()
        else:
            await self._shutdown(1011)  # your code failed: no drain, just a bounded close

    async def _open(self) -> None:
        handshake = self._handshake
        options: dict[str, Any] = {}
        if self._ssl is not None and self._secure:
            options["ssl"] = self._ssl
        try:
            ws = await connect(
                self.url,
                additional_headers=list(handshake.headers),
                subprotocols=[Subprotocol(p) for p in handshake.subprotocols] or None,
                open_timeout=self.connect_timeout,
                ping_interval=self._ping[0],
                ping_timeout=self._ping[1],
                close_timeout=self.close_timeout,
                max_size=self.max_frame_size,
                compression=None,  # video does not compress; deflating it costs CPU for nothing
                create_connection=_Connection,
                write_limit=_WRITE_LIMIT,
                logger=self._log,
                **options,
            )
        except InvalidStatus as error:
            raise HandshakeRejected(
                error.response.status_code, version=self.connection.version
            ) from None
        except InvalidHandshake as error:
            raise HandshakeRejected(None, self._redact(str(error))) from None
        except (TimeoutError, asyncio.TimeoutError):
            raise StreamTimeout("connect", self.connect_timeout) from None
        except OSError as error:
            where = self._redact(self.url)
            raise ConnectFailed(f"cannot connect to {where}: {self._redact(str(error))}") from error
        assert isinstance(ws, _Connection)
        self._ws = ws
        response = ws.response
        if response is not None:
            self.correlation_id = correlation_id_from_headers(response.headers.raw_items())
        self._reader = asyncio.get_running_loop().create_task(self._read())
        if not await self._wait(self._became_ready_or_stopped, self.ready_timeout):
            raise StreamTimeout("ready", self.ready_timeout)
        connection = self.connection
        if connection.ready is None:
            await self._shutdown(1000)
            raise self._failure_or(self._lost("ready"))
        # The race the audit found: session.ready, session.ended and the close may have
        # arrived together; look at the state before sending anything.
        if connection.state is SessionState.STREAMING and (
            self._include is not None or self._goals is not None or self._audio_format is not None
        ):
            await self.send_config(self._include, self._goals, audio_format=self._audio_format)

    def _became_ready_or_stopped(self) -> bool:
        return self.connection.ready is not None or self._reading_done

    # -- sending ------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """True while video may be sent (session.ready arrived, no close either way)."""
        ws = self._ws
        return (
            ws is not None
            and ws.state is State.OPEN
            and self.connection.state is SessionState.STREAMING
        )

    async def send_config(
        self,
        include: Wanted = None,
        goal_dimensions: Wanted = None,
        *,
        model: str | None = None,
        audio_format: Any = None,
    ) -> OfferedConfig:
        """Send a config of what you want of what the server offers ("offered": all of
        it); what was left out is returned and kept in `left_out`. v2's sticky `model` and
        `audio_format` are sent as given (None: left out, the value in force stays)."""
        async with self._send_lock:
            self._check_open()
            loop = asyncio.get_running_loop()
            sent = send_wanted_config(
                self.connection,
                include,
                goal_dimensions,
                loop.time(),
                model=model,
                audio_format=audio_format,
            )
            self.left_out = dict(sent.left_out)
            await self._send(sent.frame)
        return sent

    async def send_segment(self, chunk: bytes) -> None:
        """Send one media segment (a binary frame; raw PCM once v2's audio_format is in
        force). LocalProtocolError: the contract forbids it (nothing was sent); SessionOver /
        ConnectionLost: the session is gone."""
        async with self._send_lock:
            self._check_open()
            frame = self.connection.send_segment(chunk, now=asyncio.get_running_loop().time())
            await self._send(frame)

    def _check_open(self) -> None:
        if self._ws is None:
            raise RuntimeError("open the session first: async with StreamClient(...)")
        state = self.connection.state
        if state is SessionState.ENDED:
            raise SessionOver(self._end_reason())
        if state is SessionState.CLOSED:
            raise self._lost("send")

    async def _send(self, frame: str | bytes) -> None:
        ws = self._ws
        assert ws is not None
        ws.sending = len(frame) if isinstance(frame, bytes) else 4 * len(frame)
        try:
            await _within(ws.send(frame), self.send_timeout)
        except (TimeoutError, asyncio.TimeoutError):
            await self._shutdown(1011)
            raise StreamTimeout("send", self.send_timeout) from None
        except ConnectionClosed:
            # The server closed: read what it sent before (session.ended?), then say why.
            await self._wait(lambda: self._reading_done or self._ended(), self.close_timeout)
            if self._ended():
                raise SessionOver(self._end_reason()) from None
            await self._shutdown(1000)
            raise self._failure_or(self._lost("send")) from None
        finally:
            ws.sending = 0

    # -- closing ------------------------------------------------------------------------

    async def close(self) -> None:
        """Send session.close, drain until session.ended (drain_timeout, and the drain the
        server announced), then close the WebSocket. Returns once the session ended;
        raises ConnectionLost if the connection went first, StreamTimeout if the drain
        did not end in time. Either way nothing is left open. Idempotent."""
        if self._shut:
            if self._outcome is not None:
                raise self._outcome
            return
        if self._ws is None:
            raise RuntimeError("open the session first: async with StreamClient(...)")
        self._closing = True
        self._room.set()  # the receive loop never waits for the iterator from now on
        connection = self.connection
        timed_out = False
        try:
            if connection.state in (SessionState.AWAITING_READY, SessionState.STREAMING):
                with contextlib.suppress(SessionOver, ConnectionLost):
                    async with self._send_lock:
                        self._check_open()
                        loop = asyncio.get_running_loop()
                        await self._send(connection.send_close(now=loop.time()))
            timed_out = not await self._drain()
        finally:
            await self._shutdown(1000)
        if self._ended():
            return
        if self._failure is not None:
            raise self._failure
        outcome: StreamError = (
            StreamTimeout("drain", self.drain_timeout) if timed_out else self._lost("drain")
        )
        self._outcome = outcome
        raise outcome

    async def _drain(self) -> bool:
        loop = asyncio.get_running_loop()
        limit = None if self.drain_timeout is None else loop.time() + self.drain_timeout
        while not (self._ended() or self._reading_done):
            until = limit
            for deadline in self.connection.deadlines():
                if deadline.id == "drain":
                    server = deadline.at + DRAIN_GRACE_SECONDS
                    until = server if until is None else min(until, server)
            remaining = None if until is None else until - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            self._progress.clear()
            if self._ended() or self._reading_done:
                break
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await _within(self._progress.wait(), remaining)
        return True

    def _ended(self) -> bool:
        return self._end is not None

    async def _shutdown(self, code: int) -> None:
        """Close the WebSocket (bounded), stop the receive loop, tell the connection.
        Idempotent; safe on every path, also after a cancellation."""
        if self._shut:
            return
        self._shut = True
        self._closing = True
        self._room.set()
        ws, reader = self._ws, self._reader
        keepalive = ws.keepalive_task if ws is not None else None
        try:
            if ws is not None and ws.state is not State.CLOSED:
                with contextlib.suppress(Exception, asyncio.TimeoutError):
                    await _within(ws.close(code), self.close_timeout)
        finally:
            if ws is not None:
                ws.transport.abort()  # a no-op once closed; ends a close that timed out
            if reader is not None:
                reader.cancel()
            if ws is not None:
                await ws.wait_closed()
            tasks = [t for t in (reader, keepalive) if t is not None]
            await asyncio.gather(*tasks, return_exceptions=True)
            self._reading_done = True
            self._arrived.set()
            self._progress.set()
            if self.connection.state is not SessionState.CLOSED:
                self.connection.connection_lost(self._close_code())

    # -- receiving ----------------------------------------------------------------------

    @property
    def queued(self) -> int:
        """Messages received and waiting for the iterator (at most max_queue)."""
        return len(self._items)

    def __aiter__(self) -> StreamClient:
        return self

    async def __anext__(self) -> Message:
        """The next message, typed; the iteration ends after session.ended and the
        messages before it (even while the server keeps the connection open), or raises
        ConnectionLost when the connection went first."""
        while True:
            if self._items:
                message = self._items.popleft()
                self._room.set()
                return message
            if self._ended() and self._failure is None:
                raise StopAsyncIteration  # nothing comes after session.ended
            if self._reading_done:
                if self._failure is not None:
                    raise self._failure
                if self._ended():
                    raise StopAsyncIteration
                if self._outcome is not None:
                    raise self._outcome
                raise self._lost("receive")
            self._arrived.clear()
            await self._arrived.wait()

    async def _read(self) -> None:
        ws = self._ws
        assert ws is not None
        connection = self.connection
        loop = asyncio.get_running_loop()
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    self._undecodable("binary", frame, "a binary frame from the server")
                    continue
                try:
                    received = connection.receive(frame, now=loop.time())
                except DecodeError as error:
                    self._undecodable("text", frame.encode(), f"{error.path}: {error.reason}")
                    continue
                message: Message = received.message
                change = received.change
                if isinstance(message, self._error_class):
                    self._last_error = message
                if change.ended is not None:
                    self._end = change.ended
                if change.became_ready or change.closing or change.ended is not None:
                    self._progress.set()
                if self._on_message is not None:
                    self._on_message(message)
                await self._deliver(message)
        except ConnectionClosed:
            pass  # the close code is read once the connection is fully closed
        except Exception as error:  # strict mode's RemoteProtocolError, on_message's own
            self._failure = error
            ws.transport.abort()
        finally:
            self._reading_done = True
            self._arrived.set()
            self._progress.set()

    async def _deliver(self, message: Message) -> None:
        if self.max_queue == 0:
            return
        while len(self._items) >= self.max_queue and not self._closing:
            self._room.clear()
            await self._room.wait()  # backpressure: stop reading until there is room
        if len(self._items) >= self.max_queue:
            self.dropped += 1
            return
        self._items.append(message)
        self._arrived.set()

    def _undecodable(self, kind: Literal["text", "binary"], frame: bytes, reason: str) -> None:
        self.undecodable_count += 1
        if len(self.undecodable) < MAX_UNDECODABLE:
            at = asyncio.get_running_loop().time()
            self.undecodable.append(
                Undecodable(kind=kind, size=len(frame), reason=reason, head=frame[:64], at=at)
            )
            self._log.warning("skipped an undecodable %s frame: %s", kind, reason)

    # -- helpers ------------------------------------------------------------------------

    async def _wait(self, done: Callable[[], bool], timeout: float | None) -> bool:
        loop = asyncio.get_running_loop()
        limit = None if timeout is None else loop.time() + timeout
        while not done():
            remaining = None if limit is None else limit - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            self._progress.clear()
            if done():
                break
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await _within(self._progress.wait(), remaining)
        return True

    def _end_reason(self) -> str | None:
        return self._end

    def _close_code(self) -> int | None:
        """The peer's close code; ours when we failed the connection (1009: a frame over
        max_frame_size) and the peer sent none; 1006 when the connection just went."""
        ws = self._ws
        if ws is None:
            return None
        received, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
        if received is None and sent is not None and sent.code != 1000:
            return sent.code
        return ws.close_code

    def _lost(self, during: str) -> ConnectionLost:
        ws = self._ws
        code = self._close_code()
        reason = ""
        if ws is not None:
            sent = ws.protocol.close_sent
            ours = ws.protocol.close_rcvd is None and sent is not None and sent.code == code
            reason = self._redact((sent.reason if ours and sent else ws.close_reason) or "")
        return ConnectionLost(code, reason, self._last_error, during)

    def _failure_or(self, error: StreamError) -> BaseException:
        return self._failure if self._failure is not None else error

    def _redact(self, text: str) -> str:
        return text.replace(self._key.reveal(), "***")


async def stream(
    url: str,
    api_key: str | ApiKey,
    chunks: Iterable[bytes] | AsyncIterable[bytes],
    *,
    include: Wanted = "offered",
    goal_dimensions: Wanted = None,
    method: AuthMethod = "bearer",
    on_message: Callable[[Message], object] | None = None,
    **options: Any,
) -> SessionSummary:
    """Run a whole session and return its summary (final: complete after session.ended).

    Connects, waits for session.ready, sends the config of what the server offers (all its
    include flags by default; `include`/`goal_dimensions` as in StreamClient), sends every
    chunk in order (stopping early if the server ends the session), closes and drains.
    `on_message` sees every message as it arrives; other keywords go to StreamClient. A
    StreamError carries the session so far in its `summary`.
    """
    fold = SummaryFold()
    client = StreamClient(
        url,
        api_key,
        include=include,
        goal_dimensions=goal_dimensions,
        method=method,
        on_message=on_message,
        fold=fold,
        max_queue=0,
        **options,
    )
    try:
        async with client as session:
            try:
                if isinstance(chunks, AsyncIterable):
                    async for chunk in chunks:
                        if not session.streaming:
                            break
                        await session.send_segment(chunk)
                else:
                    for chunk in chunks:
                        if not session.streaming:
                            break
                        await session.send_segment(chunk)
            except SessionOver:
                pass  # the server ended the session: close() finds it ended
            await session.close()
    except StreamError as error:
        error.summary = fold.summary()
        raise
    return fold.summary()


class ConversationFailed(ConversationStopped, StreamError):
    """stream_conversation stopped without one complete summary (see ConversationStopped,
    which both clients' ConversationFailed are)."""


async def stream_conversation(
    url: str,
    api_key: str | ApiKey,
    source: MediaSource,
    *,
    include: Wanted = "offered",
    goal_dimensions: Wanted = None,
    method: AuthMethod = "bearer",
    conversation: Conversation | None = None,
    on_message: Callable[[Message], object] | None = None,
    **options: Any,
) -> SessionSummary:
    """Stream `source` over as many sessions as it takes and return one summary on one
    timeline (issue 15; README "Conversations: one stream over successive sessions").

    `conversation` (a Conversation of yours, to choose its margin, backoff and budget and
    read its sessions, errors and decisions afterwards; a default one otherwise) decides
    when the next session opens: before the server's maximum duration (a planned rollover:
    this session is closed and drained, then the next is opened), after a retryable failure
    (with backoff), or never (a fatal one). Every session starts with a fresh stream start,
    `source.restart(at)`: for a file `at` is where the media sent so far ends (nothing
    skipped; the stream starts at the keyframe cut point at or before it, D46, and media
    sent twice is counted once), for a live source the conversation's clock (what was
    recorded between sessions is a coverage gap). Other keywords go to StreamClient;
    `version` also makes the default Conversation's connections speak it.

    Returns the stitched summary, complete. Raises ConversationFailed (with the summary so
    far) when the conversation stopped otherwise, ValueError when the source has no media
    (D47).
    """
    no_raw_audio(options)
    conv = conversation if conversation is not None else default_conversation(url, options)
    loop = asyncio.get_running_loop()
    run = ConversationRun(conv, source, loop.time())
    options.setdefault("max_queue", 0)  # every message is in the summary: none is queued
    while (action := conv.next_action(loop.time())).kind != "stop":
        if action.at is not None and (delay := action.at - loop.time()) > 0:
            await asyncio.sleep(delay)
        media = run.restart(loop.time())
        chunks = _chunks_of(media.chunks, blocking=source.live)
        try:
            first = await anext(chunks, None)
            if first is None:
                run.out_of_media()
                continue
            connection = conv.start_session(loop.time(), media_offset=media.offset)
            try:
                client = StreamClient(
                    url,
                    api_key,
                    include=include,
                    goal_dimensions=goal_dimensions,
                    method=method,
                    on_message=on_message,
                    connection=connection,
                    **options,
                )
                ended = await _run_session(conv, client, first, chunks, run)
            except BaseException:
                # Not a session's ending (a chunk the session refused, your on_message, a
                # cancellation): the Conversation is told, so it is never left with a live
                # session, and the error goes on.
                conv.session_ended(loop.time(), lost=True)
                raise
            conv.session_ended(loop.time(), **ended)
        finally:
            await _close_chunks(chunks)
    summary, failed = run.outcome()
    if failed is not None:
        raise ConversationFailed(failed, summary, conv) from run.failure
    return summary


async def _run_session(
    conv: Conversation,
    client: StreamClient,
    chunk: Chunk | None,
    chunks: AsyncIterator[Chunk],
    run: ConversationRun,
) -> dict[str, Any]:
    """One session of stream_conversation: open, send until the media ends or a rollover
    is due, close; returns what Conversation.session_ended is told."""
    loop = asyncio.get_running_loop()
    connection = client.connection
    run.failure = None
    try:
        async with client:
            conv.ready(loop.time())
            while chunk is not None:
                if conv.next_action(loop.time(), media_end=chunk.end).kind != "stream":
                    break  # a planned rollover: close this session, open the next
                if not client.streaming:
                    break
                try:
                    await client.send_segment(chunk.data)
                except SessionOver:
                    break  # the server ended it (ih6004, ...): close() finds it ended
                run.sent(chunk)
                chunk = await anext(chunks, None)
            if chunk is None:
                conv.finish()
            await client.close()
    except SessionOver:
        return {"close_code": connection.close_code}  # the server ended it as we configured
    except HandshakeRejected as error:
        run.failure = error
        if error.status is None:
            return {"lost": True}
        return {"handshake_status": error.status}
    except ConnectionLost as error:
        run.failure = error
        return {"close_code": error.code, "error": error.error, "lost": True}
    except (ConnectFailed, StreamTimeout) as error:
        run.failure = error
        return {"close_code": connection.close_code, "lost": True}
    return {"close_code": connection.close_code}


async def _chunks_of(
    chunks: Iterable[Chunk] | AsyncIterable[Chunk], *, blocking: bool
) -> AsyncIterator[Chunk]:
    """A source's chunks as an async iterator; closing it closes the source's iterator too
    (a live recorder stops recording). A plain iterator that blocks until its media comes
    (`blocking`: a live source) is read in a worker thread, so that the event loop - the
    receive loop, the keepalive - runs meanwhile."""
    if isinstance(chunks, AsyncIterable):
        stream = aiter(chunks)
        try:
            async for chunk in stream:
                yield chunk
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        return
    plain = iter(chunks)
    try:
        while True:
            item = await asyncio.to_thread(_next, plain) if blocking else _next(plain)
            if item is None:
                return
            yield item
    finally:
        close = getattr(plain, "close", None)
        if close is not None:
            # A cancellation can land while a worker thread is inside next(): that thread's
            # generator cannot be closed from here, and stops at its next chunk instead.
            with contextlib.suppress(ValueError):
                close()


def _next(chunks: Iterator[Chunk]) -> Chunk | None:
    return next(chunks, None)


async def _close_chunks(chunks: AsyncIterator[Chunk]) -> None:
    """Stop a stream's chunks, whether or not they were read to the end."""
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


# -- internals ----------------------------------------------------------------------------------


class _Connection(WebSocket):
    """websockets' connection, dropping a server that floods it with pings and reads none
    of the pongs: they would wait in the transport's buffer without a bound."""

    sending = 0  # the frame StreamClient is sending (bytes), which may wait there too

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        transport = self.transport
        # Besides the replies: the frame being sent, and what a send left (under write_limit).
        ours = self.sending + 2 * _WRITE_LIMIT
        unsent = transport.get_write_buffer_size() - ours
        if unsent > MAX_UNSENT_REPLIES and not transport.is_closing():
            self.protocol.fail(CloseCode.POLICY_VIOLATION, "the server reads no pong")
            transport.abort()


_WRITE_LIMIT: Final = 32 * 1024  # websockets' write_limit, its default


class _Redacting(_Adapter):
    """A logger for `websockets` and this module that replaces the key in every line (it
    logs handshake headers at DEBUG level, Authorization included)."""

    def __init__(self, logger: logging.Logger, key: ApiKey) -> None:
        super().__init__(logger, {})
        self._secret_key = key

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.logger.isEnabledFor(level):
            return
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = " ".join(str(part) for part in (msg, *args))
        self.logger.log(level, text.replace(self._secret_key.reveal(), "***"), **kwargs)


def _checked_url(url: str, insecure: bool) -> bool:
    """True for wss://. ws:// sends the key in clear text: only to loopback, or insecure."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError("the URL is ws:// or wss:// with a host")
    if parts.scheme == "wss":
        return True
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not (loopback or insecure):
        raise ValueError("ws:// sends the API key in clear text: use wss:// (or insecure=True)")
    return False


async def _within(work: Coroutine[Any, Any, object], timeout: float | None) -> None:
    """`work`, or TimeoutError after `timeout` seconds. asyncio.timeout where there is one:
    Python 3.11's wait_for can swallow a cancellation that arrives as `work` finishes."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(timeout):
            await work
    else:
        await asyncio.wait_for(work, timeout)
