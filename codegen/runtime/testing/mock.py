# Hand-written runtime: edit codegen/runtime/testing/mock.py (regen copies it verbatim).

"""A reference mock of the Streaming Analyze endpoint (v1, or v2 with MockConfig(version="v2")):
`websockets` + ServerConnection.

It checks the credential (401 on the upgrade when it is wrong), returns X-Correlation-ID,
sends session.ready with the configured limits, answers oversized segments with ih6002,
enforces the idle and maximum-duration timeouts (ih6003/ih6004, then close), acknowledges
configs and plays a deterministic scripted analysis driven by the segments it receives.
Every frame it sends goes through ServerConnection, so it cannot break the session contract
(except the one scenario meant to: an unknown envelope type).

    with MockServer().running() as url:              # ws://127.0.0.1:<port>/v1/stream/analyze
        ...                                          # connect with the key "test-key"

    with MockServer(MockConfig(version="v2")).running() as url:  # ws://.../v2/stream/analyze
        ...                                          # add ?model=inter-2-audio (or leave it out)

On v2 the mock reads the `model` query parameter (other query parameters are ignored): left
out, the session opens on inter-2; a model not in MockConfig.models (or one refused for
streams, inter-2-deep) gets ih4005 after the upgrade and close 1008, no session.ready.
session.ready offers the models, signals carry no modality, and session.updated names the
model in force; a config switching to a model the mock does not serve gets the non-fatal
ih2003 and the session stays on its model. Once a config declared audio_format
(inter-2-audio), every binary frame is raw PCM, of any size: the script then takes one step
per `segment_seconds` of audio the PCM bytes add up to, at the declared rate (the real
service's time base for PCM is NOT FOUND, D55: this is the mock's). Every scenario below
applies on v2 as on v1.

Fault scenarios, each a MockConfig option and a classmethod (SCENARIOS names them all):

    MockServer.idle_timeout(seconds)        ih6003 once no frame came for `seconds`, close 1008
    MockServer.max_duration(seconds)        ih6004 once the session is `seconds` old, close 1008
    MockServer.ends_early(seconds)          the same, while session.ready announces the usual
                                            maximum (a limit shorter than announced)
    MockServer.drop_after(segments, connections)
                                            the TCP connection drops (no close frame: the client
                                            sees 1006) once `segments` segments arrived (on the
                                            connections numbered in `connections`, from 0; on
                                            every one when None)
    MockServer.oversized_segment(max_bytes) a segment above `max_bytes` gets ih6002
    MockServer.unknown_message(after_segments, message_type)
                                            an envelope of an undocumented type mid-stream
    MockServer.slow_drain(delay_seconds)    the final signal.ended / session.ended come
                                            `delay_seconds` after session.closing
    MockServer.refuse(code, close_code)     an error and a close before session.ready
                                            (default ih1003 and 1013: no backend available)
    MockServer.refusal_burst(count, code, close_code)
                                            the first `count` connections are refused as
                                            above, the ones after them served as usual

Every scenario applies to each connection the mock accepts, so a client that reconnects
meets it again: drop_after(n) drops every connection after its n-th segment (drop_after(n,
connections=[2]) only the third), and
max_duration(s) ends each session `s` seconds after it began (a Conversation's rollovers
and retries, issue 15, run against these).

Reliability: the mock keeps no client payload (sizes and counts only); its deadlines run on
their own timer and every write has a timeout, so a client that never reads is still timed
out and disconnected; incoming frames are bounded (max_frame_bytes, then close 1009); its
logs never show a credential (the Authorization and Sec-WebSocket-Protocol values are
redacted whoever sent them, and exception text is reduced to the exception's type); a
refused handshake's body never echoes the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Final

import msgspec
from websockets.asyncio.server import Server, serve
from websockets.asyncio.server import ServerConnection as WebSocket
from websockets.datastructures import Headers as WsHeaders
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .. import handshake, messages
from .._codec import DecodeError
from .._contract import SessionState
from .._errors import LocalProtocolError
from .._handshake import ApiKey
from .._handshake_data import (
    DEFAULT_MODELS,
    ENDPOINT_PATHS,
    STREAM_REFUSED_MODELS,
    ProtocolVersion,
)
from .._server import ServerConnection
from .._versions import protocol_version
from ..clients._common import url_model

__all__ = ["LOGGER", "SCENARIOS", "TIMEOUT_CLOSE_CODE", "MockConfig", "MockServer", "SessionRecord"]

SIGNAL_SCRIPT: Final = ("interest", "agreement", "hesitation", "confidence")
ENGAGEMENT_SCRIPT: Final[tuple[messages.EngagementState, ...]] = (
    "neutral",
    "engaged",
    "engaged",
    "disengaged",
)
# No source documents the close code after ih6003/ih6004 (D19); the mock uses "policy
# violation", and says which limit in the close reason.
TIMEOUT_CLOSE_CODE: Final = 1008
_BAD_REQUEST_BODY: Final = b"Failed to open a WebSocket connection.\n"


# -- logs that never show a credential -------------------------------------------------------

_CREDENTIAL_HEADERS: Final = re.compile(
    r"(?i)\b(authorization|sec-websocket-protocol)(['\"]?\s*[:=,]\s*['\"]?)[^'\"\r\n]*"
)


class _Redact(logging.Filter):
    """Every credential header value goes, whoever sent it (a wrong key is a key too), and
    so does every known key; an exception keeps only its type (its text may quote a header)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        message = _CREDENTIAL_HEADERS.sub(r"\1\2***", message)
        for key in tuple(self.keys):
            message = message.replace(key, "***")
        record.msg, record.args = message, ()
        if record.exc_info:
            error = record.exc_info[1]
            name = type(error).__name__ if error is not None else "exception"
            record.exc_text = f"{name} (its text is withheld: it may quote a credential)"
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = "exception (its text is withheld: it may quote a credential)"
        record.stack_info = None
        return True


