# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json, spec/protocol.schema.json, spec/v2.overlay.json
# Template: codegen/templates/_fastpath.py.jinja2

"""The client's receive fast path: one handler per (state, message class) the table allows,
with the simplest checks and effects written out, computed by codegen/_fastpath.py from the
same table Core.handle applies. A frame that fails any check goes to Core.handle, which
decides and reports exactly as the table says; tests/test_engine.py checks that
both paths always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from msgspec import UNSET

from .._checks import CHECKS, EFFECTS
from .._contract import SessionState
from .._engine import Core
from ._codec import MESSAGE_CLASSES, UnknownMessage
from ._contract import EFFECTS as CONTRACT_EFFECTS
from ._contract import GUARDS
from ._vocab import ENGAGEMENT_STATES, PROBABILITIES

_CODES_UPDATED_ANSWERS_CONFIG_ERROR: Final = frozenset(["ih6001"])
_EFFECT_ACKNOWLEDGE_CONFIG_SESSION_UPDATED: Final = next(
    e for e in CONTRACT_EFFECTS if (e.effect, e.event) == ("acknowledge_config", "session.updated")
)
_EFFECT_REJECT_CONFIG_ERROR: Final = next(
    e for e in CONTRACT_EFFECTS if (e.effect, e.event) == ("reject_config", "error")
)
_EFFECT_STORE_CLOSING_SESSION_CLOSING: Final = next(
    e for e in CONTRACT_EFFECTS if (e.effect, e.event) == ("store_closing", "session.closing")
)
_EFFECT_STORE_READY_SESSION_READY: Final = next(
    e for e in CONTRACT_EFFECTS if (e.effect, e.event) == ("store_ready", "session.ready")
)
_ENGAGEMENT_STATES_OR_NOTHING: Final = frozenset({*ENGAGEMENT_STATES, None, UNSET})
_FLAGS_QUALITY_NEEDS_FLAG: Final = frozenset(
    ["conversation_quality_overall", "conversation_quality_timeline"]
)
_GUARD_DOCUMENTED_VALUES_SESSION_UPDATED_VALUES_DOCUMENTED_OR_OFFERED: Final = next(
    g
    for g in GUARDS
    if (g.rule.id, g.event, g.check)
    == ("documented-values", "session.updated", "values_documented_or_offered")
)
_GUARD_ENDED_AFTER_CLOSING_SESSION_ENDED_END_REASON_NOT: Final = next(
    g
    for g in GUARDS
    if (g.rule.id, g.event, g.check) == ("ended-after-closing", "session.ended", "end_reason_not")
)
_HIGHEST_SEGMENT_INDEX_BASE: Final = 1
_LOWEST_SEGMENT_INDEX_BASE: Final = 0
_PROBABILITIES_OR_NOTHING: Final = frozenset({*PROBABILITIES, None, UNSET})


def _accept(core: Core, message: Any, now: float | None) -> None:
    """Allowed, with nothing to check or change."""


def _on_session_ready(core: Core, message: Any, now: float | None) -> None:
    EFFECTS["store_ready"](core, _EFFECT_STORE_READY_SESSION_READY, message, now)
    core.move(SessionState.STREAMING)


def _refer_session_updated(core: Core, message: Any, now: float | None) -> None:
    core.handle("session.updated", message, now)


def _refer_signal_detected(core: Core, message: Any, now: float | None) -> None:
    core.handle("signal.detected", message, now)


def _refer_signal_updated(core: Core, message: Any, now: float | None) -> None:
    core.handle("signal.updated", message, now)


def _refer_signal_ended(core: Core, message: Any, now: float | None) -> None:
    core.handle("signal.ended", message, now)


def _refer_engagement_updated(core: Core, message: Any, now: float | None) -> None:
    core.handle("engagement.updated", message, now)


def _refer_conversation_quality_updated(core: Core, message: Any, now: float | None) -> None:
    core.handle("conversation_quality.updated", message, now)


def _on_error(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    segment = data.segment
    if data.code in _CODES_UPDATED_ANSWERS_CONFIG_ERROR and not core.pending_configs:
        core.handle("error", message, now)
        return
    if (
        segment is not None
        and segment is not UNSET
        and not (
            core.segment_base is None
            and core.segments
            and _LOWEST_SEGMENT_INDEX_BASE
            <= segment
            < _HIGHEST_SEGMENT_INDEX_BASE + len(core.segments)
        )
        and core.segment(segment) is None
    ):
        core.handle("error", message, now)
        return
    EFFECTS["reject_config"](core, _EFFECT_REJECT_CONFIG_ERROR, message, now)


def _refer_session_closing(core: Core, message: Any, now: float | None) -> None:
    core.handle("session.closing", message, now)


def _refer_session_ended(core: Core, message: Any, now: float | None) -> None:
    core.handle("session.ended", message, now)


def _refer_coverage_dropped(core: Core, message: Any, now: float | None) -> None:
    core.handle("coverage.dropped", message, now)


def _refer_coverage_degraded(core: Core, message: Any, now: float | None) -> None:
    core.handle("coverage.degraded", message, now)


def _refer_feedback_generated(core: Core, message: Any, now: float | None) -> None:
    core.handle("feedback.generated", message, now)


def _on_session_ready__close_before_ready(core: Core, message: Any, now: float | None) -> None:
    EFFECTS["store_ready"](core, _EFFECT_STORE_READY_SESSION_READY, message, now)
    core.move(SessionState.CLOSE_SENT)


def _on_session_closing(core: Core, message: Any, now: float | None) -> None:
    EFFECTS["store_closing"](core, _EFFECT_STORE_CLOSING_SESSION_CLOSING, message, now)
    core.move(SessionState.DRAINING)


def _on_session_ended(core: Core, message: Any, now: float | None) -> None:
    if not CHECKS["end_reason_not"].test(
        core, _GUARD_ENDED_AFTER_CLOSING_SESSION_ENDED_END_REASON_NOT, message
    ):
        core.handle("session.ended", message, now)
        return
    core.move(SessionState.ENDED)


def _refer_session_ready(core: Core, message: Any, now: float | None) -> None:
    core.handle("session.ready", message, now)


def _on_session_updated(core: Core, message: Any, now: float | None) -> None:
    if not core.pending_configs:
        core.handle("session.updated", message, now)
        return
    if not CHECKS["values_documented_or_offered"].test(
        core, _GUARD_DOCUMENTED_VALUES_SESSION_UPDATED_VALUES_DOCUMENTED_OR_OFFERED, message
    ):
        core.handle("session.updated", message, now)
        return
    EFFECTS["acknowledge_config"](core, _EFFECT_ACKNOWLEDGE_CONFIG_SESSION_UPDATED, message, now)


def _on_signal_detected(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    kind = data.signal_type
    signals = core.signals
    times = core.track_times
    latest = times.get(kind)
    if kind in signals:
        core.handle("signal.detected", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        core.handle("signal.detected", message, now)
        return
    if latest is not None and data.start < latest:
        core.handle("signal.detected", message, now)
        return
    if latest is None and len(times) >= core.max_signal_types and not core.capped:
        core.handle("signal.detected", message, now)
        return
    if latest is not None or len(times) < core.max_signal_types:
        signals[kind] = data
        times[kind] = data.start


def _on_signal_updated(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    kind = data.signal_type
    signals = core.signals
    times = core.track_times
    last = signals.get(kind)
    latest = times.get(kind)
    if last is None:
        core.handle("signal.updated", message, now)
        return
    if (
        data.probability == last.probability
        or (
            (data.probability is None or data.probability is UNSET)
            and (last.probability is None or last.probability is UNSET)
        )
    ) and (
        data.rationale == last.rationale
        or (
            (data.rationale is None or data.rationale is UNSET)
            and (last.rationale is None or last.rationale is UNSET)
        )
    ):
        core.handle("signal.updated", message, now)
        return
    if data.probability not in _PROBABILITIES_OR_NOTHING:
        core.handle("signal.updated", message, now)
        return
    if latest is not None and data.start < latest:
        core.handle("signal.updated", message, now)
        return
    if latest is None and len(times) >= core.max_signal_types and not core.capped:
        core.handle("signal.updated", message, now)
        return
    if latest is not None or len(times) < core.max_signal_types:
        signals[kind] = data
        times[kind] = data.start


def _on_signal_ended(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    kind = data.signal_type
    signals = core.signals
    times = core.track_times
    latest = times.get(kind)
    if kind not in signals:
        core.handle("signal.ended", message, now)
        return
    if latest is not None and data.end < latest:
        core.handle("signal.ended", message, now)
        return
    signals.pop(kind, None)
    if latest is not None or len(times) < core.max_signal_types:
        times[kind] = data.end


def _on_engagement_updated(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    engagement = core.engagement
    if engagement is not None and engagement.state == data.state:
        core.handle("engagement.updated", message, now)
        return
    if data.state not in _ENGAGEMENT_STATES_OR_NOTHING:
        core.handle("engagement.updated", message, now)
        return
    if engagement is not None and data.start < engagement.start:
        core.handle("engagement.updated", message, now)
        return
    core.engagement = data


def _on_conversation_quality_updated(core: Core, message: Any, now: float | None) -> None:
    data = message.data
    timeline = data.timeline
    include = core.include
    acknowledged = core.acknowledged
    if acknowledged is None or _FLAGS_QUALITY_NEEDS_FLAG.isdisjoint(include):
        core.handle("conversation_quality.updated", message, now)
        return
    if acknowledged is not None and (
        (
            "conversation_quality_overall" in include
            and (data.overall is None or data.overall is UNSET)
        )
        or (
            "conversation_quality_timeline" in include
            and (timeline is None or timeline is UNSET or len(timeline) != 1)
        )
    ):
        core.handle("conversation_quality.updated", message, now)
        return
    if type(timeline) is list and (
        len(timeline) != 1
        or not timeline[0].start < timeline[0].end
        or (core.last_period_end is not None and timeline[0].start < core.last_period_end)
    ):
        core.handle("conversation_quality.updated", message, now)
        return
    if type(timeline) is list:
        core.last_period_end = timeline[0].end


def _on_session_ended__draining(core: Core, message: Any, now: float | None) -> None:
    if core.signals:
        core.handle("session.ended", message, now)
        return
    core.move(SessionState.ENDED)


def _refer_error(core: Core, message: Any, now: float | None) -> None:
    core.handle("error", message, now)


def _refer_unknown(core: Core, message: Any, now: float | None) -> None:
    core.handle("unknown", message, now)


HANDLERS: Final[Mapping[SessionState, Mapping[type, Callable[[Core, Any, float | None], None]]]] = {
    SessionState.AWAITING_READY: {
        MESSAGE_CLASSES["session.ready"]: _on_session_ready,
        MESSAGE_CLASSES["session.updated"]: _refer_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _refer_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _refer_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _refer_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _refer_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _refer_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error,
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
        MESSAGE_CLASSES["error"]: _on_error,
        MESSAGE_CLASSES["session.closing"]: _on_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _refer_coverage_dropped,
        MESSAGE_CLASSES["coverage.degraded"]: _refer_coverage_degraded,
        MESSAGE_CLASSES["feedback.generated"]: _refer_feedback_generated,
        UnknownMessage: _accept,
    },
    SessionState.STREAMING: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _on_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error,
        MESSAGE_CLASSES["session.closing"]: _refer_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _accept,
        MESSAGE_CLASSES["coverage.degraded"]: _accept,
        MESSAGE_CLASSES["feedback.generated"]: _accept,
        UnknownMessage: _accept,
    },
    SessionState.CLOSE_SENT: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _on_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error,
        MESSAGE_CLASSES["session.closing"]: _on_session_closing,
        MESSAGE_CLASSES["session.ended"]: _on_session_ended,
        MESSAGE_CLASSES["coverage.dropped"]: _accept,
        MESSAGE_CLASSES["coverage.degraded"]: _accept,
        MESSAGE_CLASSES["feedback.generated"]: _accept,
        UnknownMessage: _accept,
    },
    SessionState.DRAINING: {
        MESSAGE_CLASSES["session.ready"]: _refer_session_ready,
        MESSAGE_CLASSES["session.updated"]: _on_session_updated,
        MESSAGE_CLASSES["signal.detected"]: _on_signal_detected,
        MESSAGE_CLASSES["signal.updated"]: _on_signal_updated,
        MESSAGE_CLASSES["signal.ended"]: _on_signal_ended,
        MESSAGE_CLASSES["engagement.updated"]: _on_engagement_updated,
        MESSAGE_CLASSES["conversation_quality.updated"]: _on_conversation_quality_updated,
        MESSAGE_CLASSES["error"]: _on_error,
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
"""State -> message class -> its handler."""

EVENT_OF: Final[dict[type, str]] = {
    **{cls: tag for tag, cls in MESSAGE_CLASSES.items()},
    UnknownMessage: "unknown",
}
"""Message class -> its contract event."""
