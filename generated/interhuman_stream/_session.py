# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json, spec/segments.json
# Template: codegen/templates/_session.py.jinja2

"""The engine that applies the session contract, shared by both roles.

Theory of operation: a session is one state (SessionState) plus what the frames so far have
established: the ready contract, configs sent and acknowledged, active signals, the last
engagement level, the segments sent, the connection's correlation id, the drain limit. Every
frame is an event (`segment`, `config`, `close`, or a server envelope type, `unknown` for
types the spec does not define). For each event the contract table (contract.json, rendered
into _contract.py) gives, per state, the next state or the rule that forbids it; guards check
the frame's content; effects update what the session knows. The engine is told which role it
plays: a rule broken by that role is our caller's mistake (LocalProtocolError, nothing
changes), a rule broken by the peer is a violation (RemoteProtocolError in strict mode;
otherwise recorded while the frame is still delivered). Every breach carries a `detail` that
names the offending value and the limit or set it broke: each check has an explanation,
asked for only when the check failed, and it may name several values (one breach each).

For speed, the table is compiled once per role and set of switches into one plan per
(event, state): the next state or forbidding rule, plus the guard and effect callables that
apply. Handling a frame is then a dict lookup and a few calls. The engine never reads a clock,
does no I/O and keeps no reference to any transport: time arrives as the `now` argument
(any monotonic clock, in seconds; a finite number, checked at the call) and frames arrive as
already-decoded values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

import msgspec
from msgspec import UNSET, Struct

from ._codec import MESSAGE_CLASSES, UnknownMessage
from ._contract import (
    DEADLINE_RULES,
    EFFECTS,
    EVENT_SENDERS,
    GUARDS,
    INITIAL_STATE,
    MOVES,
    Effect,
    Guard,
    Rule,
    SessionState,
)
from ._errors import LocalProtocolError, RemoteProtocolError, Role, Violation
from ._models import (
    EngagementUpdatedData,
    SessionClosingData,
    SessionConfig,
    SessionReadyData,
    SessionUpdatedData,
    SignalData,
)
from ._segments import (
    CONTAINER_FORMATS,
    POSSIBLE_SEGMENT_INDEX_BASES,
    SEGMENT_INDEX_BASE,
    sniff_container,
)
from ._vocab import ENGAGEMENT_STATES, PROBABILITIES

EVERY_SERVER_EVENT: Final = "*"
"""A guard or effect on this event applies to every event the server sends."""


def binary(data: object) -> bytes:
    """A video segment as bytes; anything that is not binary data is a caller's mistake."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        raise TypeError(
            "a segment is binary data (bytes), not a text frame (str): text frames are the "
            "config and the close, sent with send_config and send_close"
        )
    raise TypeError(f"a segment is binary data (bytes), not {type(data).__name__}")


_INF: Final = float("inf")


def checked_now(now: object) -> float | None:
    """`now` as the engine takes it: None, or a finite real number of seconds. Anything else
    is refused at the call: a NaN or infinite clock would switch the deadlines off silently."""
    if now is None:
        return None
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError(
            f"now is a number of seconds from a monotonic clock, not {type(now).__name__}"
        )
    if not -_INF < now < _INF:
        raise ValueError(f"now must be a finite number of seconds, not {now!r}")
    return float(now)


MAX_RECORDED_VIOLATIONS: Final = 1000
"""Violations kept on a session; a peer that breaks the contract endlessly cannot use up memory."""

DEFAULT_MAX_SIGNAL_TYPES: Final = 1000
"""Distinct signal types a connection tracks (active signals and their latest times); the
documented vocabulary has 13, so only a hostile or broken peer reaches it (D39)."""

DEFAULT_VIOLATION_EXCERPT_BYTES: Final = 16 * 1024
"""A violation keeps the offending message when its JSON is at most this long, else an
excerpt: 1,000 kept violations stay within about 16 MiB whatever the peer sends (D39)."""

_excerpt_encoder: Final = msgspec.json.Encoder()


class FrameExcerpt(Struct, frozen=True, kw_only=True):
    """What a violation keeps of a message too large to keep whole: its type, its size as
    JSON in bytes, and its first bytes as text."""

    type: str
    size: int
    head: str


class SentSegment(Struct, frozen=True, kw_only=True):
    """A binary video frame: its index as error.segment counts it under segment index base
    `base`, its size, when it went (D8, D36)."""

    index: int
    size: int
    sent_at: float | None = None
    base: int = SEGMENT_INDEX_BASE


class Deadline(Struct, frozen=True, kw_only=True):
    """A running time limit: when it passes (same clock as `now`), the error the server
    sends then (None: it sends none), and what that means for the client."""

    id: str
    at: float
    error_code: str | None
    means: str


class Fold(Protocol):
    """What a connection feeds (SummaryFold, or your own): every message it applied, in
    order, and the loss of the connection."""

    def add(self, message: Any) -> None: ...

    def connection_lost(self) -> None: ...


_Check = Callable[["Session", Guard, Any], bool]
_Explain = Callable[["Session", Guard, Any], tuple[str, ...]]
_Apply = Callable[["Session", Effect, Any, "float | None"], None]


class _Plan(Struct, frozen=True):
    """What an event does in a state, compiled from the table for one role: the next state
    (or the rule that forbids the event there), the guards that apply and the effects."""

    target: SessionState | None
    forbidden: Rule | None
    guards: tuple[tuple[Guard, _Check], ...]
    effects: tuple[tuple[Effect, _Apply], ...]