LOGGER: Final = logging.getLogger("interhuman_stream.testing")
_REDACT: Final = _Redact()
LOGGER.addFilter(_REDACT)


def _refusal(code: str, version: str) -> tuple[str, int]:
    """An error that refuses a session, with the close code its version's catalog gives it
    (ih4005: 1008, D53)."""
    close_code = protocol_version(version).catalog[code].close_code
    if close_code is None:
        raise ValueError(f"{code} names no close code in the {version} catalog")
    return code, close_code


def sanitize_response(response: Response) -> Response:
    """A refused upgrade's response without the request's text in its body (websockets
    explains a 400 with the header it could not read, which may be a credential)."""
    if response.status_code != HTTPStatus.BAD_REQUEST:
        return response
    headers = WsHeaders(
        (name, value) for name, value in response.headers.raw_items() if name != "Content-Length"
    )
    headers["Content-Length"] = str(len(_BAD_REQUEST_BODY))
    return Response(response.status_code, response.reason_phrase, headers, _BAD_REQUEST_BODY)


def stamp() -> datetime:
    return datetime.now(timezone.utc)


async def abort(websocket: WebSocket) -> None:
    """Drop the TCP connection without a close frame (the peer sees 1006)."""
    websocket.transport.abort()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.wait_closed(), 1.0)


async def close(websocket: WebSocket, code: int, reason: str, timeout: float) -> None:
    """Close with `code`; a peer that does not answer within `timeout` is dropped."""
    try:
        await asyncio.wait_for(websocket.close(code, reason), timeout)
    except Exception:
        await abort(websocket)


