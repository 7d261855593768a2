# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json
# Template: codegen/templates/_contract.py.jinja2

"""The session contract (contract.json) as Python data, for the engine in _engine.py. Every
entry is computed by codegen/_model.py; this module only holds them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Final, Literal

from msgspec import Struct

from ._vocab import ENGAGEMENT_STATES, GOAL_DIMENSIONS, INCLUDE_FLAGS, PROBABILITIES


class SessionState(str, Enum):
    """Where a session is, as both peers see it once every frame in flight has arrived."""

    AWAITING_READY = "awaiting_ready"
    """The WebSocket is open; session.ready has not arrived. No video may be sent yet."""
    CLOSE_BEFORE_READY = "close_before_ready"
    """The client sent session.close before session.ready arrived: the server may still establish the session (session.ready, then the close is handled as usual), refuse it with an error, or end it. No video follows."""
    STREAMING = "streaming"
    """session.ready arrived: the client streams video and may change the config; the server reports analysis."""
    CLOSE_SENT = "close_sent"
    """The client sent session.close; the server has not answered with session.closing yet, and results produced before it saw the close may still arrive."""
    DRAINING = "draining"
    """session.closing arrived: results the server produced before it saw the close, the final signal.ended events and errors may follow, then session.ended."""
    ENDED = "ended"
    """session.ended arrived: the session is over and only the WebSocket close follows."""
    CLOSED = "closed"
    """The WebSocket connection is gone."""

    def __str__(self) -> str:
        return self.value

    # Hash as the plain string (equal members and strings already compare equal): Enum's own
    # __hash__ is Python code, and states are dict keys on every frame.
    __hash__ = str.__hash__


INITIAL_STATE: Final = SessionState.AWAITING_READY


class Rule(Struct, frozen=True, kw_only=True):
    """A rule of the contract: who can break it, what it says, what to do when it breaks."""

    id: str
    breaker: Literal["client", "server", "caller"]
    says: str
    hint: str
    sources: tuple[str, ...]
    peer_ignores: bool = False
    still_applies: bool = False


RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        "ready-first": Rule(
            id="ready-first",
            breaker="server",
            says="session.ready must be the first message of a session; only an error (a refused session), session.closing or session.ended answering a close sent before it, or an envelope type this spec does not define may come before it.",
            hint="Treat the session as not established: send no video, and reconnect if no session.ready arrives.",
            sources=("DOC-V1", "PYSDK"),
            still_applies=True,
        ),
        "ready-once": Rule(
            id="ready-once",
            breaker="server",
            says="session.ready is sent exactly once per session.",
            hint="Keep the contract from the first session.ready; report the repeat to the vendor.",
            sources=("DOC-V1",),
        ),
        "nothing-after-ended": Rule(
            id="nothing-after-ended",
            breaker="server",
            says="session.ended is the last message of a session.",
            hint="Close the WebSocket; the session's results are final.",
            sources=("PYSDK", "SK-V2"),
        ),
        "closing-answers-close": Rule(
            id="closing-answers-close",
            breaker="server",
            says="session.closing is sent once, only in answer to the client's session.close.",
            hint="Keep streaming; the session is not closing.",
            sources=("PYSDK", "SK-ARCH"),
        ),
        "one-correlation-id": Rule(
            id="one-correlation-id",
            breaker="server",
            says="Every envelope of a connection carries the same correlation_id: the WebSocket connection's id, also sent as the X-Correlation-ID response header.",
            hint="Quote the first correlation id when you contact support; the message was kept as sent.",
            sources=("DOC-V1", "SK-V1", "SK-V1-REF"),
        ),
        "ended-after-closing": Rule(
            id="ended-after-closing",
            breaker="server",
            says="A session.ended that answers the client's session.close (reason client_shutdown) comes after session.closing; only a session the server ends on its own may end while the close is in flight.",
            hint="Treat the session as ended; final signal.ended events may have been skipped.",
            sources=("SK-ARCH", "PYSDK"),
            still_applies=True,
        ),
        "no-video-before-ready": Rule(
            id="no-video-before-ready",
            breaker="client",
            says="No video may be sent before session.ready.",
            hint="Wait for session.ready (receive_message returns it), then send segments.",
            sources=("DOC-V1", "PYSDK"),
            still_applies=True,
        ),
        "nothing-after-close": Rule(
            id="nothing-after-close",
            breaker="client",
            says="After session.close the client sends no more video and no second close (a config may still be sent: it can be sent at any time).",
            hint="Drain: keep receiving until session.ended, then close the WebSocket.",
            sources=("SK-ARCH", "PYSDK"),
            still_applies=True,
        ),
        "session-over": Rule(
            id="session-over",
            breaker="client",
            says="After session.ended nothing more may be sent.",
            hint="Close the WebSocket and open a new session to continue.",
            sources=("PYSDK", "SK-V2"),
            peer_ignores=True,
        ),
        "connection-closed": Rule(
            id="connection-closed",
            breaker="caller",
            says="The connection was reported lost; it takes no more frames.",
            hint="Create a new connection object for a new WebSocket.",
            sources=(),
        ),
        "time-forward": Rule(
            id="time-forward",
            breaker="server",
            says="Session time only moves forward on a track: a signal's start or end is not before a time already reported for that signal type, and an engagement start is not before the last one.",
            hint="The message was kept; the summary clamps it so intervals never run backwards or overlap.",
            sources=("SK-V1", "SK-V2"),
        ),
        "resource-cap": Rule(
            id="resource-cap",
            breaker="server",
            says="The peer reported more distinct signal types than the connection tracks (max_signal_types); the ones beyond the cap are not tracked.",
            hint="Raise max_signal_types if the session is genuine; otherwise close the connection.",
            sources=(),
        ),
        "signal-detected-inactive": Rule(
            id="signal-detected-inactive",
            breaker="server",
            says="signal.detected reports a signal type going from inactive to active; it must not already be active.",
            hint="Treat it as an update of the active signal.",
            sources=("DOC-V1",),
        ),
        "signal-updated-active": Rule(
            id="signal-updated-active",
            breaker="server",
            says="signal.updated is only sent for a signal type that is active.",
            hint="Treat it as the signal becoming active.",
            sources=("DOC-V1",),
        ),
        "signal-updated-changed": Rule(
            id="signal-updated-changed",
            breaker="server",
            says="signal.updated is only sent when probability, rationale or modality differs from the last value reported for that signal type.",
            hint="Nothing changed; the update can be ignored.",
            sources=("DOC-V1", "PYSDK", "SK-V2"),
        ),
        "signal-ended-active": Rule(
            id="signal-ended-active",
            breaker="server",
            says="signal.ended is only sent for a signal type that is active.",
            hint="Ignore it: there is no open interval to end.",
            sources=("DOC-V1",),
        ),
        "engagement-changed": Rule(
            id="engagement-changed",
            breaker="server",
            says="engagement.updated is sent when engagement is first established and then only when the level differs from the last one reported.",
            hint="Nothing changed; the update can be ignored.",
            sources=("DOC-V1",),
        ),
        "documented-values": Rule(
            id="documented-values",
            breaker="server",
            says="probability, the engagement state, include flags and goal dimensions take their documented values, or (include flags and goal dimensions) a value session.ready offered.",
            hint="The message was kept with the value as sent; treat an undocumented probability or engagement level as unknown, and tell the vendor.",
            sources=("DOC-V1", "PYSDK"),
        ),
        "updated-answers-config": Rule(
            id="updated-answers-config",
            breaker="server",
            says="session.updated, or an ih6001 error rejecting a config, answers one config frame the client sent, in order.",
            hint="The config it carries is what the server applies from now on.",
            sources=("DOC-V1", "PYSDK"),
        ),
        "quality-needs-flag": Rule(
            id="quality-needs-flag",
            breaker="server",
            says="conversation_quality.updated is only sent while the acknowledged config has a conversation-quality include flag.",
            hint="Keep the scores, or send a config without those flags again.",
            sources=("DOC-V1",),
        ),
        "quality-has-sections": Rule(
            id="quality-has-sections",
            breaker="server",
            says="conversation_quality.updated carries every section the acknowledged config asked for: overall, and timeline with exactly one period.",
            hint="Use the sections that arrived; the missing ones are not for this period.",
            sources=("DOC-V1",),
        ),
        "quality-period-order": Rule(
            id="quality-period-order",
            breaker="server",
            says="conversation_quality.updated comes at most once per cadence period: a timeline period starts before it ends, and no earlier than the previous period ended.",
            hint="Keep the period that arrived first; the repeat or out-of-order period can be ignored.",
            sources=("DOC-V1",),
        ),
        "error-names-sent-segment": Rule(
            id="error-names-sent-segment",
            breaker="server",
            says="error.segment, when present, names a segment the client sent on this connection.",
            hint="The error cannot be tied to a segment; treat it as connection-wide.",
            sources=("DOC-V1",),
        ),
        "final-signals-ended": Rule(
            id="final-signals-ended",
            breaker="server",
            says="After a graceful close, every active signal gets its final signal.ended before session.ended.",
            hint="Close the still-open signals at the last known time and mark them unended.",
            sources=("SK-ARCH", "PYSDK"),
        ),
        "segment-not-empty": Rule(
            id="segment-not-empty",
            breaker="client",
            says="A video segment is never empty.",
            hint="Skip empty chunks from the recorder.",
            sources=("DOC-V1",),
        ),
        "segment-size": Rule(
            id="segment-size",
            breaker="client",
            says="A segment's size is within min_segment_size_bytes..max_segment_size_bytes of session.ready.",
            hint="Record shorter chunks (a smaller timeslice) so each stays under the limit.",
            sources=("DOC-V1",),
        ),
        "segment-container": Rule(
            id="segment-container",
            breaker="client",
            says="The first segment starts like one of the accepted containers (mp4, mov, avi, mkv, webm, MPEG-TS, MPEG-2 TS); later ones may be continuation chunks of that stream.",
            hint="Send the recorder's chunks in order and unmodified, the first one with its container header; turn the check off for a container the sniffing does not know.",
            sources=("DOC-V1", "PYSDK", "SK-ARCH"),
        ),
        "config-backlog": Rule(
            id="config-backlog",
            breaker="client",
            says="At most 64 config frames wait for an answer at once (before session.ready answers them, or while the server is slow to); a peer that sends more is not followed.",
            hint="Wait for session.updated (or ih6001) before sending more configs.",
            sources=(),
        ),
        "config-well-formed": Rule(
            id="config-well-formed",
            breaker="client",
            says="A config's include and goal_dimensions are each a list of strings.",
            hint='Pass a list, e.g. include=["conversation_quality_overall"], not a bare string.',
            sources=("DOC-V1",),
        ),
        "config-supported": Rule(
            id="config-supported",
            breaker="client",
            says="Config values are among supported_session_config_options of session.ready.",
            hint="Only ask for the include flags and goal dimensions session.ready lists.",
            sources=("DOC-V1", "SK-V2"),
        ),
    }
)

EVENT_SENDERS: Final[Mapping[str, Literal["client", "server", "transport"]]] = MappingProxyType(
    {
        "config": "client",
        "segment": "client",
        "close": "client",
        "session.ready": "server",
        "session.updated": "server",
        "signal.detected": "server",
        "signal.updated": "server",
        "signal.ended": "server",
        "engagement.updated": "server",
        "conversation_quality.updated": "server",
        "error": "server",
        "session.closing": "server",
        "session.ended": "server",
        "coverage.dropped": "server",
        "coverage.degraded": "server",
        "feedback.generated": "server",
        "unknown": "server",
        "connection_lost": "transport",
    }
)
"""Every event of the contract and who causes it. `unknown` is any server envelope type this
spec does not define; `connection_lost` is the WebSocket going away."""

SWITCHES: Final = ("check_segment_sizes", "sniff_containers")
"""Names of the checks a client may turn off (keyword arguments of ClientConnection)."""

MOVES: Final[Mapping[tuple[str, SessionState], SessionState | Rule]] = MappingProxyType(
    {
        ("config", SessionState.AWAITING_READY): SessionState.AWAITING_READY,
        ("config", SessionState.CLOSE_BEFORE_READY): SessionState.CLOSE_BEFORE_READY,
        ("config", SessionState.STREAMING): SessionState.STREAMING,
        ("config", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("config", SessionState.DRAINING): SessionState.DRAINING,
        ("config", SessionState.ENDED): RULES["session-over"],
        ("config", SessionState.CLOSED): RULES["connection-closed"],
        ("segment", SessionState.AWAITING_READY): RULES["no-video-before-ready"],
        ("segment", SessionState.CLOSE_BEFORE_READY): RULES["nothing-after-close"],
        ("segment", SessionState.STREAMING): SessionState.STREAMING,
        ("segment", SessionState.CLOSE_SENT): RULES["nothing-after-close"],
        ("segment", SessionState.DRAINING): RULES["nothing-after-close"],
        ("segment", SessionState.ENDED): RULES["session-over"],
        ("segment", SessionState.CLOSED): RULES["connection-closed"],
        ("close", SessionState.AWAITING_READY): SessionState.CLOSE_BEFORE_READY,
        ("close", SessionState.CLOSE_BEFORE_READY): RULES["nothing-after-close"],
        ("close", SessionState.STREAMING): SessionState.CLOSE_SENT,
        ("close", SessionState.CLOSE_SENT): RULES["nothing-after-close"],
        ("close", SessionState.DRAINING): RULES["nothing-after-close"],
        ("close", SessionState.ENDED): RULES["session-over"],
        ("close", SessionState.CLOSED): RULES["connection-closed"],
        ("session.ready", SessionState.AWAITING_READY): SessionState.STREAMING,
        ("session.ready", SessionState.CLOSE_BEFORE_READY): SessionState.CLOSE_SENT,
        ("session.ready", SessionState.STREAMING): RULES["ready-once"],
        ("session.ready", SessionState.CLOSE_SENT): RULES["ready-once"],
        ("session.ready", SessionState.DRAINING): RULES["ready-once"],
        ("session.ready", SessionState.ENDED): RULES["nothing-after-ended"],
        ("session.ready", SessionState.CLOSED): RULES["connection-closed"],
        ("session.updated", SessionState.AWAITING_READY): RULES["ready-first"],
        ("session.updated", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("session.updated", SessionState.STREAMING): SessionState.STREAMING,
        ("session.updated", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("session.updated", SessionState.DRAINING): SessionState.DRAINING,
        ("session.updated", SessionState.ENDED): RULES["nothing-after-ended"],
        ("session.updated", SessionState.CLOSED): RULES["connection-closed"],
        ("signal.detected", SessionState.AWAITING_READY): RULES["ready-first"],
        ("signal.detected", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("signal.detected", SessionState.STREAMING): SessionState.STREAMING,
        ("signal.detected", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("signal.detected", SessionState.DRAINING): SessionState.DRAINING,
        ("signal.detected", SessionState.ENDED): RULES["nothing-after-ended"],
        ("signal.detected", SessionState.CLOSED): RULES["connection-closed"],
        ("signal.updated", SessionState.AWAITING_READY): RULES["ready-first"],
        ("signal.updated", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("signal.updated", SessionState.STREAMING): SessionState.STREAMING,
        ("signal.updated", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("signal.updated", SessionState.DRAINING): SessionState.DRAINING,
        ("signal.updated", SessionState.ENDED): RULES["nothing-after-ended"],
        ("signal.updated", SessionState.CLOSED): RULES["connection-closed"],
        ("signal.ended", SessionState.AWAITING_READY): RULES["ready-first"],
        ("signal.ended", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("signal.ended", SessionState.STREAMING): SessionState.STREAMING,
        ("signal.ended", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("signal.ended", SessionState.DRAINING): SessionState.DRAINING,
        ("signal.ended", SessionState.ENDED): RULES["nothing-after-ended"],
        ("signal.ended", SessionState.CLOSED): RULES["connection-closed"],
        ("engagement.updated", SessionState.AWAITING_READY): RULES["ready-first"],
        ("engagement.updated", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("engagement.updated", SessionState.STREAMING): SessionState.STREAMING,
        ("engagement.updated", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("engagement.updated", SessionState.DRAINING): SessionState.DRAINING,
        ("engagement.updated", SessionState.ENDED): RULES["nothing-after-ended"],
        ("engagement.updated", SessionState.CLOSED): RULES["connection-closed"],
        ("conversation_quality.updated", SessionState.AWAITING_READY): RULES["ready-first"],
        ("conversation_quality.updated", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("conversation_quality.updated", SessionState.STREAMING): SessionState.STREAMING,
        ("conversation_quality.updated", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("conversation_quality.updated", SessionState.DRAINING): SessionState.DRAINING,
        ("conversation_quality.updated", SessionState.ENDED): RULES["nothing-after-ended"],
        ("conversation_quality.updated", SessionState.CLOSED): RULES["connection-closed"],
        ("error", SessionState.AWAITING_READY): SessionState.AWAITING_READY,
        ("error", SessionState.CLOSE_BEFORE_READY): SessionState.CLOSE_BEFORE_READY,
        ("error", SessionState.STREAMING): SessionState.STREAMING,
        ("error", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("error", SessionState.DRAINING): SessionState.DRAINING,
        ("error", SessionState.ENDED): RULES["nothing-after-ended"],
        ("error", SessionState.CLOSED): RULES["connection-closed"],
        ("session.closing", SessionState.AWAITING_READY): RULES["closing-answers-close"],
        ("session.closing", SessionState.CLOSE_BEFORE_READY): SessionState.DRAINING,
        ("session.closing", SessionState.STREAMING): RULES["closing-answers-close"],
        ("session.closing", SessionState.CLOSE_SENT): SessionState.DRAINING,
        ("session.closing", SessionState.DRAINING): RULES["closing-answers-close"],
        ("session.closing", SessionState.ENDED): RULES["nothing-after-ended"],
        ("session.closing", SessionState.CLOSED): RULES["connection-closed"],
        ("session.ended", SessionState.AWAITING_READY): RULES["ready-first"],
        ("session.ended", SessionState.CLOSE_BEFORE_READY): SessionState.ENDED,
        ("session.ended", SessionState.STREAMING): SessionState.ENDED,
        ("session.ended", SessionState.CLOSE_SENT): SessionState.ENDED,
        ("session.ended", SessionState.DRAINING): SessionState.ENDED,
        ("session.ended", SessionState.ENDED): RULES["nothing-after-ended"],
        ("session.ended", SessionState.CLOSED): RULES["connection-closed"],
        ("coverage.dropped", SessionState.AWAITING_READY): RULES["ready-first"],
        ("coverage.dropped", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("coverage.dropped", SessionState.STREAMING): SessionState.STREAMING,
        ("coverage.dropped", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("coverage.dropped", SessionState.DRAINING): SessionState.DRAINING,
        ("coverage.dropped", SessionState.ENDED): RULES["nothing-after-ended"],
        ("coverage.dropped", SessionState.CLOSED): RULES["connection-closed"],
        ("coverage.degraded", SessionState.AWAITING_READY): RULES["ready-first"],
        ("coverage.degraded", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("coverage.degraded", SessionState.STREAMING): SessionState.STREAMING,
        ("coverage.degraded", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("coverage.degraded", SessionState.DRAINING): SessionState.DRAINING,
        ("coverage.degraded", SessionState.ENDED): RULES["nothing-after-ended"],
        ("coverage.degraded", SessionState.CLOSED): RULES["connection-closed"],
        ("feedback.generated", SessionState.AWAITING_READY): RULES["ready-first"],
        ("feedback.generated", SessionState.CLOSE_BEFORE_READY): RULES["ready-first"],
        ("feedback.generated", SessionState.STREAMING): SessionState.STREAMING,
        ("feedback.generated", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("feedback.generated", SessionState.DRAINING): SessionState.DRAINING,
        ("feedback.generated", SessionState.ENDED): RULES["nothing-after-ended"],
        ("feedback.generated", SessionState.CLOSED): RULES["connection-closed"],
        ("unknown", SessionState.AWAITING_READY): SessionState.AWAITING_READY,
        ("unknown", SessionState.CLOSE_BEFORE_READY): SessionState.CLOSE_BEFORE_READY,
        ("unknown", SessionState.STREAMING): SessionState.STREAMING,
        ("unknown", SessionState.CLOSE_SENT): SessionState.CLOSE_SENT,
        ("unknown", SessionState.DRAINING): SessionState.DRAINING,
        ("unknown", SessionState.ENDED): RULES["nothing-after-ended"],
        ("unknown", SessionState.CLOSED): RULES["connection-closed"],
        ("connection_lost", SessionState.AWAITING_READY): SessionState.CLOSED,
        ("connection_lost", SessionState.CLOSE_BEFORE_READY): SessionState.CLOSED,
        ("connection_lost", SessionState.STREAMING): SessionState.CLOSED,
        ("connection_lost", SessionState.CLOSE_SENT): SessionState.CLOSED,
        ("connection_lost", SessionState.DRAINING): SessionState.CLOSED,
        ("connection_lost", SessionState.ENDED): SessionState.CLOSED,
        ("connection_lost", SessionState.CLOSED): SessionState.CLOSED,
    }
)
"""(event, state) -> the next state, or the rule that forbids the event in that state."""


class Section(Struct, frozen=True, kw_only=True):
    """A section of a message that an include flag asks for."""

    flag: str
    field: str
    items: int | None = None


class Guard(Struct, frozen=True, kw_only=True):
    """A check on the content of an allowed event."""

    rule: Rule
    event: str
    check: str
    fields: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    limit: str = ""
    options: str = ""
    sections: tuple[Section, ...] = ()
    states: frozenset[SessionState] | None = None
    server_reply: str | None = None
    switch: str | None = None
    checked_by: frozenset[str] = frozenset({"client", "server"})
    documented: Mapping[str, frozenset[str]] = MappingProxyType({})
    """Field -> the documented values of its closed set (D33), for the checks that need it."""
    models: frozenset[str] = frozenset()
    unless: str | None = None
    """A sticky config key (D52): the guard does not apply while the session has a value
    for it (v2's raw PCM frames, after audio_format: D55)."""


GUARDS: Final[tuple[Guard, ...]] = (
    Guard(rule=RULES["one-correlation-id"], event="*", check="same_correlation_id"),
    Guard(rule=RULES["signal-detected-inactive"], event="signal.detected", check="signal_inactive"),
    Guard(
        rule=RULES["documented-values"],
        event="signal.detected",
        check="values_documented",
        fields=("probability",),
        documented=MappingProxyType({"probability": PROBABILITIES}),
    ),
    Guard(rule=RULES["signal-updated-active"], event="signal.updated", check="signal_active"),
    Guard(
        rule=RULES["signal-updated-changed"],
        event="signal.updated",
        check="signal_reading_changed",
        fields=("probability", "rationale", "modality"),
    ),
    Guard(
        rule=RULES["documented-values"],
        event="signal.updated",
        check="values_documented",
        fields=("probability",),
        documented=MappingProxyType({"probability": PROBABILITIES}),
    ),
    Guard(rule=RULES["signal-ended-active"], event="signal.ended", check="signal_active"),
    Guard(rule=RULES["engagement-changed"], event="engagement.updated", check="engagement_changed"),
    Guard(
        rule=RULES["documented-values"],
        event="engagement.updated",
        check="values_documented",
        fields=("state",),
        documented=MappingProxyType({"state": ENGAGEMENT_STATES}),
    ),
    Guard(rule=RULES["updated-answers-config"], event="session.updated", check="config_pending"),
    Guard(
        rule=RULES["documented-values"],
        event="session.updated",
        check="values_documented_or_offered",
        fields=("include", "goal_dimensions"),
        options="supported_session_config_options",
        documented=MappingProxyType({"include": INCLUDE_FLAGS, "goal_dimensions": GOAL_DIMENSIONS}),
    ),
    Guard(
        rule=RULES["updated-answers-config"],
        event="error",
        check="config_pending",
        codes=frozenset(("ih6001",)),
    ),
    Guard(
        rule=RULES["quality-needs-flag"],
        event="conversation_quality.updated",
        check="acknowledged_include_any",
        flags=frozenset(("conversation_quality_overall", "conversation_quality_timeline")),
    ),
    Guard(
        rule=RULES["quality-has-sections"],
        event="conversation_quality.updated",
        check="requested_sections_present",
        sections=(
            Section(flag="conversation_quality_overall", field="overall"),
            Section(flag="conversation_quality_timeline", field="timeline", items=1),
        ),
    ),
    Guard(
        rule=RULES["quality-period-order"],
        event="conversation_quality.updated",
        check="quality_periods_advance",
    ),
    Guard(rule=RULES["error-names-sent-segment"], event="error", check="segment_was_sent"),
    Guard(
        rule=RULES["ended-after-closing"],
        event="session.ended",
        check="end_reason_not",
        reasons=frozenset(("client_shutdown",)),
        states=frozenset(
            {SessionState.CLOSE_BEFORE_READY, SessionState.STREAMING, SessionState.CLOSE_SENT}
        ),
    ),
    Guard(
        rule=RULES["final-signals-ended"],
        event="session.ended",
        check="no_active_signals",
        states=frozenset({SessionState.DRAINING}),
    ),
    Guard(rule=RULES["segment-not-empty"], event="segment", check="segment_not_empty"),
    Guard(
        rule=RULES["segment-size"],
        event="segment",
        check="segment_at_most",
        limit="max_segment_size_bytes",
        server_reply="ih6002",
        switch="check_segment_sizes",
    ),
    Guard(
        rule=RULES["segment-size"],
        event="segment",
        check="segment_at_least",
        limit="min_segment_size_bytes",
        switch="check_segment_sizes",
    ),
    Guard(
        rule=RULES["segment-container"],
        event="segment",
        check="segment_starts_like_container",
        switch="sniff_containers",
        checked_by=frozenset(("client",)),
    ),
    Guard(rule=RULES["config-backlog"], event="config", check="config_backlog_within_cap"),
    Guard(
        rule=RULES["config-well-formed"],
        event="config",
        check="config_well_formed",
        fields=("include", "goal_dimensions"),
        checked_by=frozenset(("client",)),
    ),
    Guard(
        rule=RULES["config-supported"],
        event="config",
        check="config_values_supported",
        fields=("include", "goal_dimensions"),
        options="supported_session_config_options",
        server_reply="ih6001",
        documented=MappingProxyType({"include": INCLUDE_FLAGS, "goal_dimensions": GOAL_DIMENSIONS}),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.detected",
        check="signal_time_forward",
        fields=("start",),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.updated",
        check="signal_time_forward",
        fields=("start",),
    ),
    Guard(
        rule=RULES["time-forward"],
        event="signal.ended",
        check="signal_time_forward",
        fields=("end",),
    ),
    Guard(rule=RULES["time-forward"], event="engagement.updated", check="engagement_time_forward"),
    Guard(rule=RULES["resource-cap"], event="signal.detected", check="signal_types_within_cap"),
    Guard(rule=RULES["resource-cap"], event="signal.updated", check="signal_types_within_cap"),
)


class Effect(Struct, frozen=True, kw_only=True):
    """A change an allowed event makes to the tracked session."""

    event: str
    effect: str
    codes: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()


EFFECTS: Final[tuple[Effect, ...]] = (
    Effect(event="*", effect="remember_correlation_id"),
    Effect(event="session.ready", effect="store_ready"),
    Effect(event="config", effect="queue_config"),
    Effect(event="session.updated", effect="acknowledge_config"),
    Effect(event="error", effect="reject_config", codes=frozenset(("ih6001",))),
    Effect(event="segment", effect="record_segment"),
    Effect(event="signal.detected", effect="open_signal"),
    Effect(event="signal.updated", effect="open_signal"),
    Effect(event="signal.ended", effect="close_signal"),
    Effect(event="engagement.updated", effect="set_engagement"),
    Effect(event="session.closing", effect="store_closing"),
    Effect(event="conversation_quality.updated", effect="record_quality_period"),
    Effect(event="signal.detected", effect="record_signal_time", fields=("start",)),
    Effect(event="signal.updated", effect="record_signal_time", fields=("start",)),
    Effect(event="signal.ended", effect="record_signal_time", fields=("end",)),
)


class DeadlineRule(Struct, frozen=True, kw_only=True):
    """A time limit a server message announces: `limit` names the field of the data of
    message `of`, `since` when its clock starts, `states` where it runs, `error_code` what
    the server sends when it passes (None: nothing), `means` what that means for the client."""

    id: str
    limit: str
    of: str
    since: Literal["ready", "last_client_frame", "closing"]
    states: frozenset[SessionState]
    error_code: str | None
    means: str


DEADLINE_RULES: Final[tuple[DeadlineRule, ...]] = (
    DeadlineRule(
        id="idle-timeout",
        limit="session_idle_timeout_seconds",
        of="session.ready",
        since="last_client_frame",
        states=frozenset({SessionState.STREAMING, SessionState.CLOSE_SENT, SessionState.DRAINING}),
        error_code="ih6003",
        means="The server ends the session for inactivity (ih6003, then a close): send a frame before it, or open a new session.",
    ),
    DeadlineRule(
        id="max-duration",
        limit="session_max_duration_seconds",
        of="session.ready",
        since="ready",
        states=frozenset({SessionState.STREAMING, SessionState.CLOSE_SENT, SessionState.DRAINING}),
        error_code="ih6004",
        means="The server ends the session at its maximum duration (ih6004, then a close): open a new session to go on.",
    ),
    DeadlineRule(
        id="drain",
        limit="max_drain_seconds",
        of="session.closing",
        since="closing",
        states=frozenset({SessionState.DRAINING}),
        error_code=None,
        means="The drain the server announced is over without session.ended: close the WebSocket; results that did not arrive are lost.",
    ),
)
DEADLINE_STATES: Final = frozenset().union(*(rule.states for rule in DEADLINE_RULES))
"""States in which some deadline runs."""