class Session:
    """Tracked state of one session and the contract engine; see the module docstring."""

    __slots__ = (
        "_acknowledged",
        "_audit",
        "_capped",
        "_closing",
        "_closing_at",
        "_correlation_id",
        "_engagement",
        "_excerpt_bytes",
        "_fold",
        "_handled",
        "_include",
        "_last_client_frame_at",
        "_last_period_end",
        "_max_signal_types",
        "_on",
        "_pending_configs",
        "_plans",
        "_ready",
        "_ready_at",
        "_replies",
        "_segment_base",
        "_segments",
        "_signals",
        "_state",
        "_strict",
        "_track_times",
        "_violations",
        "close_code",
        "role",
        "violation_count",
    )

    def __init__(
        self,
        role: Role,
        *,
        strict: bool,
        switches: Mapping[str, bool],
        audit: bool = False,
        segment_index_base: int | None = None,
        max_signal_types: int = DEFAULT_MAX_SIGNAL_TYPES,
        violation_excerpt_bytes: int = DEFAULT_VIOLATION_EXCERPT_BYTES,
        fold: Fold | None = None,
    ) -> None:
        for name, value in (
            ("max_signal_types", max_signal_types),
            ("violation_excerpt_bytes", violation_excerpt_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} is a whole number >= 1, not {value!r}")
        if (
            segment_index_base is not None
            and segment_index_base not in POSSIBLE_SEGMENT_INDEX_BASES
        ):
            raise ValueError(
                f"segment_index_base {segment_index_base!r} is not one of "
                f"{sorted(POSSIBLE_SEGMENT_INDEX_BASES)} (or None: not known)"
            )
        self.role: Role = role
        self._strict = strict
        self._plans = _compiled_plans(role, frozenset(k for k, on in switches.items() if not on))
        self._state = INITIAL_STATE
        self._on = _ON[INITIAL_STATE]
        self._ready: SessionReadyData | None = None
        self._ready_at: float | None = None
        self._closing: SessionClosingData | None = None
        self._closing_at: float | None = None
        self._last_client_frame_at: float | None = None
        self._pending_configs: list[SessionConfig] = []
        self._acknowledged: SessionUpdatedData | None = None
        self._include: frozenset[str] = frozenset()  # the acknowledged include flags
        self._signals: dict[str, SignalData] = {}
        self._engagement: EngagementUpdatedData | None = None
        self._segments: list[SentSegment] = []
        self._segment_base = segment_index_base
        self._correlation_id: str | None = None
        self._last_period_end: float | None = None
        self._track_times: dict[str, float] = {}  # signal type -> latest time reported
        self._max_signal_types = max_signal_types
        self._capped = False  # a signal type beyond max_signal_types was reported
        self._excerpt_bytes = violation_excerpt_bytes
        self._fold = fold
        self._handled = 0  # frames that took the engine's full path
        self._violations: list[Violation] = []
        self._replies: list[str] = []
        self._audit = audit
        self.close_code: int | None = None
        self.violation_count = 0

    # -- what the session knows ---------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """Where the session is."""
        return self._state

    @property
    def ready(self) -> SessionReadyData | None:
        """The session contract from session.ready (timeouts, segment limits, options)."""
        return self._ready

    @property
    def closing(self) -> SessionClosingData | None:
        """The drain limit from session.closing, or None before it."""
        return self._closing

    @property
    def correlation_id(self) -> str | None:
        """The connection's id: the correlation_id of its envelopes (D37)."""
        return self._correlation_id

    @property
    def acknowledged_config(self) -> SessionUpdatedData | None:
        """The config in force: the data of the last session.updated, or None before one."""
        return self._acknowledged

    @property
    def pending_configs(self) -> tuple[SessionConfig, ...]:
        """Config frames sent and not yet acknowledged (or rejected), oldest first."""
        return tuple(self._pending_configs)

    @property
    def active_signals(self) -> Mapping[str, SignalData]:
        """Active signals by signal type, each with its last reported reading."""
        return dict(self._signals)

    @property
    def engagement(self) -> EngagementUpdatedData | None:
        """The last engagement level reported, or None before the first."""
        return self._engagement

    @property
    def segments_sent(self) -> tuple[SentSegment, ...]:
        """Every binary video frame sent on this connection, in order."""
        return tuple(self._segments)

    @property
    def segment_index_base(self) -> int | None:
        """The base error.segment counts from, when known; None (the default): no source
        says, so an index any possible base explains is accepted (D36)."""
        return self._segment_base

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Contract breaches by the peer, in order (the first MAX_RECORDED_VIOLATIONS of them;
        `violation_count` counts them all)."""
        return tuple(self._violations)

    def segment(self, index: int | None) -> SentSegment | None:
        """The sent segment with this error.segment index, or None. Its `base` says under
        which base it was picked: the connection's, when known; otherwise the assumed base
        first, then any other possible base that explains the index (D36)."""
        if index is None:
            return None
        count = len(self._segments)
        for base in self._bases():
            position = index - base
            if 0 <= position < count:
                sent = self._segments[position]
                if sent.base == base:
                    return sent
                return SentSegment(index=index, size=sent.size, sent_at=sent.sent_at, base=base)
        return None

    def _bases(self) -> tuple[int, ...]:
        if self._segment_base is not None:
            return (self._segment_base,)
        return _BASES_TO_TRY

    # -- time ---------------------------------------------------------------------------

    def deadlines(self) -> tuple[Deadline, ...]:
        """The time limits running now, earliest first: a limit runs in the states the
        contract gives it, from the `now` given with the message that announced it (none
        when that message was handled without `now`)."""
        state = self._state
        found = []
        for rule in DEADLINE_RULES:
            if state not in rule.states:
                continue
            if rule.of == "session.closing":
                announced: Any = self._closing
                since = self._closing_at
            else:
                announced, since = self._ready, self._ready_at
            if announced is None or since is None:
                continue
            if rule.since == "last_client_frame" and self._last_client_frame_at is not None:
                since = max(since, self._last_client_frame_at)
            limit = getattr(announced, rule.limit)
            found.append(
                Deadline(id=rule.id, at=since + limit, error_code=rule.error_code, means=rule.means)
            )
        return tuple(sorted(found, key=lambda deadline: (deadline.at, deadline.id)))

    def next_deadline(self) -> Deadline | None:
        """The earliest running deadline, or None."""
        running = self.deadlines()
        return running[0] if running else None

    def expired(self, now: float) -> tuple[Deadline, ...]:
        """The deadlines that have passed at `now`."""
        if checked_now(now) is None:
            raise TypeError("expired() needs now, a number of seconds")
        return tuple(deadline for deadline in self.deadlines() if deadline.at <= now)

    # -- the engine ---------------------------------------------------------------------

    def _handle(self, event: str, payload: Any, now: float | None) -> None:
        now = checked_now(now)
        self._handled += 1
        plan = self._plans[event, self._state]
        breaches: list[Violation] | None = None  # only built when something breaks
        forbidden = plan.forbidden
        applied = forbidden is None
        if forbidden is not None:
            detail = self._move_detail(event)
            breaches = self._breach(forbidden, event, payload, now, breaches, detail=detail)
            if forbidden.still_applies:
                # A frame the session follows although the state forbade it (a result before
                # session.ready): what its effects change is applied, nothing else.
                applied = event in _CHANGING_EVENTS
                for effect, apply in _EFFECTS_OF[event]:
                    apply(self, effect, payload, now)
        else:
            for guard, check in plan.guards:
                if check(self, guard, payload):
                    continue
                if guard.server_reply is not None and self.role == "server":
                    self._replies.append(guard.server_reply)  # answered, not reported
                    continue
                for detail in _EXPLAIN[guard.check](self, guard, payload) or ("",):
                    breaches = self._breach(
                        guard.rule, event, payload, now, breaches, detail=detail
                    )
            # Even a frame whose content broke a rule was sent: the session follows it.
            for effect, apply in plan.effects:
                apply(self, effect, payload, now)
            if plan.target is not self._state:
                self._move(plan.target)  # type: ignore[arg-type]  # allowed moves have a target
        if now is not None and EVENT_SENDERS[event] == "client":
            self._last_client_frame_at = now
        if applied and self._fold is not None and EVENT_SENDERS[event] == "server":
            self._fold.add(payload)  # the fold follows what the session applied
        if breaches and self._strict:
            # Raised after the frame was applied, so strict and lenient sessions stay alike.
            first = breaches[0]
            error = RemoteProtocolError(
                first.says,
                rule=first.rule,
                role=self.role,
                state=first.state,
                event=event,
                hint=first.hint,
                received=payload,
                detail=first.detail,
            )
            error.violations = tuple(breaches)
            raise error

    def _move_detail(self, event: str) -> str:
        allowed = sorted(
            name
            for name in EVENT_SENDERS
            if not isinstance(MOVES[name, self._state], Rule)
            and EVENT_SENDERS[name] in (self.role, _PEER[self.role])
            and name != "connection_lost"
        )
        return f"{event} in state {self._state.value}; allowed there: {', '.join(allowed) or 'nothing'}"

    def _breach(
        self,
        rule: Rule,
        event: str,
        payload: Any,
        now: float | None,
        breaches: list[Violation] | None,
        *,
        detail: str = "",
    ) -> list[Violation] | None:
        state = self._state.value
        if rule.peer_ignores and rule.breaker != self.role:
            return breaches  # frames crossed on the wire; the peer did nothing wrong
        if rule.breaker == "caller" or (rule.breaker == self.role and not self._audit):
            raise LocalProtocolError(
                rule.says,
                rule=rule.id,
                role=self.role,
                state=state,
                event=event,
                hint=rule.hint,
                received=None if EVENT_SENDERS[event] == self.role else payload,
                detail=detail,
            )
        if isinstance(payload, (bytes, bytearray, memoryview)):
            # Keep what identifies the frame, not megabytes of video.
            index = self._next_segment_base() + len(self._segments)
            payload = SentSegment(
                index=index, size=len(payload), sent_at=now, base=self._next_segment_base()
            )
        violation = Violation(
            rule=rule.id,
            says=rule.says,
            state=state,
            event=event,
            received=self._excerpt(event, payload),
            hint=rule.hint,
            detail=detail,
        )
        self.violation_count += 1
        if len(self._violations) < MAX_RECORDED_VIOLATIONS:
            self._violations.append(violation)
        return [violation] if breaches is None else [*breaches, violation]

    def _excerpt(self, event: str, payload: Any) -> Any:
        """The payload, or a FrameExcerpt of it when its JSON is longer than the cap."""
        if payload is None or isinstance(payload, SentSegment):
            return payload
        raw = payload.raw if isinstance(payload, UnknownMessage) else None
        if raw is None:
            try:
                raw = _excerpt_encoder.encode(payload)
            except (TypeError, ValueError):  # a caller's malformed config in audit mode
                return payload
        if len(raw) <= self._excerpt_bytes:
            return payload
        kind = payload.type if isinstance(payload, UnknownMessage) else event
        head = bytes(raw[: self._excerpt_bytes]).decode("utf-8", "replace")
        return FrameExcerpt(type=kind, size=len(raw), head=head)

    def _snapshot(self) -> tuple[Any, ...]:
        """What a failed multi-frame move must put back (shallow copies of the containers)."""
        return tuple(_copied(getattr(self, name)) for name in _TRACKED)

    def _restore(self, snapshot: tuple[Any, ...]) -> None:
        for name, value in zip(_TRACKED, snapshot, strict=True):
            setattr(self, name, value)

    def _next_segment_base(self) -> int:
        return SEGMENT_INDEX_BASE if self._segment_base is None else self._segment_base

    def _move(self, state: SessionState) -> None:
        self._state = state
        self._on = _ON[state]  # the receive handlers of the new state

    def _allows(self, event: str) -> Rule | None:
        """The rule that forbids `event` now, or None when the table allows it."""
        return self._plans[event, self._state].forbidden

    def connection_lost(self, code: int | None = None) -> None:
        """Tell the session its WebSocket closed (with the close code, when known); an
        attached summary fold is finalised too."""
        self.close_code = code
        self._handle("connection_lost", code, None)
        if self._fold is not None:
            self._fold.connection_lost()

    # -- guards (contract.json "check" names); each _why_ explains a failed check -------

    def _same_correlation_id(self, guard: Guard, message: Any) -> bool:
        known = self._correlation_id
        seen = getattr(message, "correlation_id", None)
        return known is None or not isinstance(seen, str) or seen == known

    def _why_same_correlation_id(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return (
            f"correlation_id {message.correlation_id!r} differs from the connection's "
            f"{self._correlation_id!r}",
        )

    def _signal_inactive(self, guard: Guard, message: Any) -> bool:
        return message.data.signal_type not in self._signals

    def _why_signal_inactive(self, guard: Guard, message: Any) -> tuple[str, ...]:
        data = message.data
        since = self._signals[data.signal_type].start
        return (f"signal_type {data.signal_type!r} is already active (since {since:g} s)",)

    def _signal_active(self, guard: Guard, message: Any) -> bool:
        return message.data.signal_type in self._signals

    def _why_signal_active(self, guard: Guard, message: Any) -> tuple[str, ...]:
        active = ", ".join(repr(name) for name in sorted(self._signals)) or "none"
        return (f"signal_type {message.data.signal_type!r} is not active (active: {active})",)

    def _signal_reading_changed(self, guard: Guard, message: Any) -> bool:
        last = self._signals.get(message.data.signal_type)
        if last is None:
            return True  # signal-updated-active reports this case
        data = message.data
        return any(
            _comparable(getattr(data, name)) != _comparable(getattr(last, name))
            for name in guard.fields
        )

    def _why_signal_reading_changed(self, guard: Guard, message: Any) -> tuple[str, ...]:
        data = message.data
        same = ", ".join(f"{name} {_shown(getattr(data, name))}" for name in guard.fields)
        return (f"signal_type {data.signal_type!r}: the reading is unchanged ({same})",)

    def _signal_time_forward(self, guard: Guard, message: Any) -> bool:
        data = message.data
        latest = self._track_times.get(data.signal_type)
        return latest is None or getattr(data, guard.fields[0]) >= latest

    def _why_signal_time_forward(self, guard: Guard, message: Any) -> tuple[str, ...]:
        data = message.data
        name = guard.fields[0]
        return (
            f"{name} {getattr(data, name):g} s of {data.signal_type!r} is before "
            f"{self._track_times[data.signal_type]:g} s, already reported for it",
        )

    def _engagement_time_forward(self, guard: Guard, message: Any) -> bool:
        last = self._engagement
        return last is None or message.data.start >= last.start

    def _why_engagement_time_forward(self, guard: Guard, message: Any) -> tuple[str, ...]:
        last = self._engagement
        assert last is not None
        return (
            f"start {message.data.start:g} s is before the last engagement start {last.start:g} s",
        )

    def _signal_types_within_cap(self, guard: Guard, message: Any) -> bool:
        return (
            self._capped
            or message.data.signal_type in self._track_times
            or len(self._track_times) < self._max_signal_types
        )

    def _why_signal_types_within_cap(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return (
            f"signal_type {message.data.signal_type!r} is beyond max_signal_types "
            f"{self._max_signal_types:,}: it and any later new type are not tracked",
        )

    def _engagement_changed(self, guard: Guard, message: Any) -> bool:
        last = self._engagement
        return last is None or last.state != message.data.state

    def _why_engagement_changed(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return (f"state {message.data.state!r} is the level already reported",)

    def _values_documented(self, guard: Guard, message: Any) -> bool:
        data = message.data
        for name in guard.fields:
            value = getattr(data, name)
            if value is None or value is UNSET:
                continue
            values = value if isinstance(value, list) else (value,)
            if not guard.documented[name].issuperset(values):
                return False
        return True

    def _why_values_documented(self, guard: Guard, message: Any) -> tuple[str, ...]:
        data = message.data
        found = []
        for name in guard.fields:
            value = getattr(data, name)
            if value is None or value is UNSET:
                continue
            documented = guard.documented[name]
            for item in value if isinstance(value, list) else (value,):
                if item not in documented:
                    found.append(f"{name} {item!r} is not one of {_listed(documented)}")
        return tuple(found)

    def _offered(self, guard: Guard, name: str) -> list[str] | None:
        """The values session.ready offers for config option `name`; None when it lists none
        (no session.ready yet, or the option absent or null: D28)."""
        ready = self._ready
        if ready is None:
            return None
        offered = getattr(getattr(ready, guard.options), name, UNSET)
        return None if offered is UNSET or offered is None else list(offered)

    def _values_documented_or_offered(self, guard: Guard, message: Any) -> bool:
        return not self._why_values_documented_or_offered(guard, message)

    def _why_values_documented_or_offered(self, guard: Guard, message: Any) -> tuple[str, ...]:
        data = message.data
        found = []
        for name in guard.fields:
            values = getattr(data, name)
            if values is None or values is UNSET:
                continue
            documented = guard.documented[name]
            offered = self._offered(guard, name) or ()
            for value in values:
                if value not in documented and value not in offered:
                    found.append(
                        f"{name} value {value!r} is neither documented ({_listed(documented)}) "
                        f"nor offered in session.ready ({_listed(offered)})"
                    )
        return tuple(found)

    def _config_pending(self, guard: Guard, message: Any) -> bool:
        return bool(self._pending_configs)

    def _why_config_pending(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return ("no config frame is waiting for an answer",)

    def _acknowledged_include_any(self, guard: Guard, message: Any) -> bool:
        return self._acknowledged is not None and not guard.flags.isdisjoint(self._include)

    def _why_acknowledged_include_any(self, guard: Guard, message: Any) -> tuple[str, ...]:
        acknowledged = self._acknowledged
        if acknowledged is None:
            return (f"no config was acknowledged, so none of {_listed(guard.flags)} is set",)
        include = _listed(_include_of(acknowledged))
        return (f"the acknowledged include {include} has none of {_listed(guard.flags)}",)

    def _requested_sections_present(self, guard: Guard, message: Any) -> bool:
        return not self._why_requested_sections_present(guard, message)

    def _why_requested_sections_present(self, guard: Guard, message: Any) -> tuple[str, ...]:
        acknowledged = self._acknowledged
        if acknowledged is None:
            return ()  # quality-needs-flag reports this case
        include = _include_of(acknowledged)
        found = []
        for section in guard.sections:
            if section.flag in include:
                value = getattr(message.data, section.field)
                if value is None or value is UNSET:
                    found.append(f"{section.field} is missing though {section.flag} is set")
                elif section.items is not None and len(value) != section.items:
                    found.append(f"{section.field} has {len(value)} entries, not {section.items}")
        return tuple(found)

    def _quality_periods_advance(self, guard: Guard, message: Any) -> bool:
        return not self._why_quality_periods_advance(guard, message)

    def _why_quality_periods_advance(self, guard: Guard, message: Any) -> tuple[str, ...]:
        timeline = message.data.timeline
        if timeline is None or timeline is UNSET:
            return ()
        found = []
        last = self._last_period_end
        for period in timeline:
            if not period.start < period.end:
                found.append(
                    f"timeline period {period.start:g}..{period.end:g} s does not start "
                    "before it ends"
                )
            elif last is not None and period.start < last:
                found.append(
                    f"timeline period {period.start:g}..{period.end:g} s starts before the "
                    f"previous period's end {last:g} s"
                )
            last = period.end if last is None else max(last, period.end)
        return tuple(found)

    def _segment_was_sent(self, guard: Guard, message: Any) -> bool:
        index = message.data.segment
        return index is None or index is UNSET or self.segment(index) is not None

    def _why_segment_was_sent(self, guard: Guard, message: Any) -> tuple[str, ...]:
        count = len(self._segments)
        bases = self._bases()
        under = " or ".join(
            f"{base}..{base + count - 1} under base {base}" if count else f"none under base {base}"
            for base in bases
        )
        return (
            f"error.segment {message.data.segment} names no sent segment ({count} sent: {under})",
        )

    def _end_reason_not(self, guard: Guard, message: Any) -> bool:
        return message.data.reason not in guard.reasons

    def _why_end_reason_not(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return (
            f"reason {message.data.reason!r} in state {self._state.value}, before "
            "session.closing arrived",
        )

    def _no_active_signals(self, guard: Guard, message: Any) -> bool:
        return not self._signals

    def _why_no_active_signals(self, guard: Guard, message: Any) -> tuple[str, ...]:
        return tuple(
            f"signal_type {name!r} (active since {data.start:g} s) got no signal.ended"
            for name, data in sorted(self._signals.items())
        )

    def _segment_not_empty(self, guard: Guard, data: bytes) -> bool:
        return len(data) > 0

    def _why_segment_not_empty(self, guard: Guard, data: bytes) -> tuple[str, ...]:
        return ("segment of 0 bytes",)

    def _segment_at_most(self, guard: Guard, data: bytes) -> bool:
        ready = self._ready
        return ready is None or len(data) <= getattr(ready, guard.limit)

    def _why_segment_at_most(self, guard: Guard, data: bytes) -> tuple[str, ...]:
        limit = getattr(self._ready, guard.limit)
        return (
            f"segment of {len(data):,} bytes is over {guard.limit} {limit:,} from session.ready",
        )

    def _segment_at_least(self, guard: Guard, data: bytes) -> bool:
        ready = self._ready
        return ready is None or len(data) >= getattr(ready, guard.limit)

    def _why_segment_at_least(self, guard: Guard, data: bytes) -> tuple[str, ...]:
        limit = getattr(self._ready, guard.limit)
        return (
            f"segment of {len(data):,} bytes is under {guard.limit} {limit:,} from session.ready",
        )

    def _segment_starts_like_container(self, guard: Guard, data: bytes) -> bool:
        # After a first segment that carried the container header, later ones may be
        # continuation chunks of the same recorder stream.
        return bool(self._segments) or sniff_container(data) is not None

    def _why_segment_starts_like_container(self, guard: Guard, data: bytes) -> tuple[str, ...]:
        names = ", ".join(container.name for container in CONTAINER_FORMATS)
        return (
            f"the first segment starts with {bytes(data[:8]).hex(' ')!s}, which matches none of "
            f"the accepted containers ({names})",
        )

    def _config_well_formed(self, guard: Guard, config: SessionConfig) -> bool:
        for name in guard.fields:
            value = getattr(config, name)
            if value is not UNSET and (
                value.__class__ is not list or not _STRINGS.issuperset(map(type, value))
            ):
                return False
        return True

    def _why_config_well_formed(self, guard: Guard, config: SessionConfig) -> tuple[str, ...]:
        found = []
        for name in guard.fields:
            value = getattr(config, name)
            if value is UNSET:
                continue
            if isinstance(value, str):
                found.append(
                    f"{name} is the bare string {value!r}, not a list of strings "
                    f"(write {name}=[{value!r}])"
                )
            elif not isinstance(value, list):
                found.append(f"{name} is {type(value).__name__}, not a list of strings")
            else:
                found += [
                    f"{name} item {item!r} is {type(item).__name__}, not a string"
                    for item in value
                    if not isinstance(item, str)
                ]
        return tuple(found)

    def _config_values_supported(self, guard: Guard, config: SessionConfig) -> bool:
        for name in guard.fields:
            wanted = getattr(config, name)
            if (
                wanted is UNSET
                or wanted.__class__ is not list
                or not _STRINGS.issuperset(map(type, wanted))
            ):
                continue  # config-well-formed reports a value that is not a list of strings
            offered = self._offered(guard, name)
            allowed = guard.documented[name] if offered is None else frozenset(offered)
            if not allowed.issuperset(wanted):
                return False
        return True

    def _why_config_values_supported(self, guard: Guard, config: SessionConfig) -> tuple[str, ...]:
        found = []
        for name in guard.fields:
            wanted = getattr(config, name)
            if wanted is UNSET or not isinstance(wanted, list):
                continue  # config-well-formed reports a value that is not a list
            offered = self._offered(guard, name)
            if offered is not None:
                allowed: Any = offered
                where = f"offered in session.ready: {_listed(offered)}"
            else:
                allowed = guard.documented[name]
                why = "before session.ready" if self._ready is None else "session.ready lists none"
                where = f"documented ({why}): {_listed(allowed)}"
            found += [
                f"{name} value {value!r} is not {where}"
                for value in wanted
                if isinstance(value, str) and value not in allowed
            ]
        return tuple(found)

    # -- effects (contract.json "effect" names) -----------------------------------------

    def _remember_correlation_id(self, effect: Effect, message: Any, now: float | None) -> None:
        if self._correlation_id is None:
            seen = getattr(message, "correlation_id", None)
            if isinstance(seen, str):
                self._correlation_id = seen

    def _store_ready(self, effect: Effect, message: Any, now: float | None) -> None:
        self._ready = message.data
        self._ready_at = now

    def _store_closing(self, effect: Effect, message: Any, now: float | None) -> None:
        self._closing = message.data
        self._closing_at = now

    def _queue_config(self, effect: Effect, config: SessionConfig, now: float | None) -> None:
        self._pending_configs.append(config)

    def _acknowledge_config(self, effect: Effect, message: Any, now: float | None) -> None:
        if self._pending_configs:
            del self._pending_configs[0]
        self._acknowledged = message.data
        self._include = frozenset(_include_of(message.data))

    def _reject_config(self, effect: Effect, message: Any, now: float | None) -> None:
        if message.data.code in effect.codes and self._pending_configs:
            del self._pending_configs[0]

    def _record_segment(self, effect: Effect, data: bytes, now: float | None) -> None:
        base = self._next_segment_base()
        self._segments.append(
            SentSegment(index=base + len(self._segments), size=len(data), sent_at=now, base=base)
        )

    def _tracks(self, signal_type: str) -> bool:
        """Whether a signal type is, or may become, tracked (max_signal_types)."""
        if signal_type in self._track_times or len(self._track_times) < self._max_signal_types:
            return True
        self._capped = True
        return False

    def _open_signal(self, effect: Effect, message: Any, now: float | None) -> None:
        if self._tracks(message.data.signal_type):
            self._signals[message.data.signal_type] = message.data

    def _record_signal_time(self, effect: Effect, message: Any, now: float | None) -> None:
        data = message.data
        if self._tracks(data.signal_type):
            time = getattr(data, effect.fields[0])
            self._track_times[data.signal_type] = max(
                time, self._track_times.get(data.signal_type, time)
            )

    def _close_signal(self, effect: Effect, message: Any, now: float | None) -> None:
        self._signals.pop(message.data.signal_type, None)

    def _set_engagement(self, effect: Effect, message: Any, now: float | None) -> None:
        self._engagement = message.data

    def _record_quality_period(self, effect: Effect, message: Any, now: float | None) -> None:
        timeline = message.data.timeline
        if timeline is None or timeline is UNSET or not timeline:
            return
        end = max(period.end for period in timeline)
        last = self._last_period_end
        self._last_period_end = end if last is None else max(last, end)


_PEER: Final[dict[str, str]] = {"client": "server", "server": "client"}
# Events whose effects change the session beyond remembering the correlation id.
_CHANGING_EVENTS: Final = frozenset(
    effect.event for effect in EFFECTS if effect.event != EVERY_SERVER_EVENT
)
_STRINGS: Final = frozenset({str})
# Everything a frame can change (not the role, the mode or the compiled plans).
_TRACKED: Final = tuple(
    name for name in Session.__slots__ if name not in ("_plans", "_strict", "_audit", "role")
)


def _copied(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return value.copy()
    return value


_BASES_TO_TRY: Final = (
    SEGMENT_INDEX_BASE,
    *(base for base in POSSIBLE_SEGMENT_INDEX_BASES if base != SEGMENT_INDEX_BASE),
)


def _include_of(config: SessionUpdatedData) -> list[str]:
    # An absent include in session.updated means no flag is in force (D30).
    include = config.include
    return [] if include is UNSET else include


def _listed(values: Any) -> str:
    return "[" + ", ".join(repr(value) for value in sorted(values)) + "]"


def _shown(value: Any) -> str:
    return "absent" if value is UNSET else repr(value)


def _unchanged(last: SignalData, data: SignalData) -> bool:
    """The fast form of signal_reading_changed's negation. A field that can be neither null
    nor a list compares raw; one that can be null also equals absent; a list compares as
    _comparable says."""
    return (
        (
            data.probability == last.probability
            or (
                (data.probability is None or data.probability is UNSET)
                and (last.probability is None or last.probability is UNSET)
            )
        )
        and (
            data.rationale == last.rationale
            or (
                (data.rationale is None or data.rationale is UNSET)
                and (last.rationale is None or last.rationale is UNSET)
            )
        )
        and (
            data.modality == last.modality
            or _comparable(data.modality) == _comparable(last.modality)
        )
    )


def _comparable(value: Any) -> Any:
    # An absent value and null say the same (no value); a list of channels is a set.
    if value is UNSET:
        return None
    if isinstance(value, list):
        return frozenset(value)
    return value


def _only_for_codes(check: _Check) -> _Check:
    def checked(session: Session, guard: Guard, message: Any) -> bool:
        return message.data.code not in guard.codes or check(session, guard, message)

    return checked


_CHECKS: Final[dict[str, _Check]] = {
    name: getattr(Session, f"_{name}") for name in sorted({guard.check for guard in GUARDS})
}
_EXPLAIN: Final[dict[str, _Explain]] = {
    name: getattr(Session, f"_why_{name}") for name in sorted({guard.check for guard in GUARDS})
}
_APPLIERS: Final[dict[str, _Apply]] = {
    name: getattr(Session, f"_{name}") for name in sorted({effect.effect for effect in EFFECTS})
}


def _applies_to(item_event: str, event: str) -> bool:
    return item_event == event or (
        item_event == EVERY_SERVER_EVENT and EVENT_SENDERS[event] == "server"
    )


_EFFECTS_OF: Final[dict[str, tuple[tuple[Effect, _Apply], ...]]] = {
    event: tuple((e, _APPLIERS[e.effect]) for e in EFFECTS if _applies_to(e.event, event))
    for event in EVENT_SENDERS
}
_PLAN_CACHE: Final[dict[tuple[Role, frozenset[str]], dict[tuple[str, SessionState], _Plan]]] = {}


def _compiled_plans(
    role: Role, switched_off: frozenset[str]
) -> dict[tuple[str, SessionState], _Plan]:
    """One plan per (event, state) for this role, shared by every session like it."""
    key = (role, switched_off)
    plans = _PLAN_CACHE.get(key)
    if plans is not None:
        return plans
    plans = {}
    for (event, state), target in MOVES.items():
        if isinstance(target, Rule):
            plans[event, state] = _Plan(None, target, (), ())
            continue
        guards = tuple(
            (guard, _only_for_codes(_CHECKS[guard.check]) if guard.codes else _CHECKS[guard.check])
            for guard in GUARDS
            if _applies_to(guard.event, event)
            and role in guard.checked_by
            and (guard.switch is None or guard.switch not in switched_off)
            and (guard.states is None or state in guard.states)
        )
        plans[event, state] = _Plan(target, None, guards, _EFFECTS_OF[event])
    _PLAN_CACHE[key] = plans
    return plans


# -- the receive fast path ---------------------------------------------------------------
# Generated from the same table, one handler per server event and state where the table
# allows it: the state's moves and guards are resolved here, at generation time, so a handler
# only runs the guards that apply and the effects. A frame whose guards do not all pass, and
# any event the state forbids, goes to Session._handle, which decides and reports exactly as
# the table says. The simplest checks and effects are written out; the rest call the
# engine's own methods. Guards and effects on every server event (`*`: the correlation id)
# are not in the handlers: receive_message takes Session._handle whenever an envelope's
# correlation_id is not the one the connection already knows.
# tests/test_session_fast_path.py checks that both paths always agree.
_ENGAGEMENT_STATES_OR_NOTHING: Final = frozenset({*ENGAGEMENT_STATES, None, UNSET})
_PROBABILITIES_OR_NOTHING: Final = frozenset({*PROBABILITIES, None, UNSET})


def _accept(session: Session, message: Any, now: float | None) -> None:
    """The handler of every (state, message) the table allows with no check, effect or move."""


def _refer_session_ready(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.ready", message, now)


def _on_session_ready__awaiting_ready(session: Session, message: Any, now: float | None) -> None:
    Session._store_ready(session, EFFECTS[1], message, now)
    session._move(SessionState.STREAMING)


def _on_session_ready__close_before_ready(
    session: Session, message: Any, now: float | None
) -> None:
    Session._store_ready(session, EFFECTS[1], message, now)
    session._move(SessionState.CLOSE_SENT)


def _refer_session_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.updated", message, now)


def _on_session_updated__streaming(session: Session, message: Any, now: float | None) -> None:
    if not Session._config_pending(session, GUARDS[9], message):
        session._handle("session.updated", message, now)
        return
    if not Session._values_documented_or_offered(session, GUARDS[10], message):
        session._handle("session.updated", message, now)
        return
    Session._acknowledge_config(session, EFFECTS[3], message, now)


def _on_session_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    if not Session._config_pending(session, GUARDS[9], message):
        session._handle("session.updated", message, now)
        return
    if not Session._values_documented_or_offered(session, GUARDS[10], message):
        session._handle("session.updated", message, now)
        return
    Session._acknowledge_config(session, EFFECTS[3], message, now)


def _on_session_updated__draining(session: Session, message: Any, now: float | None) -> None:
    if not Session._config_pending(session, GUARDS[9], message):
        session._handle("session.updated", message, now)
        return
    if not Session._values_documented_or_offered(session, GUARDS[10], message):
        session._handle("session.updated", message, now)
        return
    Session._acknowledge_config(session, EFFECTS[3], message, now)


def _refer_signal_detected(session: Session, message: Any, now: float | None) -> None:
    session._handle("signal.detected", message, now)


def _on_signal_detected__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type in session._signals:
        session._handle("signal.detected", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _on_signal_detected__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type in session._signals:
        session._handle("signal.detected", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _on_signal_detected__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type in session._signals:
        session._handle("signal.detected", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.detected", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _refer_signal_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("signal.updated", message, now)


def _on_signal_updated__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.updated", message, now)
        return
    if _unchanged(session._signals[data.signal_type], data):
        session._handle("signal.updated", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _on_signal_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.updated", message, now)
        return
    if _unchanged(session._signals[data.signal_type], data):
        session._handle("signal.updated", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _on_signal_updated__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.updated", message, now)
        return
    if _unchanged(session._signals[data.signal_type], data):
        session._handle("signal.updated", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.start < session._track_times[data.signal_type]
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type not in session._track_times
        and len(session._track_times) >= session._max_signal_types
        and not session._capped
    ):
        session._handle("signal.updated", message, now)
        return
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        session._signals[data.signal_type] = data
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.start


def _refer_signal_ended(session: Session, message: Any, now: float | None) -> None:
    session._handle("signal.ended", message, now)


def _on_signal_ended__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.end < session._track_times[data.signal_type]
    ):
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.end


def _on_signal_ended__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.end < session._track_times[data.signal_type]
    ):
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.end


def _on_signal_ended__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    if (
        data.signal_type in session._track_times
        and data.end < session._track_times[data.signal_type]
    ):
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)
    if (
        data.signal_type in session._track_times
        or len(session._track_times) < session._max_signal_types
    ):
        # The guard let the time through: it is not before the latest one.
        session._track_times[data.signal_type] = data.end


def _refer_engagement_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("engagement.updated", message, now)


def _on_engagement_updated__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if session._engagement is not None and session._engagement.state == data.state:
        session._handle("engagement.updated", message, now)
        return
    if data.state not in _ENGAGEMENT_STATES_OR_NOTHING:
        session._handle("engagement.updated", message, now)
        return
    if session._engagement is not None and data.start < session._engagement.start:
        session._handle("engagement.updated", message, now)
        return
    session._engagement = data


def _on_engagement_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if session._engagement is not None and session._engagement.state == data.state:
        session._handle("engagement.updated", message, now)
        return
    if data.state not in _ENGAGEMENT_STATES_OR_NOTHING:
        session._handle("engagement.updated", message, now)
        return
    if session._engagement is not None and data.start < session._engagement.start:
        session._handle("engagement.updated", message, now)
        return
    session._engagement = data


def _on_engagement_updated__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if session._engagement is not None and session._engagement.state == data.state:
        session._handle("engagement.updated", message, now)
        return
    if data.state not in _ENGAGEMENT_STATES_OR_NOTHING:
        session._handle("engagement.updated", message, now)
        return
    if session._engagement is not None and data.start < session._engagement.start:
        session._handle("engagement.updated", message, now)
        return
    session._engagement = data


def _refer_conversation_quality_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("conversation_quality.updated", message, now)


def _on_conversation_quality_updated__streaming(
    session: Session, message: Any, now: float | None
) -> None:
    data = message.data
    if session._acknowledged is None or GUARDS[12].flags.isdisjoint(session._include):
        session._handle("conversation_quality.updated", message, now)
        return
    if session._acknowledged is not None and (
        (
            "conversation_quality_overall" in session._include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in session._include
            and (data.timeline is None or data.timeline is UNSET or len(data.timeline) != 1)
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list and (
        len(data.timeline) != 1
        or not data.timeline[0].start < data.timeline[0].end
        or (
            session._last_period_end is not None
            and data.timeline[0].start < session._last_period_end
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list:
        # The guard let one period through, starting no earlier than the last one ended.
        session._last_period_end = data.timeline[0].end


def _on_conversation_quality_updated__close_sent(
    session: Session, message: Any, now: float | None
) -> None:
    data = message.data
    if session._acknowledged is None or GUARDS[12].flags.isdisjoint(session._include):
        session._handle("conversation_quality.updated", message, now)
        return
    if session._acknowledged is not None and (
        (
            "conversation_quality_overall" in session._include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in session._include
            and (data.timeline is None or data.timeline is UNSET or len(data.timeline) != 1)
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list and (
        len(data.timeline) != 1
        or not data.timeline[0].start < data.timeline[0].end
        or (
            session._last_period_end is not None
            and data.timeline[0].start < session._last_period_end
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list:
        # The guard let one period through, starting no earlier than the last one ended.
        session._last_period_end = data.timeline[0].end


def _on_conversation_quality_updated__draining(
    session: Session, message: Any, now: float | None
) -> None:
    data = message.data
    if session._acknowledged is None or GUARDS[12].flags.isdisjoint(session._include):
        session._handle("conversation_quality.updated", message, now)
        return
    if session._acknowledged is not None and (
        (
            "conversation_quality_overall" in session._include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in session._include
            and (data.timeline is None or data.timeline is UNSET or len(data.timeline) != 1)
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list and (
        len(data.timeline) != 1
        or not data.timeline[0].start < data.timeline[0].end
        or (
            session._last_period_end is not None
            and data.timeline[0].start < session._last_period_end
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return
    if data.timeline.__class__ is list:
        # The guard let one period through, starting no earlier than the last one ended.
        session._last_period_end = data.timeline[0].end


def _refer_error(session: Session, message: Any, now: float | None) -> None:
    session._handle("error", message, now)


def _on_error__awaiting_ready(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[11].codes and not Session._config_pending(session, GUARDS[11], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[15], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[4], message, now)


def _on_error__close_before_ready(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[11].codes and not Session._config_pending(session, GUARDS[11], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[15], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[4], message, now)


def _on_error__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[11].codes and not Session._config_pending(session, GUARDS[11], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[15], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[4], message, now)


def _on_error__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[11].codes and not Session._config_pending(session, GUARDS[11], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[15], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[4], message, now)


def _on_error__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[11].codes and not Session._config_pending(session, GUARDS[11], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[15], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[4], message, now)


def _refer_session_closing(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.closing", message, now)


def _on_session_closing__close_before_ready(
    session: Session, message: Any, now: float | None
) -> None:
    Session._store_closing(session, EFFECTS[10], message, now)
    session._move(SessionState.DRAINING)


def _on_session_closing__close_sent(session: Session, message: Any, now: float | None) -> None:
    Session._store_closing(session, EFFECTS[10], message, now)
    session._move(SessionState.DRAINING)


def _refer_session_ended(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.ended", message, now)


def _on_session_ended__close_before_ready(
    session: Session, message: Any, now: float | None
) -> None:
    if not Session._end_reason_not(session, GUARDS[16], message):
        session._handle("session.ended", message, now)
        return
    session._move(SessionState.ENDED)


def _on_session_ended__streaming(session: Session, message: Any, now: float | None) -> None:
    if not Session._end_reason_not(session, GUARDS[16], message):
        session._handle("session.ended", message, now)
        return
    session._move(SessionState.ENDED)


def _on_session_ended__close_sent(session: Session, message: Any, now: float | None) -> None:
    if not Session._end_reason_not(session, GUARDS[16], message):
        session._handle("session.ended", message, now)
        return
    session._move(SessionState.ENDED)


def _on_session_ended__draining(session: Session, message: Any, now: float | None) -> None:
    if session._signals:
        session._handle("session.ended", message, now)
        return
    session._move(SessionState.ENDED)


def _refer_coverage_dropped(session: Session, message: Any, now: float | None) -> None:
    session._handle("coverage.dropped", message, now)


def _refer_coverage_degraded(session: Session, message: Any, now: float | None) -> None:
    session._handle("coverage.degraded", message, now)


def _refer_feedback_generated(session: Session, message: Any, now: float | None) -> None:
    session._handle("feedback.generated", message, now)


def _refer_unknown(session: Session, message: Any, now: float | None) -> None:
    session._handle("unknown", message, now)


_ON: Final[dict[SessionState, dict[type, Callable[[Session, Any, float | None], None]]]] = {
    SessionState.AWAITING_READY: {
        MESSAGE_CLASSES["session.ready"]: _on_session_ready__awaiting_ready,
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _refer_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error__awaiting_ready,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _refer_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
        UnknownMessage: _accept,
    },
    SessionState.CLOSE_BEFORE_READY: {
        MESSAGE_CLASSES["session.ready"]: _on_session_ready__close_before_ready,
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _refer_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error__close_before_ready,
        MESSAGE_CLASSES["session.closing"]: _on_session_closing__close_before_ready,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended__close_before_ready,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
        UnknownMessage: _accept,
    },
    SessionState.STREAMING: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated__streaming,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected__streaming,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated__streaming,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended__streaming,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated__streaming,
        MESSAGE_CLASSES[
            "conversation_quality.updated"
        ]: _on_conversation_quality_updated__streaming,
        MESSAGE_CLASSES["error"]: _on_error__streaming,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended__streaming,
        MESSAGE_CLASSES["coverage.dropped"]: _accept,
        MESSAGE_CLASSES["coverage.degraded"]: _accept,
        MESSAGE_CLASSES["feedback.generated"]: _accept,
        UnknownMessage: _accept,
    },
    SessionState.CLOSE_SENT: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated__close_sent,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected__close_sent,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated__close_sent,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended__close_sent,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated__close_sent,
        MESSAGE_CLASSES[
            "conversation_quality.updated"
        ]: _on_conversation_quality_updated__close_sent,
        MESSAGE_CLASSES["error"]: _on_error__close_sent,
        MESSAGE_CLASSES["session.closing"]: _on_session_closing__close_sent,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended__close_sent,
        MESSAGE_CLASSES["coverage.dropped"]: _accept,
        MESSAGE_CLASSES["coverage.degraded"]: _accept,
        MESSAGE_CLASSES["feedback.generated"]: _accept,
        UnknownMessage: _accept,
    },
    SessionState.DRAINING: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated__draining,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected__draining,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated__draining,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended__draining,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated__draining,
        MESSAGE_CLASSES["conversation_quality.updated"]: _on_conversation_quality_updated__draining,
        MESSAGE_CLASSES["error"]: _on_error__draining,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended__draining,
        MESSAGE_CLASSES["coverage.dropped"]: _accept,
        MESSAGE_CLASSES["coverage.degraded"]: _accept,
        MESSAGE_CLASSES["feedback.generated"]: _accept,
        UnknownMessage: _accept,
    },
    SessionState.ENDED: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _refer_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _refer_error,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _refer_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
        UnknownMessage: _refer_unknown,
    },
    SessionState.CLOSED: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _refer_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _refer_error,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _refer_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
        UnknownMessage: _refer_unknown,
    },
}
"""State -> message class -> its handler: the client's receive path."""

EVENT_OF: Final[dict[type, str]] = {
    **{cls: tag for tag, cls in MESSAGE_CLASSES.items()},
    UnknownMessage: "unknown",
}
"""Message class -> its contract event."""