# -- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MockConfig:
    """What the mock announces in session.ready, how it behaves, and which fault it plays."""

    api_key: str = field(default="test-key", repr=False)
    version: ProtocolVersion = "v1"
    """The protocol version served: its path, messages and contract."""
    models: tuple[str, ...] = ("inter-2", "inter-2-audio")
    """v2: the models session.ready offers and the `model` query parameter may name."""
    idle_timeout_seconds: float = 300
    max_duration_seconds: float = 3600
    min_segment_size_bytes: int = 1
    max_segment_size_bytes: int = 33_554_432
    include: tuple[str, ...] = ("conversation_quality_overall", "conversation_quality_timeline")
    goal_dimensions: tuple[str, ...] | None = None
    segment_seconds: float = 3.0
    max_drain_seconds: float = 5
    # Reliability.
    max_frame_bytes: int | None = None
    """The largest client frame read (then close 1009); None: max_segment_size_bytes + 1 MiB,
    so an oversized segment up to that size still gets its ih6002."""
    write_timeout_seconds: float = 5.0
    """How long one send (or the closing handshake) may wait for a client that does not read;
    then the connection is dropped."""
    # Fault scenarios (all off by default).
    drop_after_segments: int | None = None
    drop_connections: tuple[int, ...] | None = None
    """With drop_after_segments: which connections drop, counted from 0 in the order the
    mock accepted them (refused ones included); None: every one."""
    unknown_message_after_segments: int | None = None
    unknown_message_type: str = "x-test.unknown"
    drain_delay_seconds: float = 0.0
    refuse_with: tuple[str, int] | None = None
    """(error code, close code): sent instead of session.ready."""
    refuse_count: int | None = None
    """With refuse_with: how many connections, counted from the first, are refused (None:
    all of them)."""
    ends_after_seconds: float | None = None
    """Each session ends with ih6004 (then TIMEOUT_CLOSE_CODE) this long after it began,
    whatever session.ready announced: a maximum shorter than the one announced, as a client
    token's maxDurationSeconds can make it."""

    def ready(self) -> Any:
        """session.ready's data, as the version's messages module builds it."""

        # Integral limits go out as JSON integers, as the service documents them.
        def number(value: float) -> float:
            return int(value) if float(value).is_integer() else value

        models = protocol_version(self.version).models
        return models.SessionReadyData(
            session_idle_timeout_seconds=number(self.idle_timeout_seconds),
            session_max_duration_seconds=number(self.max_duration_seconds),
            # Not among v2's session.ready fields (D57).
            min_segment_duration_seconds=(
                number(self.segment_seconds) if self.version == "v1" else msgspec.UNSET
            ),
            min_segment_size_bytes=self.min_segment_size_bytes,
            max_segment_size_bytes=self.max_segment_size_bytes,
            supported_session_config_options=models.SessionOptions(
                include=list(self.include),
                goal_dimensions=(
                    list(self.goal_dimensions) if self.goal_dimensions is not None else None
                ),
                model=list(self.models) if self.version in DEFAULT_MODELS else None,
            ),
        )

    @property
    def path(self) -> str:
        """The endpoint's path for the version served."""
        return ENDPOINT_PATHS[self.version]

    def session_model(self, query: str) -> tuple[str | None, bool]:
        """The model the upgrade's query string opens the session on (v2; None on v1), and
        whether this mock serves it (False: ih4005 and close 1008, no session.ready)."""
        if self.version not in DEFAULT_MODELS:
            return None, True
        model = url_model("?" + query, self.version)
        if model is None:
            model = DEFAULT_MODELS[self.version]
        refused = STREAM_REFUSED_MODELS.get(self.version, frozenset())
        return model, model in self.models and model not in refused

    @property
    def frame_limit(self) -> int:
        if self.max_frame_bytes is not None:
            return self.max_frame_bytes
        return self.max_segment_size_bytes + (1 << 20)


@dataclass
class SessionRecord:
    """What one connection did: the frames the mock sent, and only the sizes and counts of
    what the client sent (the mock keeps no client payload)."""

    correlation_id: str
    sent: list[str] = field(default_factory=list)
    segment_sizes: list[int] = field(default_factory=list)
    text_frames_received: int = 0
    bytes_received: int = 0
    close_code: int | None = None
    ended_by: str | None = None
    """Why the mock ended the connection: "client", "session.ended", an error code,
    "dropped", "refused", "write timeout" (None while it runs)."""
    finished: threading.Event = field(default_factory=threading.Event, repr=False)


