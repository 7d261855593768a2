# Hand-written runtime: edit codegen/runtime/_summary.py (regen copies it verbatim).

"""Folding a live session into the upload API's result shape (SessionSummary, D32).

Attach SummaryFold to a ClientConnection (`ClientConnection(fold=fold)`): the connection
feeds it every message it applied and finalises it when the connection is lost, so the fold
never follows a message the connection refused (a session.ended before session.ready). Or
feed it yourself (add, connection_lost). summary() returns the result so far at any moment.
It is final once session.ended arrived (complete), or once the connection was lost first
(partial: the signals still open are closed at the last known time and flagged unended).

Time only moves forward per track (D40): a signal start before that type's last end, or an
engagement start before the last one, is clamped, and a quality period that repeats or goes
back is left out, so intervals never run backwards or overlap. What a hostile peer can make
the fold keep is capped (D39): `max_signal_types` distinct signal types,
`max_readings_per_signal` readings in one interval's history, `max_entries` entries in each
list; what is beyond a cap is left out and named once in `limits_reached`.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ._codec import UnknownMessage
from ._models import (
    CoverageGap,
    EngagementInterval,
    OpenSignal,
    QualityPeriod,
    QualityScores,
    QualitySummary,
    ServerMessage,
    SessionSummary,
    SignalData,
    SignalInterval,
    SignalReading,
    SummaryError,
    TimeRange,
)

_UNSET: Any = msgspec.UNSET

# Message class -> its envelope type, for every version's classes (filled as they come).
_KINDS: dict[type, str] = {}


def _kind(message: Any) -> str | None:
    config = getattr(type(message), "__struct_config__", None)
    tag = getattr(config, "tag", None)
    if isinstance(tag, str):
        _KINDS[type(message)] = tag
    return tag if isinstance(tag, str) else None


DEFAULT_MAX_SIGNAL_TYPES: Final = 1000
"""Distinct signal types a fold keeps (D39)."""
DEFAULT_MAX_READINGS_PER_SIGNAL: Final = 1000
"""Readings kept in one signal interval's history (D39)."""
DEFAULT_MAX_ENTRIES: Final = 10_000
"""Entries kept in each list of the summary: signal intervals, engagement changes, quality
periods, coverage gaps, errors, feedback texts (D39). An hour of analysis holds far fewer."""


