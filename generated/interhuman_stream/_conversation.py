# Hand-written runtime: edit codegen/runtime/_conversation.py (regen copies it verbatim).

"""Conversation: one logical stream over successive sessions, without I/O (issue 15).

A session lasts at most session.ready's `session_max_duration_seconds`, and a connection
can drop; a Conversation decides, as data, when the transport opens the next session, and
folds every session into one SessionSummary on one timeline. Time is passed in (`now`, any
monotonic clock in seconds) and jitter comes from an injected `random.Random` or a
callable returning a float in [0, 1).

    conv = Conversation(rng=random.Random())
    action = conv.next_action(now)            # reconnect_at(now): open the first session
    connection = conv.start_session(now, media_offset=0.0)   # a ClientConnection, fold attached
    ... open the WebSocket, send connection.send_config(...) ...
    received = conv.receive(frame, now)       # connection.receive, and the ready time noted
    ... send segments through connection.send_segment; poll conv.next_action(now):
        "stream": go on; "rollover": close this session (send_close, drain to session.ended)
    conv.session_ended(now, close_code=..., error=..., handshake_status=..., lost=...)
    action = conv.next_action(now)            # reconnect_at(at) or stop
    conv.finish()                             # the media is over: stop after this session
    conv.summary(); conv.sessions; conv.errors

Seams: every session starts with a fresh container header (D43). The connection
start_session returns refuses a first segment that does not sniff as a container;
`needs_stream_start` is True until the session's first segment went. The caller provides
the stream start by re-muxing (or re-encoding) from `media_offset`, for example
`ffmpeg -ss <offset> -i in.mp4 -f mp4 -movflags frag_keyframe+empty_moov pipe:`, and tells
start_session that offset: the seconds of conversation media the new session's time 0 is.

Rulings (spec/DECISIONS.md): D42 which endings are retried, which are fatal, and which
start the next session at once; D43 the planned rollover margin and the fresh stream start;
D44 backoff (base, factor, cap, equal jitter) and the retry budget, reset by a healthy
session; D45 stitching: times shifted by each session's media offset, overlapping media
counted once, seam-split signals joined within a tolerance, unanalysed media between
sessions reported as a coverage gap, errors kept with their session index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

from msgspec import UNSET, Struct
from msgspec.structs import replace

from ._catalog import ErrorInfo
from ._client import ClientConnection
from ._contract import SessionState
from ._models import (
    CoverageGap,
    EngagementInterval,
    ErrorMessage,
    OpenSignal,
    QualitySummary,
    SessionSummary,
    SignalInterval,
    SummaryError,
)
from ._recording import session_line
from ._summary import SummaryFold
from ._values import Received
from ._versions import protocol_version

if TYPE_CHECKING:
    # `random` costs about 3 ms to import (hashlib, bisect, ...): the vendored package's
    # import budget has no room for it, so it is imported when a Conversation draws jitter
    # from it, not when the package loads.
    import random

DEFAULT_ROLLOVER_MARGIN_SECONDS: Final = 60.0
"""Open the next session this long before the current one reaches its maximum (D43)."""
DEFAULT_BACKOFF_BASE_SECONDS: Final = 1.0
"""The first retry's delay before jitter (D44)."""
DEFAULT_BACKOFF_FACTOR: Final = 2.0
"""Each further retry multiplies the delay by this (D44)."""
DEFAULT_BACKOFF_CAP_SECONDS: Final = 60.0
"""No delay exceeds this (D44)."""
DEFAULT_RETRY_BUDGET: Final = 5
"""Retries in a row before the conversation gives up (D44)."""
DEFAULT_HEALTHY_SECONDS: Final = 30.0
"""A session that reached session.ready and streamed this long resets the budget (D44)."""
DEFAULT_SEAM_TOLERANCE_SECONDS: Final = 1.0
"""A signal ending at a seam and detected again within this is one interval (D45)."""

