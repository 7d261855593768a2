# Hand-written runtime: edit codegen/runtime/clients/sync.py (regen copies it verbatim).

"""A blocking client for Streaming Analyze v1 over the `websockets` threading client
(`pip install "interhuman-stream[sync]"`, websockets 14 to 17).

    with StreamClient(url, api_key, include=["conversation_quality_overall"]) as session:
        for chunk in chunks:
            session.send_segment(chunk)
        session.close()                 # session.close, drain until session.ended, close
        for message in session:         # every message received, typed, in order
            print(message)
    print(session.summary())

    summary = stream(url, api_key, chunks)   # the whole job, returning the SessionSummary

The protocol is ClientConnection's (sans-IO); this module only moves frames, and makes the
network's failures one of a few documented exceptions (StreamError and its subclasses).
Why websockets' threading client and not wsproto on a socket (transports/sync_client.py):
wss and keepalive come built in, and a frame is sent whole. Measured on loopback against
MockServer (one session, median of 9 interleaved runs; peak by tracemalloc): 20 x 1 MiB
65 ms, 2.0 MiB peak (wsproto 104 ms, 3.0 MiB); 20 x 64 KiB 11 ms, 0.15 MiB (wsproto 10 ms,
0.20 MiB): the reading thread costs about a millisecond a session, not more per byte.

- wss:// verifies the server's certificate with the default SSL context (`ssl=` takes
  your own context); ws:// is plain text, for loopback and tests.
- Keepalive: websockets sends a ping every `ping_interval` seconds and fails the connection
  when no pong comes within `ping_timeout` (its threading client has done so since 15.0;
  with websockets 14 the two parameters are ignored and there are no keepalive pings:
  KEEPALIVE says which).
- Timeouts: `connect_timeout` covers TCP, TLS and the WebSocket upgrade; `receive_timeout`
  each wait for a message (ReceiveTimeout; the session goes on); `drain_timeout` the wait for
  session.ended after session.close; `close_timeout` the WebSocket closing handshake;
  `send_timeout` the writing of one frame (a peer that stops reading cannot block a send
  forever: the connection is dropped and ConnectionLost raised).
- `max_size` is the largest incoming message accepted, in bytes (default 1 MiB: server
  messages are small JSON); a larger one fails the connection with close code 1009.
- A send is whole or not at all: a frame is written to the blocking socket with sendall
  under websockets' lock; if the connection dies while writing, ConnectionLost is raised
  and `segments_written` does not count that segment (the core's `segments_sent` does).
- A frame that does not decode (DecodeError) or a binary frame (the server sends text
  only) does not end the session: it is kept in `undecodable` and the next frames are
  read as usual. A text frame that is not UTF-8 is a WebSocket protocol error (RFC 6455
  8.1): websockets closes the connection with 1007, reported as ConnectionLost.
- The API key is wrapped in ApiKey at once: no repr, exception message or log line made
  here or by websockets (its logger gets a filter) shows it. websockets follows HTTP
  redirects; to another origin it drops the Authorization header but not the offered
  subprotocols, so with method="subprotocol" such a redirect would offer the key to the new
  origin: outside browsers, keep the default method="bearer".
- `latency` is the round-trip time of the last keepalive ping; `websocket` the websockets
  connection underneath.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import ssl as ssl_module
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Final, NamedTuple, TypeVar
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection as WebSocket
from websockets.sync.client import connect

from .._client import ClientConnection
from .._codec import DecodeError, UnknownMessage
from .._contract import SessionState
from .._conversation import Conversation
from .._errors import LocalProtocolError
from .._handshake import (
    DEFAULT_SUBPROTOCOL_FORM,
    ApiKey,
    AuthMethod,
    client_handshake,
    correlation_id_from_headers,
)
from .._handshake_data import ProtocolVersion, SubprotocolForm
from .._models import ServerMessage, SessionSummary
from .._recording import Record
from .._summary import SummaryFold
from .._values import OfferedConfig
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
    "DEFAULT_MAX_SIZE",
    "KEEPALIVE",
    "ConnectError",
    "ConnectionLost",
    "ConversationFailed",
    "HandshakeRejected",
    "ReceiveTimeout",
    "StreamClient",
    "StreamError",
    "Undecodable",
    "stream",
    "stream_conversation",
]

Message = ServerMessage | UnknownMessage

DEFAULT_MAX_SIZE: Final = 1 << 20
"""The largest incoming message accepted by default, in bytes (server messages are small)."""
MAX_KEPT_UNDECODABLE: Final = 100
"""Undecodable frames kept in `undecodable` (the first ones); `undecodable_count` counts all."""

_CONNECT_PARAMETERS: Final = frozenset(inspect.signature(connect).parameters)
KEEPALIVE: Final = "ping_interval" in _CONNECT_PARAMETERS
"""Whether the installed websockets' threading client sends keepalive pings (15.0 and later)."""
_CLOSABLE: Final = frozenset({SessionState.AWAITING_READY, SessionState.STREAMING})
RECV_BUFSIZE: Final = 4096
"""Bytes read from the socket at a time (websockets reads 64 KiB). Server messages are small,
and every frame of a read is parsed, with its automatic reply, before the next read: 64 KiB
of 2-byte pings made some 14 MiB of frames and pongs at once, 4 KiB about 1 MiB."""


