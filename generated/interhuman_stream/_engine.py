# Hand-written runtime: edit codegen/runtime/_engine.py (regen copies it verbatim).

"""The engine that applies the session contract, shared by both roles.

Theory of operation (h11's _state.py is the model). A session is a Core: one state plus what
the frames so far have established (the ready contract, configs sent and acknowledged, active
signals, the engagement level, the segments sent, the correlation id, the drain limit).
Every frame is an event: `config`, `segment`, `close`, a server envelope type (`unknown` for
types the spec does not define) or `connection_lost`.

- The table is data: contract.json, rendered into _contract.py as MOVES (event, state -> the
  next state, or the rule that forbids the event there), GUARDS and EFFECTS. A guard with
  `unless` does not apply while the session keeps a value for that config key (v2's raw PCM
  frames, after audio_format: D55).
- A lookup: the table is compiled once per role and set of switches into a Plan per
  (event, state) - the target or the forbidding rule, the guards and the effects that apply.
- Guards are checks on the frame's content, by name in the registry (_checks.py). A rule our
  caller breaks raises LocalProtocolError before anything changes; a rule the peer breaks is
  a Violation (its `detail` names the value), recorded while the frame is still applied, and
  raised as RemoteProtocolError after applying in strict mode.
- Effects, by name in the same registry, update what the session knows; then the state moves.

Nothing here reads a clock or does I/O: time is the `now` argument (a finite number, checked
at the call) and frames arrive decoded. The connections (_client.py, _server.py) hold a Core;
the client's receive fast path (_fastpath.py, generated from the same table) runs the plans
with the simplest checks inlined and hands whatever does not pass to Core.handle. What differs
by protocol version (the rules its guards apply, the guards and effects, the fast path, the
decoder, the models) is the Core's `version`, a bundle from _versions.py; the states, moves
and deadlines are the same for every version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import msgspec
from msgspec import Struct

from ._checks import CHECKS, EFFECTS, Apply, Test, key_values
from ._codec import UnknownMessage
from ._contract import (
    DEADLINE_RULES,
    EVENT_SENDERS,
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
from ._segments import POSSIBLE_SEGMENT_INDEX_BASES, SEGMENT_INDEX_BASE
from ._values import Deadline, FrameExcerpt, SentSegment

if TYPE_CHECKING:
    from ._fold import Fold
    from ._versions import Version

EVERY_SERVER_EVENT: Final = "*"
"""A guard or effect on this event applies to every event the server sends."""

MAX_RECORDED_VIOLATIONS: Final = 1000
"""Violations kept on a session; a peer that breaks the contract endlessly cannot use up memory."""

DEFAULT_MAX_SIGNAL_TYPES: Final = 1000
"""Distinct signal types a connection tracks (active signals and their latest times); the
documented vocabulary has 13, so only a hostile or broken peer reaches it (D39)."""

DEFAULT_VIOLATION_EXCERPT_BYTES: Final = 16 * 1024
"""A violation keeps the offending message when its JSON is at most this long, else an
excerpt: 1,000 kept violations stay within about 16 MiB whatever the peer sends (D39)."""

INF: Final = float("inf")


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


def checked_now(now: object) -> float | None:
    """`now` as the engine takes it: None, or a finite real number of seconds. Anything else
    is refused at the call: a NaN or infinite clock would switch the deadlines off silently."""
    if now is None:
        return None
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError(
            f"now is a number of seconds from a monotonic clock, not {type(now).__name__}"
        )
    if not -INF < now < INF:
        raise ValueError(f"now must be a finite number of seconds, not {now!r}")
    try:
        return float(now)
    except OverflowError:  # an int beyond any float
        raise ValueError("now must be a finite number of seconds, not an int that big") from None


class Plan(Struct, frozen=True):
    """What an event does in a state, compiled from the table for one role: the next state
    (or the rule that forbids the event there), the guards that apply and the effects (when
    the event is forbidden: those a rule that `still_applies` lets it make)."""

    target: SessionState | None
    forbidden: Rule | None
    guards: tuple[tuple[Guard, Test], ...]
    effects: tuple[tuple[Effect, Apply], ...]
    changes: bool = False
    """Some effect changes the session beyond remembering the correlation id."""


Handlers = Mapping[SessionState, Mapping[type, Any]]


class Core:
    """One session's state and the engine that applies the table to it (module docstring).
    Its attributes are what checks, effects and the fast path read and change; the
    connections show them as read-only properties."""

    __slots__ = (
        "acknowledged",
        "audit",
        "capped",
        "close_code",
        "closing",
        "closing_at",
        "correlation_id",
        "engagement",
        "excerpt_bytes",
        "fold",
        "handled",
        "handlers",
        "include",
        "keyed_frames",
        "last_client_frame_at",
        "last_period_end",
        "max_signal_types",
        "on",
        "pending_configs",
        "plans",
        "ready",
        "ready_at",
        "replies",
        "role",
        "segment_base",
        "segments",
        "session_keys",
        "signals",
        "state",
        "strict",
        "track_times",
        "version",
        "violation_count",
        "violations",
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
        handlers: Handlers | None = None,
        version: Version,
        session_keys: Mapping[str, Any] | None = None,
    ) -> None:
        for name, value in (
            ("max_signal_types", max_signal_types),
            ("violation_excerpt_bytes", violation_excerpt_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} is a whole number >= 1, not {value!r}")
        if segment_index_base is not None and (
            type(segment_index_base) is not int
            or segment_index_base not in POSSIBLE_SEGMENT_INDEX_BASES
        ):
            raise ValueError(
                f"segment_index_base {segment_index_base!r} is not one of "
                f"{sorted(POSSIBLE_SEGMENT_INDEX_BASES)} (or None: not known)"
            )
        self.role: Role = role
        self.strict = strict
        self.audit = audit
        self.version = version  # what differs by protocol version: the guards, the models
        self.plans = compiled_plans(
            role, frozenset(k for k, on in switches.items() if not on), version
        )
        self.handlers = handlers
        self.state = INITIAL_STATE
        self.on: Mapping[type, Any] = {} if handlers is None else handlers[INITIAL_STATE]
        self.ready: SessionReadyData | None = None
        self.ready_at: float | None = None
        self.closing: SessionClosingData | None = None
        self.closing_at: float | None = None
        self.last_client_frame_at: float | None = None
        self.pending_configs: list[SessionConfig] = []
        self.acknowledged: SessionUpdatedData | None = None
        self.include: frozenset[str] = frozenset()  # the acknowledged include flags
        self.signals: dict[str, SignalData] = {}
        self.engagement: EngagementUpdatedData | None = None
        self.segments: list[SentSegment] = []
        # Sticky config keys in force (v2's model, from the handshake on, and audio_format,
        # each from the session.updated answering the config naming it: D52), and how many
        # binary frames went while each had a value; v1 keeps none.
        self.session_keys: dict[str, Any] = dict(session_keys or {})
        self.keyed_frames: dict[str, int] = {}
        self.segment_base = segment_index_base
        self.correlation_id: str | None = None
        self.last_period_end: float | None = None
        self.track_times: dict[str, float] = {}  # signal type -> latest time reported
        self.max_signal_types = max_signal_types
        self.capped = False  # a signal type beyond max_signal_types was reported
        self.excerpt_bytes = violation_excerpt_bytes
        self.fold = fold
        self.handled = 0  # frames that took the engine's full path
        self.violations: list[Violation] = []
        self.replies: list[str] = []
        self.close_code: int | None = None
        self.violation_count = 0

    def segment(self, index: int | None) -> SentSegment | None:
        """The sent segment with this error.segment index, or None. Its `base` says under
        which base it was picked: the connection's, when known; otherwise the assumed base
        first, then any other possible base that explains the index (D36)."""
        if index is None:
            return None
        count = len(self.segments)
        for base in self.bases():
            position = index - base
            if 0 <= position < count:
                sent = self.segments[position]
                if sent.base == base:
                    return sent
                return SentSegment(index=index, size=sent.size, sent_at=sent.sent_at, base=base)
        return None

    def bases(self) -> tuple[int, ...]:
        if self.segment_base is not None:
            return (self.segment_base,)
        return _BASES_TO_TRY

    def deadlines(self) -> tuple[Deadline, ...]:
        """The time limits running now, earliest first: a limit runs in the states the
        contract gives it, from the `now` given with the message that announced it (none
        when that message was handled without `now`)."""
        state = self.state
        found = []
        for rule in DEADLINE_RULES:
            if state not in rule.states:
                continue
            if rule.of == "session.closing":
                announced: Any = self.closing
                since = self.closing_at
            else:
                announced, since = self.ready, self.ready_at
            if announced is None or since is None:
                continue
            if rule.since == "last_client_frame" and self.last_client_frame_at is not None:
                since = max(since, self.last_client_frame_at)
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

    def handle(self, event: str, payload: Any, now: float | None) -> None:
        now = checked_now(now)
        self.handled += 1
        plan = self.plans[event, self.state]
        breaches: list[Violation] | None = None  # only built when something breaks
        forbidden = plan.forbidden
        applied = forbidden is None
        if forbidden is not None:
            detail = self.move_detail(event)
            breaches = self.breach(forbidden, event, payload, now, breaches, detail=detail)
            if forbidden.still_applies:
                # A frame the session follows although the state forbade it (a result before
                # session.ready): what its effects change is applied, nothing else.
                applied = plan.changes
                for effect, apply in plan.effects:
                    apply(self, effect, payload, now)
        else:
            for guard, check in plan.guards:
                if check(self, guard, payload):
                    continue
                if guard.server_reply is not None and self.role == "server":
                    self.replies.append(guard.server_reply)  # answered, not reported
                    continue
                for detail in CHECKS[guard.check].explain(self, guard, payload) or ("",):
                    breaches = self.breach(guard.rule, event, payload, now, breaches, detail=detail)
            # Even a frame whose content broke a rule was sent: the session follows it.
            for effect, apply in plan.effects:
                apply(self, effect, payload, now)
            if plan.target is not self.state:
                self.move(plan.target)  # type: ignore[arg-type]  # allowed moves have a target
        if now is not None and EVENT_SENDERS[event] == "client":
            self.last_client_frame_at = now
        if applied and self.fold is not None and EVENT_SENDERS[event] == "server":
            self.fold.add(payload)  # the fold follows what the session applied
        if breaches and self.strict:
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

    def move_detail(self, event: str) -> str:
        allowed = sorted(
            name
            for name in EVENT_SENDERS
            if not isinstance(MOVES[name, self.state], Rule)
            and EVENT_SENDERS[name] in (self.role, _PEER[self.role])
            and name != "connection_lost"
        )
        return (
            f"{event} in state {self.state.value}; allowed there: {', '.join(allowed) or 'nothing'}"
        )

    def breach(
        self,
        rule: Rule,
        event: str,
        payload: Any,
        now: float | None,
        breaches: list[Violation] | None,
        *,
        detail: str = "",
    ) -> list[Violation] | None:
        state = self.state.value
        if len(detail) > _MAX_DETAIL:
            # A detail quotes the offending value, which the peer chose: keep its start.
            detail = detail[:_MAX_DETAIL] + f"... ({len(detail):,} characters)"
        if rule.peer_ignores and rule.breaker != self.role:
            return breaches  # frames crossed on the wire; the peer did nothing wrong
        if rule.breaker == "caller" or (rule.breaker == self.role and not self.audit):
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
            index = self.next_segment_base() + len(self.segments)
            payload = SentSegment(
                index=index, size=len(payload), sent_at=now, base=self.next_segment_base()
            )
        violation = Violation(
            rule=rule.id,
            says=rule.says,
            state=state,
            event=event,
            received=self.excerpt(event, payload),
            hint=rule.hint,
            detail=detail,
        )
        self.violation_count += 1
        if len(self.violations) < MAX_RECORDED_VIOLATIONS:
            self.violations.append(violation)
        return [violation] if breaches is None else [*breaches, violation]

    def excerpt(self, event: str, payload: Any) -> Any:
        """The payload, or a FrameExcerpt of it when its JSON is longer than the cap."""
        if payload is None or isinstance(payload, SentSegment):
            return payload
        raw = payload.raw if isinstance(payload, UnknownMessage) else None
        if raw is None:
            try:
                raw = _excerpt_encoder.encode(payload)
            except (TypeError, ValueError):  # a caller's malformed config in audit mode
                return payload
        if len(raw) <= self.excerpt_bytes:
            return payload
        kind = payload.type if isinstance(payload, UnknownMessage) else event
        head = bytes(raw[: self.excerpt_bytes]).decode("utf-8", "replace")
        return FrameExcerpt(type=kind, size=len(raw), head=head)

    def snapshot(self) -> tuple[Any, ...]:
        """What a failed multi-frame move must put back (shallow copies of the containers)."""
        return tuple(_copied(getattr(self, name)) for name in _TRACKED)

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        for name, value in zip(_TRACKED, snapshot, strict=True):
            setattr(self, name, value)

    def next_segment_base(self) -> int:
        return SEGMENT_INDEX_BASE if self.segment_base is None else self.segment_base

    def move(self, state: SessionState) -> None:
        self.state = state
        if self.handlers is not None:
            self.on = self.handlers[state]  # the receive handlers of the new state

    def allows(self, event: str) -> Rule | None:
        """The rule that forbids `event` now, or None when the table allows it."""
        return self.plans[event, self.state].forbidden

    def connection_lost(self, code: int | None = None) -> None:
        """Tell the session its WebSocket closed (with the close code, when known); an
        attached summary fold is finalised too."""
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise TypeError(f"a close code is an int or None, not {type(code).__name__}")
        self.close_code = code
        self.handle("connection_lost", code, None)
        if self.fold is not None:
            self.fold.connection_lost()

    # -- guards (contract.json "check" names); each _why_ explains a failed check -------


_PEER: Final[dict[str, str]] = {"client": "server", "server": "client"}
_MAX_DETAIL: Final = 1000
# Everything a frame can change (not the role, the mode or the compiled plans).
_TRACKED: Final = tuple(
    name
    for name in Core.__slots__
    if name not in ("plans", "strict", "audit", "role", "handlers", "fold", "version")
)
_BASES_TO_TRY: Final = (
    SEGMENT_INDEX_BASE,
    *(base for base in POSSIBLE_SEGMENT_INDEX_BASES if base != SEGMENT_INDEX_BASE),
)
_excerpt_encoder: Final = msgspec.json.Encoder()


def _copied(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return value.copy()
    return value


def _only_for_codes(test: Test) -> Test:
    def checked(core: Core, guard: Guard, message: Any) -> bool:
        return message.data.code not in guard.codes or test(core, guard, message)

    return checked


def _unless_kept(test: Test, key: str) -> Test:
    def checked(core: Core, guard: Guard, payload: Any) -> bool:
        return bool(key_values(core, key)) or test(core, guard, payload)

    return checked


def _test_of(guard: Guard) -> Test:
    """The guard's check as a plan runs it: filtered by error code, or off while the session
    keeps its `unless` key."""
    test = CHECKS[guard.check].test
    if guard.codes:
        test = _only_for_codes(test)
    if guard.unless is not None:
        test = _unless_kept(test, guard.unless)
    return test


def _applies_to(item_event: str, event: str) -> bool:
    return item_event == event or (
        item_event == EVERY_SERVER_EVENT and EVENT_SENDERS[event] == "server"
    )


_PLAN_CACHE: Final[
    dict[tuple[str, Role, frozenset[str]], dict[tuple[str, SessionState], Plan]]
] = {}


def compiled_plans(
    role: Role, switched_off: frozenset[str], version: Version
) -> dict[tuple[str, SessionState], Plan]:
    """One plan per (event, state) for this role and protocol version (whose guards apply),
    shared by every session like it."""
    key = (version.name, role, switched_off)
    plans = _PLAN_CACHE.get(key)
    if plans is not None:
        return plans
    plans = {}
    effects_of = {
        event: tuple(
            (entry, EFFECTS[entry.effect])
            for entry in version.effects
            if _applies_to(entry.event, event)
        )
        for event in EVENT_SENDERS
    }
    for (event, state), target in MOVES.items():
        effects = effects_of[event]
        if isinstance(target, Rule):
            changes = any(entry.event != EVERY_SERVER_EVENT for entry, _ in effects)
            plans[event, state] = Plan(None, target, (), effects, changes)
            continue
        guards = tuple(
            (guard, _test_of(guard))
            for guard in version.guards
            if _applies_to(guard.event, event)
            and role in guard.checked_by
            and (guard.switch is None or guard.switch not in switched_off)
            and (guard.states is None or state in guard.states)
        )
        plans[event, state] = Plan(target, None, guards, effects)
    _PLAN_CACHE[key] = plans
    return plans


class SessionView:
    """What both connections show of their Core: read-only properties and the deadlines.
    A connection holds its Core (composition, as h11's Connection holds its state)."""

    __slots__ = ("_core",)

    _core: Core

    @property
    def role(self) -> Role:
        """Which side of the session this connection plays."""
        return self._core.role

    @property
    def state(self) -> SessionState:
        """Where the session is."""
        return self._core.state

    @property
    def ready(self) -> SessionReadyData | None:
        """The session contract from session.ready (timeouts, segment limits, options)."""
        return self._core.ready

    @property
    def closing(self) -> SessionClosingData | None:
        """The drain limit from session.closing, or None before it."""
        return self._core.closing

    @property
    def acknowledged_config(self) -> SessionUpdatedData | None:
        """The config in force: the data of the last session.updated, or None before one."""
        return self._core.acknowledged

    @property
    def pending_configs(self) -> tuple[SessionConfig, ...]:
        """Config frames sent and not yet acknowledged (or rejected), oldest first."""
        return tuple(self._core.pending_configs)

    @property
    def sticky_config(self) -> Mapping[str, Any]:
        """v2's sticky config keys (D52): `model` (the upgrade's, until a session.updated
        answers a config naming another) and `audio_format` once one was declared (every
        binary frame after it is raw PCM), each as the last config not yet answered asks for
        it, else in force; empty on v1."""
        core = self._core
        found = {}
        for name in core.version.sticky_keys:
            values = key_values(core, name)
            if values:
                found[name] = values[-1]
        return found

    @property
    def active_signals(self) -> Mapping[str, SignalData]:
        """Active signals by signal type, each with its last reported reading."""
        return dict(self._core.signals)

    @property
    def engagement(self) -> EngagementUpdatedData | None:
        """The last engagement level reported, or None before the first."""
        return self._core.engagement

    @property
    def segments_sent(self) -> tuple[SentSegment, ...]:
        """Every binary video frame sent on this connection, in order."""
        return tuple(self._core.segments)

    @property
    def segment_index_base(self) -> int | None:
        """The base error.segment counts from, when known; None (the default): no source
        says, so an index any possible base explains is accepted (D36)."""
        return self._core.segment_base

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Contract breaches by the peer, in order (the first MAX_RECORDED_VIOLATIONS of them;
        `violation_count` counts them all)."""
        return tuple(self._core.violations)

    @property
    def violation_count(self) -> int:
        """Every contract breach by the peer so far, kept or not."""
        return self._core.violation_count

    @property
    def close_code(self) -> int | None:
        """The WebSocket close code connection_lost was told, if any."""
        return self._core.close_code

    @property
    def fold(self) -> Fold | None:
        """The summary fold attached at construction (fed every server message the session
        applied), or None."""
        return self._core.fold

    def deadlines(self) -> tuple[Deadline, ...]:
        """The time limits running now, earliest first (see Deadline)."""
        return self._core.deadlines()

    def next_deadline(self) -> Deadline | None:
        """The earliest running deadline, or None."""
        return self._core.next_deadline()

    def expired(self, now: float) -> tuple[Deadline, ...]:
        """The deadlines that have passed at `now`."""
        return self._core.expired(now)

    def connection_lost(self, code: int | None = None) -> None:
        """Tell the session its WebSocket closed (with the close code, when known); an
        attached summary fold is finalised too."""
        self._core.connection_lost(code)