RETRY_CLOSE_CODES: Final = frozenset({1006, 1013})
"""Close codes after which the conversation retries with backoff (D42)."""
FATAL_CLOSE_CODES: Final = frozenset({4003})
"""Close codes after which it stops (D42), whenever they come."""
REFUSAL_CLOSE_CODES: Final = frozenset({1008})
"""Close codes after which it stops when they come before session.ready (a refused request),
not after it, where they may follow an idle or maximum-duration ending (D19, D42)."""
NEXT_ERRORS: Final = frozenset({"ih6004"})
"""Errors after which the next session opens at once, like a graceful ending: the server's
own maximum duration, reached by a session that streamed (D42)."""
FATAL_HTTP_STATUSES: Final = frozenset({400, 401, 403, 404})
"""Handshake refusals after which it stops; any other status is retried (D42)."""

ActionKind = Literal["stream", "rollover", "reconnect_at", "stop"]


class Action(Struct, frozen=True, kw_only=True):
    """What the transport does next. stream: go on with the live session. rollover: close
    it now (send_close, drain to session.ended) and open the next. reconnect_at: open the
    next session at `at` (same clock as `now`). stop: the conversation is over. reason says
    why."""

    kind: ActionKind
    reason: str
    at: float | None = None


class SessionRecord(Struct, frozen=True, kw_only=True):
    """One session of the conversation: its index (from 0), the media offset its time 0
    is, when it started, was ready and ended (None: not yet), why it ended (None: live),
    whether it ended gracefully (the next session followed at once, no retry spent), and
    its own summary on its own timeline."""

    index: int
    media_offset: float
    started_at: float
    ready_at: float | None
    ended_at: float | None
    end_reason: str | None
    graceful: bool
    summary: SessionSummary