class _Connection(WebSocket):
    recv_bufsize = RECV_BUFSIZE


# -- keeping the key out of log lines ----------------------------------------------------------

# By identity: ApiKeys with the same secret are equal, and a WeakSet would keep only the
# first of them, losing the secret when that one dies while another still lives.
_SECRETS: weakref.WeakValueDictionary[int, ApiKey] = weakref.WeakValueDictionary()


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = {key.reveal() for key in list(_SECRETS.values())}
        if secrets:
            message = record.getMessage()
            for secret in secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, ()
        return True


LOGGER: Final = logging.getLogger("interhuman_stream.clients.sync")
"""The logger websockets writes to for these clients (handshake headers at DEBUG level):
every API key a live client holds is replaced by *** before any handler sees a line."""
LOGGER.addFilter(_Redact())


def _redact(text: str, key: ApiKey) -> str:
    return text.replace(key.reveal(), "***")


# -- errors ---------------------------------------------------------------------------------


class StreamError(Exception):
    """Every failure of the network side of a session. `summary` is the session's summary
    as far as it got (partial), when there is one."""

    summary: SessionSummary | None = None


class ConnectError(StreamError):
    """No WebSocket: the TCP connection, TLS or the upgrade failed or timed out."""


class HandshakeRejected(ConnectError):
    """The server answered the WebSocket upgrade with an HTTP status other than 101."""

    def __init__(self, status: int, method: AuthMethod, form: SubprotocolForm) -> None:
        hint = ""
        if status == 401:
            hint = " - the credential was not accepted: check the API key"
            if method == "subprotocol":
                hint += (
                    f" and the subprotocol form (sent {form!r}: "
                    + (
                        "the token name, then the key"
                        if form == "pair"
                        else "the key as the only subprotocol"
                    )
                    + "; try the other form or method='bearer')"
                )
            else:
                hint += " (sent as 'Authorization: Bearer <key>')"
        elif status == 403:
            hint = " - the key is valid but not allowed to use this endpoint"
        elif status == 429:
            hint = " - too many requests or sessions: retry later"
        super().__init__(f"the server refused the WebSocket upgrade with HTTP {status}{hint}")
        self.status = status


class ConnectionLost(StreamError):
    """The WebSocket closed (a reset, a close frame, a timeout) before session.ended.
    `code` is the close code (1006: no close frame, the connection dropped), `reason` its
    text."""

    def __init__(self, code: int | None, reason: str = "", during: str = "") -> None:
        text = f"the connection was lost{during} before session.ended (close code {code}"
        text += f": {reason})" if reason else ")"
        super().__init__(text)
        self.code = code
        self.reason = reason


class ReceiveTimeout(StreamError, TimeoutError):
    """Nothing arrived within the receive or drain timeout."""


_E = TypeVar("_E", bound=StreamError)


class Undecodable(NamedTuple):
    """A frame the client could not read: its data, whether it was a binary frame, and why."""

    data: bytes | str
    binary: bool
    reason: str


# -- the client ---------------------------------------------------------------------------