class Analysis:
    """The deterministic script: what the 'analyzer' reports for the k-th accepted segment.

    It only proposes frames; ServerConnection decides whether they are allowed now.
    """

    def __init__(self, segment_seconds: float, version: str = "v1") -> None:
        self.segment_seconds = segment_seconds
        self.accepted = 0
        self.version = version
        self.m: Any = protocol_version(version).models  # the version's data Structs
        self.pcm_bytes = 0  # raw PCM received and not yet a whole step of the script

    def steps_for(self, size: int, audio_format: Any) -> int:
        """How many steps a frame of `size` bytes accepted now makes: one per container
        segment; for raw PCM (audio_format in force), one per segment_seconds of audio."""
        if audio_format is None:
            return 1
        self.pcm_bytes += size
        rate: int = audio_format.sample_rate  # s16le mono: two bytes a sample
        per_step = max(1, round(self.segment_seconds * rate * 2))
        steps, self.pcm_bytes = divmod(self.pcm_bytes, per_step)
        return steps

    def _signal(self, **fields: Any) -> Any:
        if "modality" in self.m.SignalData.__struct_fields__:
            fields["modality"] = ["video"]  # v2's signals have none (D51)
        return self.m.SignalData(**fields)

    def step(self, server: ServerConnection) -> list[tuple[str, Any]]:
        k, seconds = self.accepted, self.segment_seconds
        self.accepted += 1
        start = k * seconds
        inset = min(0.5, seconds / 6)  # a signal starts and ends inside its segment
        frames: list[tuple[str, Any]] = []
        level = ENGAGEMENT_SCRIPT[k % len(ENGAGEMENT_SCRIPT)]
        if server.engagement is None or server.engagement.state != level:
            frames.append(
                ("engagement.updated", self.m.EngagementUpdatedData(state=level, start=start))
            )
        signal = SIGNAL_SCRIPT[(k // 3) % len(SIGNAL_SCRIPT)]
        active = server.active_signals.get(signal)
        phase = k % 3
        if phase == 0 and active is None:
            frames.append(
                (
                    "signal.detected",
                    self._signal(
                        signal_type=signal,
                        start=start + inset,
                        probability="medium",
                        rationale=f"Scripted {signal} in segment {k}.",
                    ),
                )
            )
        elif phase == 1 and active is not None:
            frames.append(
                (
                    "signal.updated",
                    self._signal(
                        signal_type=signal,
                        start=active.start,
                        probability="high",
                        rationale=f"Scripted {signal} grew stronger in segment {k}.",
                    ),
                )
            )
        elif phase == 2 and active is not None:
            frames.append(
                (
                    "signal.ended",
                    self.m.SignalEndedData(signal_type=signal, end=start + seconds - inset),
                )
            )
        frames.extend(self._quality(server, k, start))
        acknowledged = server.acknowledged_config
        if acknowledged and acknowledged.goal_dimensions and k % 4 == 3:
            goals = ", ".join(acknowledged.goal_dimensions)
            frames.append(
                ("feedback.generated", self.m.FeedbackGeneratedData(feedback=f"Work on {goals}."))
            )
        return frames

    def _quality(self, server: ServerConnection, k: int, start: float) -> list[tuple[str, Any]]:
        # One cadence period per two segments, closed at the end of every odd segment.
        acknowledged = server.acknowledged_config
        if k % 2 == 0 or acknowledged is None:
            return []
        include = set(acknowledged.include or ())  # absent: no flag in force (D16)
        if not include:
            return []
        period_start = start - self.segment_seconds
        period_end = start + self.segment_seconds

        def scores(seed: int) -> Any:
            dims = [50 + ((seed * 7 + i * 11) % 31) for i in range(5)]
            return self.m.QualityScores(
                quality_index=sum(dims) / 5,
                clarity=dims[0],
                authority=dims[1],
                energy=dims[2],
                rapport=dims[3],
                learning=dims[4],
            )

        data = self.m.ConversationQualityData(
            overall=scores(k) if "conversation_quality_overall" in include else None,
            timeline=(
                [self.m.QualityPeriod(start=period_start, end=period_end, values=scores(k + 1))]
                if "conversation_quality_timeline" in include
                else None
            ),
        )
        return [("conversation_quality.updated", data)]

    @property
    def media_time(self) -> float:
        return self.accepted * self.segment_seconds


class _Ended(Exception):
    """The mock ended the connection (it has been closed or dropped)."""


# -- the server ------------------------------------------------------------------------------


class MockServer:
    """The mock endpoint. `running()` serves from a background thread (sync code, fixtures);
    `start()` serves in the caller's event loop."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.sessions: list[SessionRecord] = []
        self._key = ApiKey(self.config.api_key)
        _REDACT.keys.add(self.config.api_key)

    @property
    def api_key(self) -> str:
        return self.config.api_key

    # -- the scenarios --------------------------------------------------------------------

    @classmethod
    def idle_timeout(cls, seconds: float = 0.5, **options: Any) -> MockServer:
        """ih6003 (then close 1008) once no client frame came for `seconds`."""
        return cls(MockConfig(idle_timeout_seconds=seconds, **options))

    @classmethod
    def max_duration(cls, seconds: float = 1.0, **options: Any) -> MockServer:
        """ih6004 (then close 1008) once the session is `seconds` old."""
        return cls(MockConfig(max_duration_seconds=seconds, **options))

    @classmethod
    def drop_after(
        cls, segments: int = 2, connections: Sequence[int] | None = None, **options: Any
    ) -> MockServer:
        """The connection drops without a close frame (1006) once `segments` arrived; only
        the connections numbered in `connections` (from 0, in the order accepted) when
        given, every one otherwise."""
        if connections is not None:
            connections = tuple(connections)
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in connections):
                raise ValueError(f"connections are whole numbers >= 0, not {connections!r}")
        return cls(
            MockConfig(drop_after_segments=segments, drop_connections=connections, **options)
        )

    @classmethod
    def ends_early(cls, seconds: float = 1.0, **options: Any) -> MockServer:
        """ih6004 (then close 1008) once the session is `seconds` old, while session.ready
        announces the usual maximum (a client token's shorter limit)."""
        return cls(MockConfig(ends_after_seconds=seconds, **options))

    @classmethod
    def oversized_segment(cls, max_bytes: int = 1024, **options: Any) -> MockServer:
        """session.ready allows `max_bytes` per segment; a larger one gets ih6002."""
        return cls(MockConfig(max_segment_size_bytes=max_bytes, **options))

    @classmethod
    def unknown_message(
        cls, after_segments: int = 1, message_type: str = "x-test.unknown", **options: Any
    ) -> MockServer:
        """An envelope of an undocumented type after `after_segments` segments."""
        return cls(
            MockConfig(
                unknown_message_after_segments=after_segments,
                unknown_message_type=message_type,
                **options,
            )
        )

    @classmethod
    def slow_drain(cls, delay_seconds: float = 1.0, **options: Any) -> MockServer:
        """The final frames come `delay_seconds` after session.closing."""
        options.setdefault("max_drain_seconds", max(5.0, 2 * delay_seconds))
        return cls(MockConfig(drain_delay_seconds=delay_seconds, **options))

    @classmethod
    def refuse(cls, code: str = "ih1003", close_code: int = 1013, **options: Any) -> MockServer:
        """An error (`code`) and a close (`close_code`) instead of session.ready."""
        return cls(MockConfig(refuse_with=(code, close_code), **options))

    @classmethod
    def refusal_burst(
        cls, count: int = 3, code: str = "ih1003", close_code: int = 1013, **options: Any
    ) -> MockServer:
        """The first `count` connections get an error and a close instead of session.ready;
        the connections after them are served as usual (a backend that came back)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count is a whole number >= 0, not {count!r}")
        return cls(MockConfig(refuse_with=(code, close_code), refuse_count=count, **options))

    # -- the upgrade ------------------------------------------------------------------------

    def process_request(self, connection: WebSocket, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path != self.config.path:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found.\n")
        model, served = self.config.session_model(query)
        server = ServerConnection(
            self.config.ready(),
            uuid.uuid4(),
            max_drain_seconds=self.config.max_drain_seconds,
            version=self.config.version,
            model=model if served else None,
        )
        credential = server.accept_handshake(request.headers.raw_items())
        if credential is None or credential.key != self._key:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        connection.interhuman = server  # type: ignore[attr-defined]
        connection.interhuman_refusal = (  # type: ignore[attr-defined]
            None if served else _refusal("ih4005", self.config.version)
        )
        return None

    def select_subprotocol(
        self, connection: WebSocket, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        server: ServerConnection | None = getattr(connection, "interhuman", None)
        if server is None or server.credential is None:
            return None
        accepted = server.credential.accept_subprotocol
        return Subprotocol(accepted) if accepted is not None else None

    def process_response(
        self, connection: WebSocket, request: Request, response: Response
    ) -> Response | None:
        server: ServerConnection | None = getattr(connection, "interhuman", None)
        if server is not None and response.status_code == HTTPStatus.SWITCHING_PROTOCOLS:
            for name, value in server.response_headers():
                response.headers[name] = value
        return sanitize_response(response)

    # -- a session --------------------------------------------------------------------------

    async def handler(self, websocket: WebSocket) -> None:
        server: ServerConnection = websocket.interhuman  # type: ignore[attr-defined]
        record = SessionRecord(correlation_id=server.correlation_id)
        self.sessions.append(record)
        session = _Session(self.config, websocket, server, record, index=len(self.sessions) - 1)
        session.refusal = getattr(websocket, "interhuman_refusal", None)
        watchdog = asyncio.create_task(session.watch())
        try:
            await session.run()
        except _Ended:
            pass
        except ConnectionClosed:
            record.ended_by = record.ended_by or "client"
        except LocalProtocolError:
            # A frame the contract refuses after a deadline ended the session: not sent.
            if record.ended_by is None:
                record.ended_by = "internal error"
                await close(websocket, 1011, "internal error", self.config.write_timeout_seconds)
        except Exception:
            # A bug of the mock's: the client hears at once (1011), not after a timeout.
            if record.ended_by is None:
                record.ended_by = "internal error"
                await close(websocket, 1011, "internal error", self.config.write_timeout_seconds)
            raise
        finally:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.wait_closed(), self.config.write_timeout_seconds)
            if websocket.state.name != "CLOSED":
                await abort(websocket)
            record.close_code = websocket.close_code
            server.connection_lost(websocket.close_code)
            record.finished.set()

    # -- running ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Server:
        server: Server = await serve(
            self.handler,
            host,
            port,
            process_request=self.process_request,
            process_response=self.process_response,
            select_subprotocol=self.select_subprotocol,
            max_size=self.config.frame_limit,
            ping_interval=None,
            close_timeout=self.config.write_timeout_seconds,
            logger=LOGGER,
        )
        return server

    @contextlib.contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve from a background thread; yields the ws:// URL."""
        with serve_in_thread(
            self.start, host, port, "interhuman-mock", path=self.config.path
        ) as url:
            yield url


class _Session:
    """One connection: the receive loop, and the deadline watchdog on its own timer."""

    def __init__(
        self,
        config: MockConfig,
        websocket: WebSocket,
        server: ServerConnection,
        record: SessionRecord,
        *,
        index: int = 0,
    ) -> None:
        self.config = config
        self.index = index  # this connection's place among the mock's sessions, from 0
        self.websocket = websocket
        self.server = server
        self.record = record
        self.analysis = Analysis(config.segment_seconds, config.version)
        self.loop = asyncio.get_running_loop()
        self.refusal: tuple[str, int] | None = None
        """(error code, close code) the upgrade decided: a model not served (v2)."""

    async def send(self, *frames: str) -> None:
        for frame in frames:
            self.record.sent.append(frame)
            try:
                await asyncio.wait_for(
                    self.websocket.send(frame), self.config.write_timeout_seconds
                )
            except (TimeoutError, asyncio.TimeoutError):
                await self.end("write timeout", None)

    async def end(self, why: str, code: int | None, reason: str = "") -> None:
        """Close with `code` (None: drop the connection), then stop the session."""
        if self.record.ended_by is None:
            self.record.ended_by = why
            if code is None:
                await abort(self.websocket)
            else:
                await close(self.websocket, code, reason, self.config.write_timeout_seconds)
        raise _Ended

    async def watch(self) -> None:
        """The idle and maximum-duration deadlines, whether or not the client reads."""
        early = self.config.ends_after_seconds
        ends_at = None if early is None else self.loop.time() + early
        try:
            while self.record.ended_by is None:
                deadline = self.server.next_deadline()
                wait = 0.5 if deadline is None else deadline.at - self.loop.time()
                if ends_at is not None:
                    wait = min(wait, ends_at - self.loop.time())
                await asyncio.sleep(min(0.5, max(0.0, wait)))
                if self.server.state is SessionState.ENDED:
                    return
                if ends_at is not None and self.loop.time() >= ends_at:
                    if self.server.state is SessionState.AWAITING_READY:
                        continue  # refused or not started: nothing to end yet
                    await self.send(self.server.fail("ih6004", timestamp=stamp()))
                    await self.end("ih6004", TIMEOUT_CLOSE_CODE, "ih6004")
                expired = self.server.check_deadlines(self.loop.time(), timestamp=stamp())
                if expired:
                    bundle = protocol_version(self.config.version)
                    reason: Any = bundle.decode_server_message(expired[0])
                    error: Any = bundle.message_classes["error"]
                    code = reason.data.code if isinstance(reason, error) else "timeout"
                    await self.send(*expired)
                    await self.end(code, TIMEOUT_CLOSE_CODE, code)
        except (_Ended, ConnectionClosed):
            pass

    async def run(self) -> None:
        config, server = self.config, self.server
        refused = config.refuse_count is None or self.index < config.refuse_count
        refusal = self.refusal or (config.refuse_with if refused else None)
        if refusal is not None:
            code, close_code = refusal
            await self.send(server.fail(code, timestamp=stamp(), now=self.loop.time()))
            await self.end("refused", close_code, code)
        await self.send(*server.start(timestamp=stamp(), now=self.loop.time()))
        async for frame in self._frames():
            now = self.loop.time()
            if isinstance(frame, bytes):
                await self._segment(frame, now)
                continue
            self.record.text_frames_received += 1
            text = await self._refuse_unserved_model(frame, now)
            taken = server.receive_text(text, timestamp=stamp(), now=now)
            await self.send(*taken.replies)  # session.updated / ih6001, or session.closing
            if server.state is SessionState.DRAINING:
                if config.drain_delay_seconds:
                    await asyncio.sleep(config.drain_delay_seconds)
                at = self.analysis.media_time
                await self.send(*server.finish(timestamp=stamp(), at=at, now=self.loop.time()))
                await self.end("session.ended", 1000, "session ended")

    async def _refuse_unserved_model(self, frame: str, now: float) -> str:
        """A config switching to a model this mock does not serve (v2): the non-fatal ih2003
        the service sends for a model the credential may not select (D54), and the config
        taken without its model, so the session goes on, on the model it had (whether the
        service also answers with session.updated is NOT FOUND: this mock does)."""
        if self.config.version not in DEFAULT_MODELS:
            return frame  # a version without models
        try:
            config = protocol_version(self.config.version).decode_client_message(frame)
        except DecodeError:
            return frame  # ServerConnection answers it as it answers any bad frame (ih6001)
        model = getattr(config, "model", msgspec.UNSET)
        if not isinstance(model, str) or model in self.config.models:
            return frame
        await self.send(self.server.fail("ih2003", timestamp=stamp(), now=now))
        # The switch is refused whole: its audio_format was for the model it did not get.
        kept = msgspec.structs.replace(config, model=msgspec.UNSET, audio_format=msgspec.UNSET)
        return msgspec.json.encode(kept).decode()

    async def _frames(self) -> AsyncIterator[bytes | str]:
        while not self.ended():
            frame = await self.websocket.recv()
            if self.ended():
                return  # the watchdog ended the session meanwhile
            yield frame

    def ended(self) -> bool:
        return self.record.ended_by is not None

    async def _segment(self, frame: bytes, now: float) -> None:
        config, server, record = self.config, self.server, self.record
        size = len(frame)
        record.segment_sizes.append(size)
        record.bytes_received += size
        taken = server.receive_segment(frame, timestamp=stamp(), now=now)
        del frame  # sizes and counts only
        await self.send(*taken.replies)
        if taken.segment is not None and not taken.replies:
            audio_format = server.sticky_config.get("audio_format")
            for _ in range(self.analysis.steps_for(size, audio_format)):
                for event, data in self.analysis.step(server):
                    await self.send(server.send(event, data, timestamp=stamp(), now=now))
        count = len(record.segment_sizes)
        if count == config.unknown_message_after_segments:
            await self.send(self._unknown_envelope())
        dropping = config.drop_connections is None or self.index in config.drop_connections
        if count == config.drop_after_segments and dropping:
            await self.end("dropped", None)

    def _unknown_envelope(self) -> str:
        # ServerConnection refuses to emit a type the spec does not know: built by hand.
        timestamp = stamp().isoformat().replace("+00:00", "Z")
        return (
            f'{{"type": "{self.config.unknown_message_type}", "timestamp": "{timestamp}", '
            f'"correlation_id": "{self.server.correlation_id}", "data": {{"note": "test"}}}}'
        )


@contextlib.contextmanager
def serve_in_thread(
    start: Callable[[str, int], Any],
    host: str,
    port: int,
    name: str,
    *,
    path: str = handshake.ENDPOINT_PATH,
) -> Iterator[str]:
    """Run `start(host, port)` (a coroutine returning a websockets Server) on an event loop
    in a daemon thread; yield its ws:// URL (ending in `path`); stop it all on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=name, daemon=True)
    thread.start()
    try:
        server: Server = asyncio.run_coroutine_threadsafe(start(host, port), loop).result(10)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        raise
    bound_host, bound_port = next(iter(server.sockets)).getsockname()[:2]
    try:
        yield f"ws://{bound_host}:{bound_port}{path}"
    finally:

        async def stop() -> None:
            server.close()
            await asyncio.wait_for(server.wait_closed(), 15)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), loop).result(20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if not thread.is_alive():
            loop.close()


def _scenario(name: str) -> Callable[..., MockServer]:
    method: Callable[..., MockServer] = getattr(MockServer, name)
    return method


SCENARIOS: Final[dict[str, Callable[..., MockServer]]] = {
    name: _scenario(name)
    for name in (
        "idle_timeout",
        "max_duration",
        "ends_early",
        "drop_after",
        "oversized_segment",
        "unknown_message",
        "slow_drain",
        "refuse",
        "refusal_burst",
    )
}
"""Each fault scenario by name (the classmethods above), for interhuman_mock_factory."""


def with_options(config: MockConfig, **options: Any) -> MockConfig:
    """`config` with some fields replaced."""
    return replace(config, **options)