class ConversationOver(Exception):
    """The conversation stopped and cannot open another session; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Session:
    __slots__ = (
        "connection",
        "end_reason",
        "ended_at",
        "fold",
        "graceful",
        "index",
        "media_offset",
        "ready_at",
        "sent",
        "started_at",
    )

    def __init__(
        self, index: int, media_offset: float, now: float, connection: ClientConnection
    ) -> None:
        self.index = index
        self.media_offset = media_offset
        self.started_at = now
        self.ready_at: float | None = None
        self.ended_at: float | None = None
        self.end_reason: str | None = None
        self.graceful = False
        self.sent = False
        self.connection = connection
        self.fold: SummaryFold = SummaryFold()

    def streamed(self) -> bool:
        """Whether the session sent a segment (asked of the connection until it did:
        segments_sent copies its list, and next_action runs before every segment)."""
        if not self.sent:
            self.sent = bool(self.connection.segments_sent)
        return self.sent


def _number(name: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} is a number, not {value!r}")
    number = float(value)
    if not (number > 0 if positive else number >= 0) or number == float("inf"):
        raise ValueError(f"{name} is a finite number {'>' if positive else '>='} 0, not {value!r}")
    return number


_ActionT = Action
_RecordT = SessionRecord


class Conversation:
    """Successive sessions of one logical stream; see the module docstring. The values it
    hands out are its attributes: Conversation.Action, Conversation.SessionRecord, and
    Conversation.Over (ConversationOver), raised by start_session once it stopped."""

    Action = Action
    SessionRecord = SessionRecord
    Over = ConversationOver

    def __init__(
        self,
        *,
        rng: random.Random | Callable[[], float] | None = None,
        rollover_margin_seconds: float = DEFAULT_ROLLOVER_MARGIN_SECONDS,
        backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        backoff_cap_seconds: float = DEFAULT_BACKOFF_CAP_SECONDS,
        retry_budget: int = DEFAULT_RETRY_BUDGET,
        healthy_seconds: float = DEFAULT_HEALTHY_SECONDS,
        seam_tolerance_seconds: float = DEFAULT_SEAM_TOLERANCE_SECONDS,
        count_media_time: bool = True,
        connection_options: dict[str, Any] | None = None,
    ) -> None:
        self.rollover_margin_seconds = _number("rollover_margin_seconds", rollover_margin_seconds)
        self.backoff_base_seconds = _number(
            "backoff_base_seconds", backoff_base_seconds, positive=True
        )
        self.backoff_factor = _number("backoff_factor", backoff_factor)
        if self.backoff_factor < 1:
            raise ValueError(f"backoff_factor is >= 1, not {backoff_factor!r}")
        self.backoff_cap_seconds = _number("backoff_cap_seconds", backoff_cap_seconds)
        if isinstance(retry_budget, bool) or not isinstance(retry_budget, int) or retry_budget < 0:
            raise ValueError(f"retry_budget is a whole number >= 0, not {retry_budget!r}")
        self.retry_budget = retry_budget
        self.healthy_seconds = _number("healthy_seconds", healthy_seconds)
        self.seam_tolerance_seconds = _number("seam_tolerance_seconds", seam_tolerance_seconds)
        self.count_media_time = bool(count_media_time)
        if rng is None:
            import random  # noqa: PLC0415 - kept out of the import path (see above)

            rng = random.Random()
        draw = getattr(rng, "random", None)
        if not callable(draw) and not callable(rng):
            raise ValueError(
                f"rng is a random.Random or a callable returning a float in [0, 1), not {rng!r}"
            )
        self._random: Callable[[], float] = draw if callable(draw) else rng  # type: ignore[assignment]
        self._options = dict(connection_options or {})
        self._sessions: list[_Session] = []
        self._live: _Session | None = None
        self._retries = 0  # retries in a row since the last healthy session
        self._next: _ActionT = Action(kind="reconnect_at", at=None, reason="first session")
        self._over: str | None = None
        self._finishing = False
        self._rollover_asked = False
        self._decisions: list[_ActionT] = []

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def over(self) -> str | None:
        """Why the conversation stopped, or None while it goes on."""
        return self._over

    @property
    def retries(self) -> int:
        """Retries in a row since the last healthy session (the budget used)."""
        return self._retries

    @property
    def decisions(self) -> tuple[_ActionT, ...]:
        """Every decision taken between sessions, with its reason, in order."""
        return tuple(self._decisions)

    @property
    def connection(self) -> ClientConnection | None:
        """The live session's connection, or None between sessions."""
        return None if self._live is None else self._live.connection

    @property
    def needs_stream_start(self) -> bool:
        """True until the live session's first segment went: it must be a fresh container
        start (a stream re-muxed from the session's media offset), D43."""
        live = self._live
        return live is not None and not live.streamed()

    def start_session(self, now: float, media_offset: float) -> ClientConnection:
        """Open the next session: the media its first segment carries starts `media_offset`
        seconds into the conversation. Returns its ClientConnection, a SummaryFold attached.
        Raises ConversationOver once the conversation stopped, ValueError while a session
        is live or when media_offset goes back before an earlier session's."""
        if self._over is not None:
            raise ConversationOver(self._over)
        if self._live is not None:
            raise ValueError("a session is live: call session_ended first")
        offset = _number("media_offset", media_offset)
        if self._sessions and offset < self._sessions[-1].media_offset:
            raise ValueError(
                f"media_offset {offset} is before the last session's "
                f"{self._sessions[-1].media_offset}"
            )
        record = self._options.get("record")
        if record is not None:
            # One recording for the whole conversation: each session's lines follow its own
            # `session` line (python -m interhuman_stream check replays them one by one).
            record(session_line(len(self._sessions), offset, now))
        fold = SummaryFold()
        connection = ClientConnection(fold=fold, **self._options)
        session = _Session(len(self._sessions), offset, now, connection)
        session.fold = fold
        self._sessions.append(session)
        self._live = session
        self._rollover_asked = False
        return connection

    def receive(self, data: bytes | str, now: float) -> Received:
        """The live connection's receive, noting when session.ready arrived (the rollover and
        the healthy-session clock start then)."""
        live = self._live
        if live is None:
            raise ValueError("no live session")
        received = live.connection.receive(data, now)
        if received.change.became_ready and live.ready_at is None:
            live.ready_at = now
        return received

    def ready(self, now: float) -> None:
        """Note that session.ready arrived at `now`, for a caller that feeds the connection
        directly instead of through receive."""
        if self._live is not None and self._live.ready_at is None:
            self._live.ready_at = now

    def finish(self) -> None:
        """The media is over: after the live session ends (at once, between sessions),
        stop instead of going on."""
        self._finishing = True
        if self._live is None and self._over is None:
            reason = "finished: the media is over"
            last = self._sessions[-1] if self._sessions else None
            if last is not None and not last.graceful:
                reason += f"; the last session: {last.end_reason}"
            self._decide(Action(kind="stop", reason=reason), stop=True)

    def session_ended(
        self,
        now: float,
        *,
        close_code: int | None = None,
        error: str | ErrorMessage | None = None,
        handshake_status: int | None = None,
        lost: bool = False,
    ) -> _ActionT:
        """The live session is over: the WebSocket closed with `close_code`, or an error
        ended it (`error`, its code or message), or the handshake was refused with HTTP
        `handshake_status`, or the connection was lost (`lost`: ConnectionLost). Decides
        what comes next (D42, D44) and returns it, as next_action will."""
        live = self._live
        if live is None:
            raise ValueError("no live session")
        self._live = None
        live.ended_at = now
        if live.connection.state is not SessionState.CLOSED:
            # The transport may not have told the connection (it finalises the fold, and a
            # recording gets its `lost` line).
            live.connection.connection_lost(close_code)
        # An error envelope of any protocol version, or its code.
        code = error if error is None or isinstance(error, str) else error.data.code
        if code is None:
            # The last error the session reported, if the session did not end gracefully.
            errors = live.fold.summary().errors
            if errors and not live.fold.summary().complete:
                code = errors[-1].code
        graceful = live.fold.summary().complete and close_code in (None, 1000) and not lost
        if handshake_status is not None:
            graceful = False
        streamed = live.streamed()
        ready = live.ready_at is not None and live.connection.ready is not None
        catalog = protocol_version(live.connection.version).catalog
        kind, reason = self._judge(
            graceful,
            close_code,
            None if code is None else catalog.get(code, code),
            handshake_status,
            lost,
            ready=ready,
            streamed=streamed,
        )
        if ready and streamed and (kind == "next" or self._healthy(live, now)):
            self._retries = 0  # a healthy session: the budget starts again (D44)
        live.end_reason = reason
        live.graceful = graceful  # drained: what it was sent, it analysed (D45)
        if kind == "fatal":
            return self._decide(Action(kind="stop", reason=reason), stop=True)
        if self._finishing:
            return self._decide(Action(kind="stop", reason="finished: " + reason), stop=True)
        if kind == "next":
            return self._decide(Action(kind="reconnect_at", at=now, reason=reason))
        if self._retries >= self.retry_budget:
            return self._decide(
                Action(
                    kind="stop",
                    reason=f"retry budget {self.retry_budget} spent; last: {reason}",
                ),
                stop=True,
            )
        delay = self.backoff_delay(self._retries)
        self._retries += 1
        return self._decide(
            Action(
                kind="reconnect_at",
                at=now + delay,
                reason=(
                    f"retry {self._retries} of {self.retry_budget} after {delay:.3f} s: {reason}"
                ),
            )
        )

    def _healthy(self, live: _Session, now: float) -> bool:
        """Streamed `healthy_seconds` after session.ready - or half the session's maximum,
        when that is shorter (a client token's short maximum leaves no 30 s session)."""
        ready = live.connection.ready
        if live.ready_at is None or ready is None:
            return False
        needed = min(self.healthy_seconds, ready.session_max_duration_seconds / 2)
        return now - live.ready_at >= needed

    def backoff_bounds(self, attempt: int) -> tuple[float, float]:
        """The delay range of retry `attempt` (from 0): equal jitter over the capped
        exponential delay (D44)."""
        # The exponent is capped: the delay reaches the cap long before, and a large budget
        # must not overflow a float.
        growth = self.backoff_factor ** min(attempt, 64)
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * growth)
        return ceiling / 2, ceiling

    def backoff_delay(self, attempt: int) -> float:
        """A delay for retry `attempt` (from 0), within backoff_bounds."""
        low, high = self.backoff_bounds(attempt)
        u = self._random()
        if not 0 <= u < 1:
            raise ValueError(f"the jitter source returned {u!r}, not a float in [0, 1)")
        return low + (high - low) * u

    def rollover_margin(self, maximum: float) -> float:
        """The margin used against a session maximum of `maximum` seconds: at most half of
        it, so that a short maximum (a client token's) still leaves each session half its
        time instead of a rollover before the first segment (D43)."""
        return min(self.rollover_margin_seconds, maximum / 2)

    def next_action(self, now: float, *, media_end: float | None = None) -> _ActionT:
        """What to do at `now`: while a session is live, stream, or rollover (D43) once
        `now` passes ready_at + session_max_duration_seconds - the margin, or - with
        count_media_time, and once the session sent a segment - when sending the next
        segment would take the session's media (from its media offset to `media_end`, the
        conversation time that segment ends at) past the maximum less the margin; between
        sessions, the decision session_ended took (reconnect_at, stop)."""
        if self._over is not None:
            return Action(kind="stop", reason=self._over)
        live = self._live
        if live is None:
            if self._next.at is None:
                return Action(kind="reconnect_at", at=now, reason=self._next.reason)
            return self._next
        ready = live.connection.ready
        if live.ready_at is None or ready is None or self._finishing:
            return Action(kind="stream", reason="session live")
        maximum = ready.session_max_duration_seconds
        margin = self.rollover_margin(maximum)
        due = live.ready_at + maximum - margin
        sent = live.streamed()
        if now >= due and sent:  # never before the first segment: the session would be empty
            self._rollover_asked = True
            return Action(
                kind="rollover",
                at=due,
                reason=(f"planned rollover: {margin:g} s before the {maximum:g} s maximum"),
            )
        if (
            self.count_media_time
            and media_end is not None
            and media_end - live.media_offset > maximum - margin + 1e-6  # not float noise
            and sent
        ):
            self._rollover_asked = True
            return Action(
                kind="rollover",
                at=now,
                reason=(
                    f"planned rollover: the next segment would take the session's media to "
                    f"{media_end - live.media_offset:g} s, past {maximum:g} s less {margin:g} s"
                ),
            )
        return Action(kind="stream", at=due, reason="session live")

    def _decide(self, action: _ActionT, *, stop: bool = False) -> _ActionT:
        self._decisions.append(action)
        self._next = action
        if stop:
            self._over = action.reason
        return action

    def _judge(
        self,
        graceful: bool,
        close_code: int | None,
        error: ErrorInfo | str | None,
        status: int | None,
        lost: bool,
        *,
        ready: bool,
        streamed: bool,
    ) -> tuple[Literal["fatal", "next", "retry"], str]:
        """D42: fatal, next (open the next session at once) or retry (with backoff). `error`:
        the catalog entry of the error that ended the session, in its protocol version, or
        the code of one the catalog does not list."""
        if status is not None:
            if status in FATAL_HTTP_STATUSES:
                return "fatal", f"handshake refused with HTTP {status}"
            return "retry", f"handshake refused with HTTP {status}"
        code = error if error is None or isinstance(error, str) else error.code
        if error is not None:
            verdict = "unknown" if isinstance(error, str) else error.verdict
            if verdict == "fatal":
                return "fatal", f"error {code} ({verdict})"
            if code in NEXT_ERRORS and streamed:
                return "next", f"error {code} (the session reached its maximum)"
            if verdict in ("retry_later", "ends"):
                return "retry", f"error {code} ({verdict})"
        if close_code in FATAL_CLOSE_CODES or (close_code in REFUSAL_CLOSE_CODES and not ready):
            return "fatal", f"closed with {close_code}"
        if graceful and not streamed:
            # Over before any media went (a zero maximum, an ending right after ready):
            # opening the next at once could loop for ever without progress.
            return "retry", "ended before any media was sent"
        if graceful:
            if self._rollover_asked:
                return "next", "planned rollover"
            return "next", "session ended gracefully"
        if lost:
            return "retry", "connection lost" + ("" if close_code is None else f" ({close_code})")
        if close_code in RETRY_CLOSE_CODES:
            return "retry", f"closed with {close_code}"
        return "retry", (
            "ended without session.ended"
            + ("" if close_code is None else f" (close {close_code})")
            + ("" if code is None else f" after error {code}")
        )

    # -- records and the stitched summary -------------------------------------------------

    @property
    def sessions(self) -> tuple[_RecordT, ...]:
        """Every session so far, in order, each with its own summary."""
        return tuple(
            SessionRecord(
                index=s.index,
                media_offset=s.media_offset,
                started_at=s.started_at,
                ready_at=s.ready_at,
                ended_at=s.ended_at,
                end_reason=s.end_reason,
                graceful=s.graceful,
                summary=s.fold.summary(),
            )
            for s in self._sessions
        )

    @property
    def errors(self) -> tuple[tuple[int, SummaryError], ...]:
        """Every error of every session, with its session index, in order."""
        return tuple((s.index, error) for s in self._sessions for error in s.fold.summary().errors)

    def summary(self) -> SessionSummary:
        """All sessions folded into one summary on the conversation timeline (D45)."""
        return stitch_summaries(
            [
                SessionPart(
                    s.media_offset, s.fold.summary(), s.graceful, s.connection.ready is not None
                )
                for s in self._sessions
            ],
            self.seam_tolerance_seconds,
        )