class StreamClient:
    """One session over a blocking WebSocket: a context manager; iterate it for messages.

    Entering connects, waits for session.ready (within `receive_timeout`) and, when
    `include` or `goal_dimensions` is given (a list, or "offered": everything it offers),
    sends the config of what session.ready offers (send_offered_config: what it left out is
    in `offered.left_out`). Then send_segment()
    each chunk; iterate for every message received (typed, in order, session.ready first),
    up to session.ended; close() ends the session gracefully. Leaving the block closes it
    gracefully, or drops the connection when an exception is leaving it.
    `connection` is the ClientConnection (state, ready, segments_sent, violations, ...);
    an attached SummaryFold (`fold`, yours or a new one) gives summary(). Pass
    `connection=` to drive a new ClientConnection of yours (for example the one
    Conversation.start_session returns), with its own SummaryFold; fold and record are
    then that connection's and not given here.
    `version` is the protocol version spoken ("v1" when not given; the URL must be that
    version's endpoint, e.g. ih.handshake.endpoint_url("v2", model=...)); with
    `connection=`, the connection's version wins, and a different `version` is a ValueError.
    On v2 the connection's model is the one the URL's `model` query parameter names
    (inter-2 without one), and `audio_format` (inter-2-audio: v2's AudioFormat or a mapping
    of its keys) goes into the config sent on entering, so every chunk sent after it is raw
    PCM (s16le mono at its sample rate, any size: D55).
    """

    def __init__(
        self,
        url: str,
        api_key: str | ApiKey,
        *,
        include: Wanted = None,
        goal_dimensions: Wanted = None,
        method: AuthMethod = "bearer",
        subprotocol_form: SubprotocolForm = DEFAULT_SUBPROTOCOL_FORM,
        client_request_id: str | None = None,
        connect_timeout: float = 10.0,
        receive_timeout: float | None = 60.0,
        drain_timeout: float = 30.0,
        close_timeout: float = 10.0,
        send_timeout: float | None = 60.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        max_size: int = DEFAULT_MAX_SIZE,
        ssl: ssl_module.SSLContext | None = None,
        fold: SummaryFold | None = None,
        record: Record | None = None,
        connection: ClientConnection | None = None,
        version: ProtocolVersion | None = None,
        audio_format: Any = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError("the URL must be ws:// or wss:// with a host")
        if ssl is not None and parts.scheme != "wss":
            raise ValueError("ssl= is for wss:// URLs")
        self.url = url
        self._key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key)
        _SECRETS[id(self._key)] = self._key
        self._handshake = client_handshake(
            self._key,
            method=method,
            subprotocol_form=subprotocol_form,
            client_request_id=client_request_id,
        )
        self._form: SubprotocolForm = subprotocol_form
        self._include = include
        self._goal_dimensions = goal_dimensions
        self._audio_format = audio_format
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout
        self.drain_timeout = drain_timeout
        self.close_timeout = close_timeout
        self.send_timeout = send_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_size = max_size
        self._ssl = ssl
        self.connection, self.fold = client_connection(
            url, connection, version, audio_format, fold=fold, record=record
        )
        self.correlation_id: str | None = None
        """The server's X-Correlation-ID from the upgrade response."""
        self.offered: OfferedConfig | None = None
        """What the config sent on entering carried, and what it left out."""
        self.undecodable: list[Undecodable] = []
        self.undecodable_count = 0
        self.segments_written = 0
        """Segments the socket took whole."""
        self._websocket: WebSocket | None = None
        self._pending: deque[Message] = deque()
        self._lost: ConnectionLost | None = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"<StreamClient url={self.url!r} method={self._handshake.method!r} "
            f"state={self.connection.state.value} segments_written={self.segments_written} "
            f"undecodable={self.undecodable_count}>"
        )

    # -- opening ------------------------------------------------------------------------

    def __enter__(self) -> StreamClient:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._lost is None:
            self.close()
        else:  # an exception is leaving the block (a loss has been raised already)
            self.abort()

    def open(self) -> None:
        """Connect, wait for session.ready, send the config (see the class docstring)."""
        if self._websocket is not None or self._closed:
            raise RuntimeError("a StreamClient opens once")
        self._websocket = self._connect()
        try:
            response = self._websocket.response
            if response is not None:
                self.correlation_id = correlation_id_from_headers(response.headers.raw_items())
            while self.connection.state is SessionState.AWAITING_READY:
                if not self._receive(self.receive_timeout, waiting_for="session.ready"):
                    raise self._failed(ReceiveTimeout("no session.ready within receive_timeout"))
            if self._lost is not None:
                raise self._lost
            wanted = (
                self._include is not None
                or self._goal_dimensions is not None
                or self._audio_format is not None
            )
            if wanted and self.connection.state is SessionState.STREAMING:
                self.offered = self.configure(
                    self._include, self._goal_dimensions, audio_format=self._audio_format
                )
        except BaseException:
            self.abort()
            raise

    def _connect(self) -> WebSocket:
        options: dict[str, Any] = {
            "additional_headers": list(self._handshake.headers),
            "subprotocols": list(self._handshake.subprotocols) or None,
            "open_timeout": self.connect_timeout,
            "close_timeout": self.close_timeout,
            "max_size": self.max_size,
            "compression": None,  # video does not compress; server messages are small
            "proxy": None,
            "logger": LOGGER,
        }
        if "proxy" not in _CONNECT_PARAMETERS:
            del options["proxy"]
        if "create_connection" in _CONNECT_PARAMETERS:
            options["create_connection"] = _Connection
        if KEEPALIVE:
            options["ping_interval"] = self.ping_interval
            options["ping_timeout"] = self.ping_timeout
        if "legacy" in _CONNECT_PARAMETERS:
            options["legacy"] = True  # connect() returns the connection, no warning
        if self._ssl is not None:
            options["ssl"] = self._ssl
        where = urlsplit(self.url).netloc
        try:
            websocket: WebSocket = connect(self.url, **options)
        except InvalidStatus as error:
            raise HandshakeRejected(
                error.response.status_code, self._handshake.method, self._form
            ) from None
        except (InvalidHandshake, InvalidURI) as error:
            text = _redact(str(error), self._key)
            raise ConnectError(f"the WebSocket upgrade with {where} failed: {text}") from None
        except TimeoutError:
            raise ConnectError(
                f"no WebSocket with {where} within connect_timeout {self.connect_timeout} s"
            ) from None
        except ssl_module.SSLError as error:
            raise ConnectError(f"TLS with {where} failed: {error.reason or error}") from None
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ConnectError(f"cannot connect to {where}: {reason}") from None
        if self.send_timeout is not None:
            # sendall's timeout bounds a whole frame; reads wait in select() first, so the
            # receiving thread is not affected. A socket already closed by the peer has
            # nothing to bound: the next receive reports the loss.
            with contextlib.suppress(OSError):
                websocket.socket.settimeout(self.send_timeout)
        return websocket

    # -- sending ------------------------------------------------------------------------

    def send_segment(self, chunk: bytes) -> None:
        """Send one media segment (raw PCM once v2's audio_format is in force; checked by
        ClientConnection first: LocalProtocolError for a segment the session does not take).
        Messages received meanwhile are kept for the iteration."""
        self.poll()
        frame = self.connection.send_segment(chunk, now=time.monotonic())
        self._send(frame)
        self.segments_written += 1

    def configure(
        self,
        include: Wanted = None,
        goal_dimensions: Wanted = None,
        *,
        model: str | None = None,
        audio_format: Any = None,
    ) -> OfferedConfig:
        """Send a new config of what session.ready offers (send_offered_config): lists, or
        "offered" for everything it offers; v2's sticky `model` and `audio_format` as given
        (None: left out, the value in force stays)."""
        self.poll()
        offered = send_wanted_config(
            self.connection,
            include,
            goal_dimensions,
            time.monotonic(),
            model=model,
            audio_format=audio_format,
        )
        self._send(offered.frame)
        return offered

    def _send(self, frame: bytes | str) -> None:
        websocket = self._open_websocket()
        try:
            websocket.send(frame)
        except ConnectionClosed as closed:
            # What the server sent before it closed - the error saying why (an ih6004), or
            # session.ended - is read first, as a receive would have read it.
            while self._lost is None and not self._closed and self._receive(0, waiting_for=""):
                pass
            if self._lost is not None:
                raise self._lost from None
            raise self._connection_lost(closed, " while sending") from None

    def _open_websocket(self) -> WebSocket:
        if self._lost is not None:
            raise self._lost
        if self._websocket is None or self._closed:
            raise RuntimeError("the StreamClient is not open")
        return self._websocket

    # -- receiving ----------------------------------------------------------------------

    def __iter__(self) -> Iterator[Message]:
        """Every message received, in order, until session.ended (ConnectionLost when the
        WebSocket closes first; ReceiveTimeout when nothing comes within receive_timeout)."""
        while True:
            while self._pending:
                yield self._pending.popleft()
            if self._lost is not None:
                raise self._lost
            if self.connection.state in (SessionState.ENDED, SessionState.CLOSED):
                return
            if not self._receive(self.receive_timeout, waiting_for="a message"):
                raise self._with_summary(ReceiveTimeout("no message within receive_timeout"))

    def poll(self) -> None:
        """Read what already arrived, without waiting (the messages wait for the
        iteration); ConnectionLost when the connection went before session.ended."""
        while (
            self._lost is None
            and self._websocket is not None
            and not self._closed
            and self.connection.state not in (SessionState.ENDED, SessionState.CLOSED)
            and self._receive(0, waiting_for="")
        ):
            pass
        if self._lost is not None:
            raise self._lost

    def _receive(self, timeout: float | None, *, waiting_for: str) -> bool:
        """Read one frame; False when none came within `timeout`. A lost connection is
        recorded in _lost (and the core told), not raised."""
        websocket = self._websocket
        assert websocket is not None
        try:
            frame = websocket.recv(timeout)
        except TimeoutError:
            return False
        except ConnectionClosed as closed:
            during = f" while waiting for {waiting_for}" if waiting_for else ""
            self._connection_lost(closed, during)
            return True
        if isinstance(frame, bytes):
            self._undecodable(frame, True, "a binary frame: the server sends JSON text only")
            return True
        try:
            message = self.connection.receive_message(frame, now=time.monotonic())
        except DecodeError as error:
            self._undecodable(frame, False, str(error))
            return True
        self._pending.append(message)
        return True

    def _undecodable(self, data: bytes | str, binary: bool, reason: str) -> None:
        self.undecodable_count += 1
        if len(self.undecodable) < MAX_KEPT_UNDECODABLE:
            self.undecodable.append(Undecodable(data, binary, reason))

    def _connection_lost(self, closed: ConnectionClosed, during: str) -> ConnectionLost:
        # The server's close frame; else the one this side sent failing the connection
        # (1009: a message over max_size); else none came: 1006.
        frame = closed.rcvd if closed.rcvd is not None else closed.sent
        code = frame.code if frame is not None else 1006
        reason = frame.reason if frame is not None else ""
        ended = self.connection.state is SessionState.ENDED
        self._release()
        self.connection.connection_lost(code)
        lost = self._with_summary(ConnectionLost(code, reason, during))
        if not ended:
            self._lost = lost
        return lost

    # -- closing ------------------------------------------------------------------------

    def close(self) -> None:
        """End the session gracefully: session.close (unless the session is already over),
        drain until session.ended (messages stay available to the iteration) within
        `drain_timeout`, then close the WebSocket. ReceiveTimeout when session.ended did not
        come in time, ConnectionLost when the connection went first; the socket is closed
        in every case. Closing twice does nothing."""
        if self._closed or self._websocket is None:
            return
        if self._lost is not None:
            self._release()
            raise self._lost
        try:
            if self.connection.state in _CLOSABLE:
                self._send(self.connection.send_close(now=time.monotonic()))
            deadline = time.monotonic() + self.drain_timeout
            while self.connection.state not in (SessionState.ENDED, SessionState.CLOSED):
                left = deadline - time.monotonic()
                if left <= 0 or not self._receive(left, waiting_for="session.ended"):
                    raise self._failed(
                        ReceiveTimeout(
                            f"no session.ended within drain_timeout {self.drain_timeout} s"
                        )
                    )
            if self._lost is not None:
                raise self._lost
        except BaseException:
            self.abort()
            raise
        websocket = self._websocket
        self._release()
        if self.connection.state is not SessionState.CLOSED:
            self.connection.connection_lost(websocket.close_code)

    def abort(self) -> None:
        """Drop the connection now (no drain): for failures. The summary goes partial."""
        websocket = self._websocket
        self._release(code=1011)
        if websocket is not None and self.connection.state is not SessionState.CLOSED:
            self.connection.connection_lost(websocket.close_code)

    def _release(self, code: int = 1000) -> None:
        # Close the WebSocket (a closing handshake within close_timeout, then the socket).
        websocket = self._websocket
        self._closed = True
        if websocket is not None:
            try:
                websocket.close(code)
            except Exception:  # closing must not mask what led here
                websocket.socket.close()

    def _failed(self, error: _E) -> _E:
        self.abort()
        return self._with_summary(error)

    def _with_summary(self, error: _E) -> _E:
        error.summary = self.fold.summary()
        return error

    @property
    def websocket(self) -> WebSocket | None:
        """The websockets connection underneath, once open (for what this class does not
        cover; sending on it directly bypasses ClientConnection)."""
        return self._websocket

    @property
    def latency(self) -> float:
        """The round-trip time measured by the last keepalive ping, in seconds (0.0 before
        the first, and without keepalive)."""
        return self._websocket.latency if self._websocket is not None else 0.0

    def summary(self) -> SessionSummary:
        """The session so far in the upload API's shape (final once the session is over)."""
        return self.fold.summary()


