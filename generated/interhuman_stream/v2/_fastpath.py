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

from .. import _fastpath as _shared
from .._checks import CHECKS, EFFECTS
from .._contract import SessionState
from .._engine import Core
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


_OWN: Final[Mapping[Callable[[Core, Any, float | None], None], Callable[..., None]]] = {
    _shared._on_session_updated: _on_session_updated,
    _shared._on_signal_updated: _on_signal_updated,
}
"""v1's handlers this version replaces with its own (the rest read the same: they are v1's)."""

HANDLERS: Final[Mapping[SessionState, Mapping[type, Callable[[Core, Any, float | None], None]]]] = {
    state: {
        (cls if cls is UnknownMessage else MESSAGE_CLASSES[_shared.EVENT_OF[cls]]): _OWN.get(
            handler, handler
        )
        for cls, handler in handlers.items()
    }
    for state, handlers in _shared.HANDLERS.items()
}
"""State -> message class -> its handler: v1's table, on this version's classes, with the
handlers it replaces."""

EVENT_OF: Final[dict[type, str]] = {
    **{cls: tag for tag, cls in MESSAGE_CLASSES.items()},
    UnknownMessage: "unknown",
}
"""Message class -> its contract event."""