class SessionPart(NamedTuple):
    """One session as stitch_summaries takes it: where its media starts in the conversation,
    its own summary, whether it ended gracefully, and whether it reached session.ready (a
    session refused before it analysed nothing: only its errors are kept)."""

    media_offset: float
    summary: SessionSummary
    graceful: bool
    ready: bool


def stitch_summaries(parts: list[SessionPart], tolerance: float) -> SessionSummary:
    """Sessions' summaries on one timeline (D45)."""
    stitch = _Stitch(tolerance)
    previous_graceful: bool | None = None  # None: no session was analysed yet
    for index, part in enumerate(parts):
        if part.ready:
            reason = "seam" if previous_graceful else "drop"
            stitch.session(part.media_offset, part.summary, seam_reason=reason)
            previous_graceful = part.graceful
        stitch.errors.extend(replace(error, session=index) for error in part.summary.errors)
    last = parts[-1] if parts else None
    complete = last is not None and last.ready and last.graceful and last.summary.complete
    return stitch.summary(complete=complete)


class _Stitch:
    """Sessions folded one after another onto the conversation timeline (D45)."""

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.signals: list[SignalInterval] = []
        self.open_signals: list[OpenSignal] = []
        self.engagement: list[EngagementInterval] = []
        self.coverage: list[CoverageGap] = []
        self.errors: list[SummaryError] = []
        self.feedback: list[str] = []
        self.timeline: list[Any] = []
        self.overall: Any = None
        self.correlation_id: str | None = None
        self.cursor: float | None = None  # the end of the media analysed so far
        # Set per session: its media offset, and the time nothing of it may come before.
        self.offset = 0.0
        self.floor = 0.0

    def at(self, seconds: float) -> float:
        """A session time on the conversation timeline, never before media counted already."""
        return max(self.floor, seconds + self.offset)

    def session(self, offset: float, part: SessionSummary, *, seam_reason: str) -> None:
        cursor = self.cursor
        self.offset = offset
        self.floor = offset if cursor is None else max(offset, cursor)
        if cursor is not None:
            graceful = seam_reason == "seam"
            if graceful and cursor < offset <= cursor + self.tolerance:
                # The session drained: it analysed the media it was sent, and what its last
                # reports stop short of the seam by is the tail of its last reading, not lost
                # media; the engagement in force runs to the seam (D45).
                engagement = self.engagement
                if engagement and engagement[-1].end >= cursor:
                    engagement[-1] = replace(engagement[-1], end=offset)
                cursor = offset
            # Every seam is listed, so the timeline shows where sessions were joined: it spans
            # the media no session analysed there, none when they met or overlapped (D45).
            self.coverage.append(
                CoverageGap(
                    kind="dropped", start=cursor, end=max(cursor, offset), reason=seam_reason
                )
            )
        if self.correlation_id is None:
            self.correlation_id = part.correlation_id
        self.add_signals(part, cursor)
        self.add_rest(part)
        end = self.at(part.last_time)
        self.cursor = end if cursor is None else max(cursor, end)

    def add_signals(self, part: SessionSummary, seam: float | None) -> None:
        signals, at = self.signals, self.at
        joined: set[str] = set()
        for interval in sorted(part.signals, key=lambda s: (s.start, s.end, s.type)):
            start, end = at(interval.start), at(interval.end)
            moved = replace(interval, start=start, end=max(start, end))
            index = self.match(interval.type, start, seam, joined)
            if index is None:
                signals.append(moved)
            else:
                earlier = signals[index]
                signals[index] = replace(
                    moved,
                    start=earlier.start,
                    end=max(earlier.end, moved.end),
                    history=earlier.history + moved.history,
                )
            joined.add(interval.type)
        self.open_signals = []
        for signal in part.open_signals:
            start, history = at(signal.start), list(signal.history)
            index = self.match(signal.type, start, seam, joined)
            if index is not None:
                earlier = signals.pop(index)
                start, history = earlier.start, earlier.history + history
            self.open_signals.append(replace(signal, start=start, history=history))

    def add_rest(self, part: SessionSummary) -> None:
        at, engagement = self.at, self.engagement
        for state in part.engagement_state:
            start, end = at(state.start), at(state.end)
            if engagement and engagement[-1].state == state.state and start <= engagement[-1].end:
                # The same level going on (a drop's gap is not bridged: nothing was analysed).
                engagement[-1] = replace(engagement[-1], end=max(engagement[-1].end, end))
            else:
                engagement.append(replace(state, start=start, end=max(start, end)))
        for gap in part.coverage:
            start, end = at(gap.start), at(gap.end)
            if end > start or gap.end <= gap.start:
                self.coverage.append(replace(gap, start=start, end=end))
        quality = part.conversation_quality
        periods = quality.timeline if isinstance(quality, QualitySummary) else part.quality_timeline
        if isinstance(quality, QualitySummary):
            self.overall = quality.overall
        if isinstance(periods, list):
            for period in periods:
                start, end = at(period.start), at(period.end)
                if end > start and (not self.timeline or start >= self.timeline[-1].end):
                    self.timeline.append(replace(period, start=start, end=end))
        self.feedback.extend(part.feedback_messages)

    def match(
        self, signal_type: str, start: float, seam: float | None, joined: set[str]
    ) -> int | None:
        """The index of the earlier session's interval a signal starting at `start`
        continues: the same type, its last interval ended within the tolerance of the seam,
        and this one starts within the tolerance of that end; only the session's first
        interval of the type (D45)."""
        if seam is None or signal_type in joined:
            return None
        tolerance = self.tolerance
        for index in range(len(self.signals) - 1, -1, -1):
            earlier = self.signals[index]
            if earlier.type != signal_type:
                continue
            if earlier.end >= seam - tolerance and start - earlier.end <= tolerance:
                return index
            return None
        return None

    def summary(self, *, complete: bool) -> SessionSummary:
        timeline, overall = self.timeline, self.overall
        return SessionSummary(
            signals=sorted(self.signals, key=lambda s: (s.start, s.end, s.type)),
            engagement_state=self.engagement,
            open_signals=self.open_signals,
            coverage=self.coverage,
            errors=self.errors,
            feedback_messages=self.feedback,
            conversation_quality=(
                QualitySummary(overall=overall, timeline=list(timeline))
                if overall is not None
                else UNSET
            ),
            quality_timeline=list(timeline) if overall is None and timeline else UNSET,
            correlation_id=self.correlation_id,
            complete=complete,
            partial=not complete,
            last_time=0.0 if self.cursor is None else self.cursor,
        )
