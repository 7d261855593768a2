# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json, spec/segments.json
# Template: codegen/templates/_session.py.jinja2

"""The engine that applies the session contract, shared by both roles.

Theory of operation: a session is one state (SessionState) plus what the frames so far have
established: the ready contract, configs sent and acknowledged, active signals, the last
engagement level, the segments sent. Every frame is an event (`segment`, `config`, `close`, or
a server envelope type, `unknown` for types the spec does not define). For each event the
contract table (contract.json, rendered into _contract.py) gives, per state, the next state or
the rule that forbids it; guards check the frame's content; effects update what the session
knows. The engine is told which role it plays: a rule broken by that role is our caller's
mistake (LocalProtocolError, nothing changes), a rule broken by the peer is a violation
(RemoteProtocolError in strict mode; otherwise recorded while the frame is still delivered).

For speed, the table is compiled once per role and set of switches into one plan per
(event, state): the next state or forbidding rule, plus the guard and effect callables that
apply. Handling a frame is then a dict lookup and a few calls. The engine never reads a clock,
does no I/O and keeps no reference to any transport: time arrives as the `now` argument
(any monotonic clock, in seconds) and frames arrive as already-decoded values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from msgspec import UNSET, Struct

from ._codec import MESSAGE_CLASSES, UnknownMessage
from ._contract import (
    DEADLINE_RULES,
    DEADLINE_STATES,
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
    SessionConfig,
    SessionReadyData,
    SessionUpdatedData,
    SignalData,
)
from ._segments import SEGMENT_INDEX_BASE, sniff_container


def binary(data: bytes | bytearray | memoryview) -> bytes:
    """A video segment as bytes; anything that is not binary data is a caller's mistake."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"a segment is binary data (bytes), not {type(data).__name__}")


MAX_RECORDED_VIOLATIONS: Final = 1000
"""Violations kept on a session; a peer that breaks the contract endlessly cannot use up memory."""


class SentSegment(Struct, frozen=True, kw_only=True):
    """A binary video frame: its index as error.segment counts it, its size, when it went."""

    index: int
    size: int
    sent_at: float | None = None


class Deadline(Struct, frozen=True, kw_only=True):
    """A time limit from session.ready: when it passes (same clock as `now`) and the error the
    server sends then."""

    id: str
    at: float
    error_code: str


_Check = Callable[["Session", Guard, Any], bool]
_Apply = Callable[["Session", Effect, Any, "float | None"], None]
_Plan = tuple[
    "SessionState | None",
    "Rule | None",
    tuple[tuple[Guard, _Check], ...],
    tuple[tuple[Effect, _Apply], ...],
]