def stream(
    url: str,
    api_key: str | ApiKey,
    chunks: Iterable[bytes],
    *,
    include: Wanted = "offered",
    goal_dimensions: Wanted = None,
    **options: Any,
) -> SessionSummary:
    """The whole session: connect, wait for session.ready, send the config of what the
    server offers, send every chunk, close and drain, and return the summary. `options`
    are StreamClient's. Raises StreamError (with `.summary`, partial) when the network
    fails, LocalProtocolError for a chunk the session does not take. Chunks after the
    server ended the session on its own are not sent."""
    with StreamClient(
        url, api_key, include=include, goal_dimensions=goal_dimensions, **options
    ) as session:
        for chunk in chunks:
            session.poll()
            if session.connection.state is not SessionState.STREAMING:
                break
            session.send_segment(chunk)
        session.close()
        for _ in session:
            pass  # every message is in the summary already
    return session.summary()


class ConversationFailed(ConversationStopped, StreamError):
    """stream_conversation stopped without one complete summary (see ConversationStopped,
    which both clients' ConversationFailed are)."""


def stream_conversation(
    url: str,
    api_key: str | ApiKey,
    source: MediaSource,
    *,
    include: Wanted = "offered",
    goal_dimensions: Wanted = None,
    conversation: Conversation | None = None,
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
    recorded between sessions is a coverage gap). The source's chunks are a plain
    iterable here. Other keywords go to StreamClient; `version` also makes the default
    Conversation's connections speak it.

    Returns the stitched summary, complete. Raises ConversationFailed (with the summary so
    far) when the conversation stopped otherwise, ValueError when the source has no media
    (D47).
    """
    no_raw_audio(options)
    conv = conversation if conversation is not None else default_conversation(url, options)
    run = ConversationRun(conv, source, time.monotonic())
    while (action := conv.next_action(time.monotonic())).kind != "stop":
        if action.at is not None and (delay := action.at - time.monotonic()) > 0:
            time.sleep(delay)
        media = run.restart(time.monotonic())
        if not isinstance(media.chunks, Iterable):
            raise TypeError("the blocking client streams a source whose chunks are iterable")
        chunks = iter(media.chunks)
        try:
            first = next(chunks, None)
            if first is None:
                run.out_of_media()
                continue
            connection = conv.start_session(time.monotonic(), media_offset=media.offset)
            try:
                client = StreamClient(
                    url,
                    api_key,
                    include=include,
                    goal_dimensions=goal_dimensions,
                    connection=connection,
                    **options,
                )
                ended = _run_session(conv, client, first, chunks, run)
            except BaseException:
                # Not a session's ending (a chunk the session refused, an interrupt): the
                # Conversation is told, so it is never left with a live session.
                conv.session_ended(time.monotonic(), lost=True)
                raise
            conv.session_ended(time.monotonic(), **ended)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a live recorder stops recording: its generator closes
    summary, failed = run.outcome()
    if failed is not None:
        raise ConversationFailed(failed, summary, conv) from run.failure
    return summary


def _run_session(
    conv: Conversation,
    client: StreamClient,
    chunk: Chunk | None,
    chunks: Iterator[Chunk],
    run: ConversationRun,
) -> dict[str, Any]:
    """One session of stream_conversation: open, send until the media ends or a rollover
    is due, close; returns what Conversation.session_ended is told."""
    connection = client.connection
    run.failure = None
    try:
        with client:
            conv.ready(time.monotonic())
            while chunk is not None:
                if conv.next_action(time.monotonic(), media_end=chunk.end).kind != "stream":
                    break  # a planned rollover: close this session, open the next
                client.poll()
                if not _streaming(connection):
                    break  # the server ended it (ih6004, ...)
                try:
                    client.send_segment(chunk.data)
                except LocalProtocolError:
                    if _streaming(connection):
                        raise  # the chunk itself is refused: the source's fault
                    break  # the server ended the session as we sent
                run.sent(chunk)
                chunk = next(chunks, None)
            if chunk is None:
                conv.finish()
            client.close()
    except HandshakeRejected as error:
        run.failure = error
        return {"handshake_status": error.status}
    except ConnectionLost as error:
        run.failure = error
        return {"close_code": error.code, "lost": True}
    except (ConnectError, ReceiveTimeout) as error:
        run.failure = error
        return {"close_code": connection.close_code, "lost": True}
    return {"close_code": connection.close_code}


def _streaming(connection: ClientConnection) -> bool:
    # A function, not an inline test: the state changes under a send, which a type
    # checker's narrowing of `connection.state` cannot see.
    return connection.state is SessionState.STREAMING