class SummaryFold:
    """The session so far, in the upload API's shape; see the module docstring."""

    __slots__ = (
        "_closed",
        "_complete",
        "_correlation_id",
        "_coverage",
        "_ends",
        "_engagement",
        "_errors",
        "_feedback",
        "_last_time",
        "_limits",
        "_max_entries",
        "_max_readings",
        "_max_types",
        "_open",
        "_overall",
        "_partial",
        "_timeline",
    )

    def __init__(
        self,
        *,
        max_signal_types: int = DEFAULT_MAX_SIGNAL_TYPES,
        max_readings_per_signal: int = DEFAULT_MAX_READINGS_PER_SIGNAL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        for name, value in (
            ("max_signal_types", max_signal_types),
            ("max_readings_per_signal", max_readings_per_signal),
            ("max_entries", max_entries),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} is a whole number >= 1, not {value!r}")
        self._max_types = max_signal_types
        self._max_readings = max_readings_per_signal
        self._max_entries = max_entries
        self._limits: list[str] = []
        # signal type -> the end of its last interval: every type seen, up to the cap
        self._ends: dict[str, float] = {}
        self._closed: list[SignalInterval] = []
        # signal type -> (start, readings so far, last reading)
        self._open: dict[str, tuple[float, list[SignalReading], SignalData]] = {}
        self._engagement: list[tuple[str, float]] = []
        self._overall: QualityScores | None = None
        self._timeline: list[QualityPeriod] = []
        self._coverage: list[CoverageGap] = []
        self._errors: list[SummaryError] = []
        self._feedback: list[str] = []
        self._correlation_id: str | None = None
        self._last_time = 0.0
        self._complete = False
        self._partial = False

    @property
    def limits_reached(self) -> tuple[str, ...]:
        """Each cap the session went beyond, once, saying what was left out."""
        return tuple(self._limits)

    @property
    def final(self) -> bool:
        """True once nothing can change the summary any more."""
        return self._complete or self._partial

    def add(self, message: ServerMessage | UnknownMessage) -> None:
        """Take one message, in the order the session delivered them."""
        if self.final or isinstance(message, UnknownMessage):
            return
        if self._correlation_id is None:
            self._correlation_id = message.correlation_id
        # Dispatched on the envelope type, so every protocol version's classes fold alike.
        kind = _KINDS.get(type(message)) or _kind(message)
        data: Any = message.data  # any version's data Struct
        if kind in {"signal.detected", "signal.updated"}:
            self._reading(data)
        elif kind == "signal.ended":
            self._end(data.signal_type, data.end, unended=False)
        elif kind == "engagement.updated":
            self._time(data.start)
            # Clamped to the last start: the intervals tile and never run backwards (D40).
            start = data.start
            if self._engagement:
                start = max(start, self._engagement[-1][1])
            if not self._engagement or self._engagement[-1][0] != data.state:
                self._keep(self._engagement, (data.state, start), "engagement changes")
        elif kind == "conversation_quality.updated":
            self._quality(data)
        elif kind == "coverage.dropped":
            self._gaps("dropped", data.ranges, UNSET)
        elif kind == "coverage.degraded":
            self._gaps("degraded", data.ranges, data.reason)
        elif kind == "error":
            segment = data.segment
            error = SummaryError(
                code=data.code,
                message=data.message,
                segment=segment if isinstance(segment, int) else None,
            )
            self._keep(self._errors, error, "errors")
        elif kind == "feedback.generated":
            self._keep(self._feedback, data.feedback, "feedback texts")
        elif kind == "session.ended":
            self._close_open()  # a server that ended on its own may leave signals open
            self._complete = True

    def connection_lost(self) -> None:
        """The connection went away: unless session.ended came first, the result is partial."""
        if not self.final:
            self._close_open()
            self._partial = True

    def summary(self) -> SessionSummary:
        """The result so far (final once `final` is True)."""
        changes = self._engagement
        engagement = [
            EngagementInterval(
                state=state,
                start=start,
                end=changes[i + 1][1] if i + 1 < len(changes) else max(start, self._last_time),
            )
            for i, (state, start) in enumerate(changes)
        ]
        open_signals = [
            OpenSignal(
                type=signal_type,
                start=start,
                probability=last.probability,
                rationale=last.rationale,
                modality=getattr(last, "modality", UNSET),
                history=list(history),
            )
            for signal_type, (start, history, last) in self._open.items()
        ]
        # The upload shape requires an overall score in conversation_quality (D32).
        quality = (
            QualitySummary(overall=self._overall, timeline=list(self._timeline))
            if self._overall is not None
            else _UNSET
        )
        periods_alone = list(self._timeline) if self._overall is None and self._timeline else _UNSET
        return SessionSummary(
            signals=sorted(self._closed, key=lambda s: (s.start, s.end, s.type)),
            engagement_state=engagement,
            conversation_quality=quality,
            open_signals=open_signals,
            coverage=list(self._coverage),
            errors=list(self._errors),
            feedback_messages=list(self._feedback),
            quality_timeline=periods_alone,
            correlation_id=self._correlation_id,
            complete=self._complete,
            partial=self._partial,
            last_time=self._last_time,
        )

    # -- folding ------------------------------------------------------------------------

    def _time(self, seconds: float) -> None:
        self._last_time = max(self._last_time, seconds)

    def _reading(self, data: SignalData) -> None:
        self._time(data.start)
        reading = SignalReading(
            probability=data.probability,
            rationale=data.rationale,
            modality=getattr(data, "modality", UNSET),  # v2's signals have none (D51)
        )
        current = self._open.get(data.signal_type)
        if current is None:
            if data.signal_type not in self._ends:
                if len(self._ends) >= self._max_types:
                    self._limit(
                        f"max_signal_types {self._max_types:,}: signal types first reported "
                        f"after {self._max_types:,} others are left out"
                    )
                    return
                self._ends[data.signal_type] = 0.0
            # Not before the end of the same type's last interval (D40).
            start = max(data.start, self._ends[data.signal_type])
            self._open[data.signal_type] = (start, [reading], data)
        else:
            start, history, _last = current
            if len(history) < self._max_readings:
                history.append(reading)
            else:
                self._limit(
                    f"max_readings_per_signal {self._max_readings:,}: later readings of a "
                    "signal are left out of its history (its last reading is kept)"
                )
            self._open[data.signal_type] = (start, history, data)

    def _end(self, signal_type: str, end: float, *, unended: bool) -> None:
        self._time(end)
        current = self._open.pop(signal_type, None)
        if current is None:
            return  # an end without a start (a contract breach): nothing to close
        start, history, last = current
        self._ends[signal_type] = max(start, end)
        if len(self._closed) >= self._max_entries:
            self._limit(self._entries_note("signal intervals"))
            return
        self._closed.append(
            SignalInterval(
                type=signal_type,
                start=start,
                end=max(start, end),
                probability=last.probability,
                rationale=last.rationale,
                modality=getattr(last, "modality", UNSET),
                history=history,
                unended=unended,
            )
        )

    def _gaps(
        self,
        kind: Literal["dropped", "degraded"],
        ranges: list[TimeRange] | UnsetType,
        reason: str | UnsetType,
    ) -> None:
        # Ranges and the degraded reason are optional (D30): no ranges, no gap.
        if ranges is UNSET:
            return
        for span in ranges:
            self._time(span.end)
            if len(self._coverage) >= self._max_entries:
                self._limit(self._entries_note("coverage gaps"))
                return
            self._coverage.append(
                CoverageGap(
                    kind=kind,
                    start=span.start,
                    end=span.end,
                    reason=reason if isinstance(reason, str) else None,
                )
            )

    def _keep(self, entries: list[Any], item: Any, what: str) -> None:
        """Append, within max_entries; the first item left out is named once."""
        if len(entries) < self._max_entries:
            entries.append(item)
        else:
            self._limit(self._entries_note(what))

    def _entries_note(self, what: str) -> str:
        return f"max_entries {self._max_entries:,}: later {what} are left out"

    def _limit(self, note: str) -> None:
        if note not in self._limits:
            self._limits.append(note)

    def _close_open(self) -> None:
        for signal_type in list(self._open):
            self._end(signal_type, self._last_time, unended=True)

    def _quality(self, data: Any) -> None:
        if data.overall is not None and data.overall is not UNSET:
            self._overall = data.overall
        if isinstance(data.timeline, list):
            for period in data.timeline:
                self._time(period.end)
                if self._timeline and period.start < self._timeline[-1].end:
                    continue  # a repeated or earlier period (quality-period-order): keep the first
                self._keep(self._timeline, period, "quality periods")


def encode_summary(summary: SessionSummary) -> bytes:
    """The summary as JSON, in the upload result's field names."""
    return _encoder.encode(summary)


_encoder = msgspec.json.Encoder()