class Session:
    """Tracked state of one session and the contract engine; see the module docstring."""

    __slots__ = (
        "_acknowledged",
        "_audit",
        "_engagement",
        "_last_client_frame_at",
        "_on",
        "_pending_configs",
        "_plans",
        "_ready",
        "_ready_at",
        "_replies",
        "_segments",
        "_signals",
        "_state",
        "_strict",
        "_violations",
        "close_code",
        "role",
        "violation_count",
    )

    def __init__(
        self, role: Role, *, strict: bool, switches: Mapping[str, bool], audit: bool = False
    ) -> None:
        self.role: Role = role
        self._strict = strict
        self._plans = _compiled_plans(role, frozenset(k for k, on in switches.items() if not on))
        self._state = INITIAL_STATE
        self._on = _ON[INITIAL_STATE]
        self._ready: SessionReadyData | None = None
        self._ready_at: float | None = None
        self._last_client_frame_at: float | None = None
        self._pending_configs: list[SessionConfig] = []
        self._acknowledged: SessionUpdatedData | None = None
        self._signals: dict[str, SignalData] = {}
        self._engagement: EngagementUpdatedData | None = None
        self._segments: list[SentSegment] = []
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
    def violations(self) -> tuple[Violation, ...]:
        """Contract breaches by the peer, in order (the first MAX_RECORDED_VIOLATIONS of them;
        `violation_count` counts them all)."""
        return tuple(self._violations)

    def segment(self, index: int | None) -> SentSegment | None:
        """The sent segment with this error.segment index, or None."""
        if index is None:
            return None
        position = index - SEGMENT_INDEX_BASE
        if 0 <= position < len(self._segments):
            return self._segments[position]
        return None

    # -- time ---------------------------------------------------------------------------

    def deadlines(self) -> tuple[Deadline, ...]:
        """The time limits running now, earliest first: empty before session.ready, after the
        session ended, and when session.ready was handled without `now` (the clocks start
        from the `now` given with it)."""
        ready = self._ready
        if ready is None or self._state not in DEADLINE_STATES or self._ready_at is None:
            return ()
        found = []
        for rule in DEADLINE_RULES:
            since = self._ready_at
            if rule.since == "last_client_frame" and self._last_client_frame_at is not None:
                since = max(since, self._last_client_frame_at)
            limit = getattr(ready, rule.limit)
            found.append(Deadline(id=rule.id, at=since + limit, error_code=rule.error_code))
        return tuple(sorted(found, key=lambda deadline: (deadline.at, deadline.id)))

    def next_deadline(self) -> Deadline | None:
        """The earliest running deadline, or None."""
        running = self.deadlines()
        return running[0] if running else None

    def expired(self, now: float) -> tuple[Deadline, ...]:
        """The deadlines that have passed at `now`."""
        return tuple(deadline for deadline in self.deadlines() if deadline.at <= now)

    # -- the engine ---------------------------------------------------------------------

    def _handle(self, event: str, payload: Any, now: float | None) -> None:
        target, forbidden, guards, effects = self._plans[event, self._state]
        breaches: list[Violation] | None = None  # only built when something breaks
        if forbidden is not None:
            breaches = self._breach(forbidden, event, payload, now, breaches)
            if forbidden.still_applies:
                for effect, apply in _EFFECTS_OF[event]:
                    apply(self, effect, payload, now)
        else:
            for guard, check in guards:
                if check(self, guard, payload):
                    continue
                if guard.server_reply is not None and self.role == "server":
                    self._replies.append(guard.server_reply)  # answered, not reported
                else:
                    breaches = self._breach(guard.rule, event, payload, now, breaches)
            # Even a frame whose content broke a rule was sent: the session follows it.
            for effect, apply in effects:
                apply(self, effect, payload, now)
            if target is not self._state:
                self._move(target)  # type: ignore[arg-type]  # allowed moves have a target
        if now is not None and EVENT_SENDERS[event] == "client":
            self._last_client_frame_at = now
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
                received=first.received,
            )
            error.violations = tuple(breaches)
            raise error

    def _breach(
        self,
        rule: Rule,
        event: str,
        payload: Any,
        now: float | None,
        breaches: list[Violation] | None,
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
            )
        if isinstance(payload, (bytes, bytearray, memoryview)):
            # Keep what identifies the frame, not megabytes of video.
            index = SEGMENT_INDEX_BASE + len(self._segments)
            payload = SentSegment(index=index, size=len(payload), sent_at=now)
        violation = Violation(
            rule=rule.id, says=rule.says, state=state, event=event, received=payload, hint=rule.hint
        )
        self.violation_count += 1
        if len(self._violations) < MAX_RECORDED_VIOLATIONS:
            self._violations.append(violation)
        return [violation] if breaches is None else [*breaches, violation]

    def _move(self, state: SessionState) -> None:
        self._state = state
        self._on = _ON[state]  # the receive handlers of the new state

    def _allows(self, event: str) -> Rule | None:
        """The rule that forbids `event` now, or None when the table allows it."""
        return self._plans[event, self._state][1]

    def connection_lost(self, code: int | None = None) -> None:
        """Tell the session its WebSocket closed (with the close code, when known)."""
        self.close_code = code
        self._handle("connection_lost", code, None)

    # -- guards (contract.json "check" names) -------------------------------------------

    def _signal_inactive(self, guard: Guard, message: Any) -> bool:
        return message.data.signal_type not in self._signals

    def _signal_active(self, guard: Guard, message: Any) -> bool:
        return message.data.signal_type in self._signals

    def _signal_reading_changed(self, guard: Guard, message: Any) -> bool:
        last = self._signals.get(message.data.signal_type)
        if last is None:
            return True  # signal-updated-active reports this case
        data = message.data
        return any(
            _comparable(getattr(data, name)) != _comparable(getattr(last, name))
            for name in guard.fields
        )

    def _engagement_changed(self, guard: Guard, message: Any) -> bool:
        last = self._engagement
        return last is None or last.state != message.data.state

    def _config_pending(self, guard: Guard, message: Any) -> bool:
        return bool(self._pending_configs)

    def _acknowledged_include_any(self, guard: Guard, message: Any) -> bool:
        acknowledged = self._acknowledged
        return acknowledged is not None and not guard.flags.isdisjoint(acknowledged.include)

    def _requested_sections_present(self, guard: Guard, message: Any) -> bool:
        acknowledged = self._acknowledged
        if acknowledged is None:
            return True  # quality-needs-flag reports this case
        for section in guard.sections:
            if section.flag in acknowledged.include:
                value = getattr(message.data, section.field)
                if value is None or value is UNSET:
                    return False
                if section.items is not None and len(value) != section.items:
                    return False
        return True

    def _segment_was_sent(self, guard: Guard, message: Any) -> bool:
        index = message.data.segment
        return index is None or index is UNSET or self.segment(index) is not None

    def _end_reason_not(self, guard: Guard, message: Any) -> bool:
        return message.data.reason not in guard.reasons

    def _no_active_signals(self, guard: Guard, message: Any) -> bool:
        return not self._signals

    def _segment_not_empty(self, guard: Guard, data: bytes) -> bool:
        return len(data) > 0

    def _segment_at_most(self, guard: Guard, data: bytes) -> bool:
        ready = self._ready
        return ready is None or len(data) <= getattr(ready, guard.limit)

    def _segment_at_least(self, guard: Guard, data: bytes) -> bool:
        ready = self._ready
        return ready is None or len(data) >= getattr(ready, guard.limit)

    def _segment_starts_like_container(self, guard: Guard, data: bytes) -> bool:
        # After a first segment that carried the container header, later ones may be
        # continuation chunks of the same recorder stream.
        return bool(self._segments) or sniff_container(data) is not None

    def _config_values_supported(self, guard: Guard, config: SessionConfig) -> bool:
        ready = self._ready
        if ready is None:
            return True  # before session.ready only the closed value sets apply
        options = getattr(ready, guard.options)
        for name in guard.fields:
            wanted = getattr(config, name)
            supported = getattr(options, name, UNSET)
            # An option session.ready does not list (absent or null) is not restricted (D28).
            if wanted is UNSET or supported is UNSET or supported is None:
                continue
            if not set(wanted) <= set(supported):
                return False
        return True

    # -- effects (contract.json "effect" names) -----------------------------------------

    def _store_ready(self, effect: Effect, message: Any, now: float | None) -> None:
        self._ready = message.data
        self._ready_at = now

    def _queue_config(self, effect: Effect, config: SessionConfig, now: float | None) -> None:
        self._pending_configs.append(config)

    def _acknowledge_config(self, effect: Effect, message: Any, now: float | None) -> None:
        if self._pending_configs:
            del self._pending_configs[0]
        self._acknowledged = message.data

    def _reject_config(self, effect: Effect, message: Any, now: float | None) -> None:
        if message.data.code in effect.codes and self._pending_configs:
            del self._pending_configs[0]

    def _record_segment(self, effect: Effect, data: bytes, now: float | None) -> None:
        index = SEGMENT_INDEX_BASE + len(self._segments)
        self._segments.append(SentSegment(index=index, size=len(data), sent_at=now))

    def _open_signal(self, effect: Effect, message: Any, now: float | None) -> None:
        self._signals[message.data.signal_type] = message.data

    def _close_signal(self, effect: Effect, message: Any, now: float | None) -> None:
        self._signals.pop(message.data.signal_type, None)

    def _set_engagement(self, effect: Effect, message: Any, now: float | None) -> None:
        self._engagement = message.data


