# Hand-written runtime: edit codegen/runtime/_server.py (regen copies it verbatim).

"""ServerConnection: the server role of a session, without I/O - for mock servers and tests.

It emits session.ready first, answers what the client sends the way the service documents
(session.updated or ih6001 for each config, in order; ih6002 for an oversized segment;
session.closing for a close) and refuses, with LocalProtocolError, to emit anything that
breaks the session contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import msgspec

from ._codec import DecodeError, _check_uuid
from ._contract import SessionState
from ._engine import Core, SessionView, binary
from ._errors import LocalProtocolError, RemoteProtocolError
from ._handshake import Credential, Headers, credential_from_request, server_response_headers
from ._models import SessionClose, SessionConfig, SessionReadyData
from ._values import SentSegment
from ._versions import Version, opening_keys, protocol_version

_encoder: Final = msgspec.json.Encoder()
# (version, envelope type) -> the Struct its data member takes; filled on a version's first
# send (reading the annotations imports more than an import of the package should pay for).
_DATA_TYPES: Final[dict[tuple[str, str], type]] = {}


def _data_type(version: Version, event: str) -> type:
    if (version.name, event) not in _DATA_TYPES:
        for tag, cls in version.message_classes.items():
            data = next(f.type for f in msgspec.structs.fields(cls) if f.name == "data")
            _DATA_TYPES[version.name, tag] = data
    return _DATA_TYPES[version.name, event]


# The code a server answers an undecodable config frame with.
_BAD_CONFIG_CODE: Final = "ih6001"
_UNREADABLE_CONFIG: Final = SessionConfig()


class ServerReceived(msgspec.Struct, frozen=True, kw_only=True):
    """One client frame as the server took it, and the frames to send back now."""

    message: SessionConfig | SessionClose | None = None
    segment: SentSegment | None = None
    replies: tuple[str, ...] = ()


class ServerConnection(SessionView):
    """One server session.

    `ready` is the contract announced in session.ready; `correlation_id` (a UUID) names the
    connection: it goes into the X-Correlation-ID response header and every envelope. Frames
    it emits need a `timestamp` (the wall-clock time to put in the envelope); `now` is any
    monotonic clock in seconds, for the idle and maximum-duration deadlines.
    strict=True raises RemoteProtocolError when the client breaks the contract; otherwise the
    breach is recorded in `violations`. version is the protocol version spoken, "v1" (the
    default) or "v2": `ready` and every data Struct sent are then that version's (from
    interhuman_stream.v2.messages), and session.updated names the model in force: `model`
    (v2), the model the session opened on (the upgrade's `model` query parameter or the
    version's default), until a config switches it.
    """

    __slots__ = (
        "_deadline_reported",
        "_id",
        "_max_drain_seconds",
        "_ready_data",
        "credential",
    )

    def __init__(
        self,
        ready: SessionReadyData,
        correlation_id: object,
        *,
        strict: bool = False,
        max_drain_seconds: float = 30.0,
        version: str = "v1",
        model: str | None = None,
    ) -> None:
        if (
            isinstance(max_drain_seconds, bool)
            or not isinstance(max_drain_seconds, (int, float))
            or not 0 <= max_drain_seconds < float("inf")
        ):
            raise ValueError(
                f"max_drain_seconds is a finite number of seconds >= 0, not {max_drain_seconds!r}"
            )
        bundle = protocol_version(version)
        session_keys = opening_keys(bundle.name, model)
        self._core = Core(
            "server", strict=strict, switches={}, version=bundle, session_keys=session_keys
        )
        self._ready_data = ready
        # A uuid.UUID or its text; kept in the canonical text form the envelopes carry.
        text = str(correlation_id).lower()
        _check_uuid(text, "correlation_id", text)
        self._core.correlation_id = text  # the engine checks every envelope against it (D37)
        self._id = text
        self._max_drain_seconds = max_drain_seconds
        self._deadline_reported = False
        self.credential: Credential | None = None

    def __repr__(self) -> str:
        return (
            f"<ServerConnection {self._id} state={self._core.state.value} "
            f"segments={len(self._core.segments)} violations={len(self._core.violations)}>"
        )

    @property
    def version(self) -> str:
        """The protocol version this connection speaks ("v1", "v2")."""
        return self._core.version.name

    @property
    def correlation_id(self) -> str:
        """The connection's id, as X-Correlation-ID and every envelope carry it."""
        return self._id

    # -- handshake ----------------------------------------------------------------------

    def accept_handshake(
        self, headers: Headers, subprotocols: Iterable[str] | None = None
    ) -> Credential | None:
        """Read the credential of the upgrade request. None means: refuse the upgrade with
        401. Checking the key itself is the application's business (credential.key)."""
        self.credential = credential_from_request(headers, subprotocols)
        return self.credential

    def response_headers(self) -> tuple[tuple[str, str], ...]:
        """Headers for the 101 response."""
        return server_response_headers(self._id)

    # -- what the server sends ------------------------------------------------------------

    def start(self, *, timestamp: datetime, now: float | None = None) -> tuple[str, ...]:
        """session.ready, the first frame of every session - then the answers to any config
        that arrived before it (a client may send one as soon as the socket opens), and
        session.closing when the client already asked to close."""
        _checked_timestamp(timestamp)
        frames = [self.send("session.ready", self._ready_data, timestamp=timestamp, now=now)]
        frames += self._answer_pending(timestamp, now)
        if self._core.state is SessionState.CLOSE_SENT:
            # The client closed before session.ready (D23): the close is answered now.
            frames.append(self._closing_frame(timestamp, now))
        return tuple(frames)

    def send(
        self, event: str, data: msgspec.Struct, *, timestamp: datetime, now: float | None = None
    ) -> str:
        """Build, check and encode one server envelope of type `event` around `data`."""
        _checked_timestamp(timestamp)
        if not isinstance(event, str):
            raise TypeError(f"event is a server message type (str), not {type(event).__name__}")
        version = self._core.version
        cls: Any = version.message_classes.get(event)
        if cls is None:
            raise ValueError(f"not a server message type: {event!r}")
        expected = _data_type(version, event)
        if not isinstance(data, expected):
            raise TypeError(f"{event} carries {expected.__name__}, not {type(data).__name__}")
        envelope = cls(timestamp=timestamp, correlation_id=self._id, data=data)
        frame = _encoder.encode(envelope)
        try:
            message = version.decode_server_message(frame)  # the spec's checks, on what we emit
        except DecodeError as error:
            raise ValueError(f"invalid {event} data: {error}") from None
        self._core.handle(event, message, now)
        return frame.decode()

    def _answer_pending(self, timestamp: datetime, now: float | None) -> list[str]:
        """The answers to every config waiting for one, oldest first: session.updated, or
        ih6001 for one session.ready does not allow (answers pair with configs in order)."""
        guards = self._core.plans["config", self._core.state].guards
        frames = []
        for config in tuple(self._core.pending_configs):
            codes = [
                g.server_reply
                for g, check in guards
                if g.server_reply is not None and not check(self._core, g, config)
            ]
            if config is _UNREADABLE_CONFIG:
                codes.insert(0, _BAD_CONFIG_CODE)
            if codes:
                frames.append(self.fail(codes[0], timestamp=timestamp, now=now))
            else:
                frames.append(self._acknowledge(timestamp, now))
        return frames

    def _closing_frame(self, timestamp: datetime, now: float | None) -> str:
        models = self._core.version.models
        closing = models.SessionClosingData(max_drain_seconds=self._max_drain_seconds)
        return self.send("session.closing", closing, timestamp=timestamp, now=now)

    def _acknowledge(self, timestamp: datetime, now: float | None) -> str:
        # session.updated carries the whole config in force: an omitted include means none,
        # omitted goal dimensions mean none; the model (v2) is sticky: an omitted one keeps
        # the model in force (D52), the upgrade's until a session.updated named another.
        core = self._core
        config = core.pending_configs[0] if core.pending_configs else SessionConfig()
        model = getattr(config, "model", msgspec.UNSET)
        if model is msgspec.UNSET:
            model = core.session_keys.get("model", msgspec.UNSET)
        data = self._core.version.models.SessionUpdatedData(
            include=list(config.include) if config.include is not msgspec.UNSET else [],
            goal_dimensions=(
                list(config.goal_dimensions)
                if config.goal_dimensions is not msgspec.UNSET
                else None
            ),
            model=None if model is msgspec.UNSET else model,
        )
        return self.send("session.updated", data, timestamp=timestamp, now=now)

    def fail(
        self,
        code: str,
        *,
        timestamp: datetime,
        segment: int | None = None,
        now: float | None = None,
    ) -> str:
        """An error envelope for a catalog code, with its documented wording."""
        if not isinstance(code, str):
            raise TypeError(f"code is an error code (str), not {type(code).__name__}")
        info = self._core.version.catalog.get(code)
        message = f"{info.title}. {info.meaning}" if info is not None else code
        data = self._core.version.models.ErrorData(
            code=code, message=message, link=None, segment=segment
        )
        return self.send("error", data, timestamp=timestamp, now=now)

    def finish(
        self,
        *,
        timestamp: datetime,
        at: float,
        reason: str | None = None,
        now: float | None = None,
    ) -> tuple[str, ...]:
        """End the session: a final signal.ended at session time `at` for every active
        signal, then session.ended. Then close the WebSocket with 1000.

        After the client's close the reason defaults to the documented `client_shutdown`;
        a server ending a session on its own must say why. Nothing is emitted unless all of
        it can be.
        """
        if reason is None:
            if self._core.state.value != "draining":
                raise ValueError(
                    "say why the server ends a session the client did not close "
                    f"(reason=None in state {self._core.state.value})"
                )
            reason = "client_shutdown"
        if not isinstance(reason, str) or not reason:
            raise ValueError(
                f"the reason for ending a session is a non-empty string, not {reason!r}"
            )
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at < float("inf"):
            raise ValueError(f"`at` is a finite session time in seconds, >= 0, not {at!r}")
        forbidden = self._core.allows("session.ended")
        if forbidden is not None:
            raise LocalProtocolError(
                forbidden.says,
                rule=forbidden.id,
                role=self.role,
                state=self._core.state.value,
                event="session.ended",
                hint=forbidden.hint,
                detail=self._core.move_detail("session.ended"),
            )
        # All or nothing: the final signal.ended frames are applied as they are built, so a
        # session.ended the contract refuses must put them back.
        saved = self._core.snapshot()
        try:
            frames = [
                self.send(
                    "signal.ended",
                    self._core.version.models.SignalEndedData(signal_type=signal_type, end=at),
                    timestamp=timestamp,
                    now=now,
                )
                for signal_type in sorted(self._core.signals)
            ]
            frames.append(
                self.send(
                    "session.ended",
                    self._core.version.models.SessionEndedData(reason=reason),
                    timestamp=timestamp,
                    now=now,
                )
            )
        except Exception:
            self._core.restore(saved)
            raise
        return tuple(frames)

    def check_deadlines(self, now: float, *, timestamp: datetime) -> tuple[str, ...]:
        """The error frame to send once the idle timeout or the maximum duration has passed
        (then close the WebSocket and call connection_lost), or nothing. Reported once."""
        # A limit the server sends no error for (the drain) is the server's own to keep.
        _checked_timestamp(timestamp)
        expired = [deadline for deadline in self.expired(now) if deadline.error_code is not None]
        if not expired or self._deadline_reported:
            return ()
        frame = self.fail(expired[0].error_code, timestamp=timestamp, now=now)  # type: ignore[arg-type]
        self._deadline_reported = True
        return (frame,)

    # -- what the client sends -------------------------------------------------------------

    def receive_text(
        self, data: bytes | str, *, timestamp: datetime, now: float | None = None
    ) -> ServerReceived:
        """Take a client text frame and answer it. A config (checked against session.ready's
        options) is answered at once with session.updated or the invalid-config error, so
        answers stay in order; a close is answered with session.closing. A text frame that
        does not decode is a config the server cannot read, and is answered as invalid."""
        _checked_timestamp(timestamp)
        try:
            decode = self._core.version.decode_client_message
            frame: SessionConfig | SessionClose | None = decode(data)
        except DecodeError:
            frame = None
        if isinstance(frame, self._core.version.models.SessionClose):
            state_before = self._core.state
            self._handle_received("close", frame, now)
            replies = self._reply_frames(None, timestamp, now)
            if self._core.state is not state_before and self._core.state is SessionState.CLOSE_SENT:
                # Before session.ready, start() answers the close (D23).
                replies += (self._closing_frame(timestamp, now),)
            return ServerReceived(message=frame, replies=replies)
        allowed = self._core.allows("config") is None
        self._handle_received("config", frame if frame is not None else _UNREADABLE_CONFIG, now)
        # The config's own answer comes from _answer_pending, in order with any older ones.
        self._core.replies.clear()
        if not allowed or self._core.ready is None:
            # A config the client had no business sending is recorded, not answered; one
            # before session.ready is answered by start(), right after it.
            return ServerReceived(message=frame)
        return ServerReceived(message=frame, replies=tuple(self._answer_pending(timestamp, now)))

    def receive_segment(
        self, data: bytes, *, timestamp: datetime, now: float | None = None
    ) -> ServerReceived:
        """Take a binary video frame; an oversized one is answered with an error naming it."""
        _checked_timestamp(timestamp)
        data = binary(data)
        count = len(self._core.segments)
        self._handle_received("segment", data, now)
        segment = self._core.segments[-1] if len(self._core.segments) > count else None
        index = segment.index if segment is not None else None
        return ServerReceived(segment=segment, replies=self._reply_frames(index, timestamp, now))

    def _handle_received(self, event: str, payload: Any, now: float | None) -> None:
        try:
            self._core.handle(event, payload, now)
        except RemoteProtocolError:
            # A strict server raises instead of answering: no stale answer may follow later.
            self._core.replies.clear()
            raise

    def _reply_frames(
        self, segment: int | None, timestamp: datetime, now: float | None
    ) -> tuple[str, ...]:
        replies, self._core.replies = self._core.replies, []
        return tuple(
            self.fail(code, timestamp=timestamp, segment=segment, now=now) for code in replies
        )


def _checked_timestamp(timestamp: object) -> None:
    """An envelope's timestamp, checked before anything is applied: a timezone-aware datetime
    (D5). A naive one could not be sent, and a frame already applied could not be answered."""
    if not isinstance(timestamp, datetime):
        raise TypeError(f"timestamp is a timezone-aware datetime, not {type(timestamp).__name__}")
    if timestamp.utcoffset() is None:
        raise ValueError(f"timestamp must carry its UTC offset (D5), not {timestamp!r}")
