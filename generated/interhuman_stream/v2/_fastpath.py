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
from .._fastpath import (
    _accept,
    _on_conversation_quality_updated,
    _on_engagement_updated,
    _on_error,
    _on_session_closing,
    _on_session_ended,
    _on_session_ended__draining,
    _on_session_ready,
    _on_session_ready__close_before_ready,
    _on_signal_detected,
    _on_signal_ended,
    _refer_conversation_quality_updated,
    _refer_coverage_degraded,
    _refer_coverage_dropped,
    _refer_engagement_updated,
    _refer_error,
    _refer_feedback_generated,
    _refer_session_closing,
    _refer_session_ended,
    _refer_session_ready,
    _refer_session_updated,
    _refer_signal_detected,
    _refer_signal_ended,
    _refer_signal_updated,
    _refer_unknown,
)
from ._codec import MESSAGE_CLASSES, UnknownMessage
from ._contract import EFFECTS as CONTRACT_EFFECTS
from ._contract import GUARDS
from ._vocab import PROBABILITIES

_EFFECT_ACKNOWLEDGE_CONFIG_SESSION_UPDATED: Final = next(
    e for e in CONTRACT_EFFECTS if (e.effect, e.event) == ("acknowledge_config", "session.updated")
)
_GUARD_DOCUMENTED_VALUES_SESSION_UPDATED_VALUES_DOCUMENTED_OR_OFFERED: Final = next(
    g
    for g in GUARDS
    if (g.rule.id, g.event, g.check)
    == ("documented-values", "session.updated", "values_documented_or_offered")
)
_PROBABILITIES_OR_NOTHING: Final = frozenset({*PROBABILITIES, None, UNSET})


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