def _unchanged(last: SignalData, data: SignalData) -> bool:
    """The fast form of signal_reading_changed's negation. A field that can be neither null
    nor a list compares raw; the others as _comparable says."""
    return (
        data.probability == last.probability
        and (
            data.rationale == last.rationale
            or _comparable(data.rationale) == _comparable(last.rationale)
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
_APPLIERS: Final[dict[str, _Apply]] = {
    name: getattr(Session, f"_{name}") for name in sorted({effect.effect for effect in EFFECTS})
}
_EFFECTS_OF: Final[dict[str, tuple[tuple[Effect, _Apply], ...]]] = {
    event: tuple((e, _APPLIERS[e.effect]) for e in EFFECTS if e.event == event)
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
            plans[event, state] = (None, target, (), ())
            continue
        guards = tuple(
            (guard, _only_for_codes(_CHECKS[guard.check]) if guard.codes else _CHECKS[guard.check])
            for guard in GUARDS
            if guard.event == event
            and role in guard.checked_by
            and (guard.switch is None or guard.switch not in switched_off)
            and (guard.states is None or state in guard.states)
        )
        plans[event, state] = (target, None, guards, _EFFECTS_OF[event])
    _PLAN_CACHE[key] = plans
    return plans


# -- the receive fast path ---------------------------------------------------------------
# Generated from the same table, one handler per server event and state where the table
# allows it: the state's moves and guards are resolved here, at generation time, so a handler
# only runs the guards that apply and the effects. A frame whose guards do not all pass, and
# any event the state forbids, goes to Session._handle, which decides and reports exactly as
# the table says. The simplest checks and effects are written out; the rest call the
# engine's own methods. tests/test_session_fast_path.py checks that both paths always agree.


def _accept(session: Session, message: Any, now: float | None) -> None:
    """The handler of every (state, message) the table allows with no check, effect or move."""


def _refer_session_ready(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.ready", message, now)


def _on_session_ready__awaiting_ready(session: Session, message: Any, now: float | None) -> None:
    Session._store_ready(session, EFFECTS[0], message, now)
    session._move(SessionState.STREAMING)


def _refer_session_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.updated", message, now)


def _on_session_updated__streaming(session: Session, message: Any, now: float | None) -> None:
    if not Session._config_pending(session, GUARDS[5], message):
        session._handle("session.updated", message, now)
        return
    Session._acknowledge_config(session, EFFECTS[2], message, now)


def _on_session_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    if not Session._config_pending(session, GUARDS[5], message):
        session._handle("session.updated", message, now)
        return
    Session._acknowledge_config(session, EFFECTS[2], message, now)


def _refer_signal_detected(session: Session, message: Any, now: float | None) -> None:
    session._handle("signal.detected", message, now)


def _on_signal_detected__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type in session._signals:
        session._handle("signal.detected", message, now)
        return
    session._signals[data.signal_type] = data


def _on_signal_detected__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type in session._signals:
        session._handle("signal.detected", message, now)
        return
    session._signals[data.signal_type] = data


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
    session._signals[data.signal_type] = data


def _on_signal_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.updated", message, now)
        return
    if _unchanged(session._signals[data.signal_type], data):
        session._handle("signal.updated", message, now)
        return
    session._signals[data.signal_type] = data


def _refer_signal_ended(session: Session, message: Any, now: float | None) -> None:
    session._handle("signal.ended", message, now)


def _on_signal_ended__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)


def _on_signal_ended__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)


def _on_signal_ended__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.signal_type not in session._signals:
        session._handle("signal.ended", message, now)
        return
    session._signals.pop(data.signal_type, None)


def _refer_engagement_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("engagement.updated", message, now)


def _on_engagement_updated__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if session._engagement is not None and session._engagement.state == data.state:
        session._handle("engagement.updated", message, now)
        return
    session._engagement = data


def _on_engagement_updated__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if session._engagement is not None and session._engagement.state == data.state:
        session._handle("engagement.updated", message, now)
        return
    session._engagement = data


def _refer_conversation_quality_updated(session: Session, message: Any, now: float | None) -> None:
    session._handle("conversation_quality.updated", message, now)


def _on_conversation_quality_updated__streaming(
    session: Session, message: Any, now: float | None
) -> None:
    data = message.data
    if session._acknowledged is None or GUARDS[7].flags.isdisjoint(session._acknowledged.include):
        session._handle("conversation_quality.updated", message, now)
        return
    if session._acknowledged is not None and (
        (
            "conversation_quality_overall" in session._acknowledged.include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in session._acknowledged.include
            and (data.timeline is None or data.timeline is UNSET or len(data.timeline) != 1)
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return


def _on_conversation_quality_updated__close_sent(
    session: Session, message: Any, now: float | None
) -> None:
    data = message.data
    if session._acknowledged is None or GUARDS[7].flags.isdisjoint(session._acknowledged.include):
        session._handle("conversation_quality.updated", message, now)
        return
    if session._acknowledged is not None and (
        (
            "conversation_quality_overall" in session._acknowledged.include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in session._acknowledged.include
            and (data.timeline is None or data.timeline is UNSET or len(data.timeline) != 1)
        )
    ):
        session._handle("conversation_quality.updated", message, now)
        return


def _refer_error(session: Session, message: Any, now: float | None) -> None:
    session._handle("error", message, now)


def _on_error__awaiting_ready(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[6].codes and not Session._config_pending(session, GUARDS[6], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[9], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[3], message, now)


def _on_error__streaming(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[6].codes and not Session._config_pending(session, GUARDS[6], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[9], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[3], message, now)


def _on_error__close_sent(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[6].codes and not Session._config_pending(session, GUARDS[6], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[9], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[3], message, now)


def _on_error__draining(session: Session, message: Any, now: float | None) -> None:
    data = message.data
    if data.code in GUARDS[6].codes and not Session._config_pending(session, GUARDS[6], message):
        session._handle("error", message, now)
        return
    if not Session._segment_was_sent(session, GUARDS[9], message):
        session._handle("error", message, now)
        return
    Session._reject_config(session, EFFECTS[3], message, now)


def _refer_session_closing(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.closing", message, now)


def _on_session_closing__close_sent(session: Session, message: Any, now: float | None) -> None:
    session._move(SessionState.DRAINING)


def _refer_session_ended(session: Session, message: Any, now: float | None) -> None:
    session._handle("session.ended", message, now)


def _on_session_ended__streaming(session: Session, message: Any, now: float | None) -> None:
    if not Session._end_reason_not(session, GUARDS[10], message):
        session._handle("session.ended", message, now)
        return
    session._move(SessionState.ENDED)


def _on_session_ended__close_sent(session: Session, message: Any, now: float | None) -> None:
    if not Session._end_reason_not(session, GUARDS[10], message):
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
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended__draining,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error__draining,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended__draining,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
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
