"""Caps against a hostile peer (D39) and time that only moves forward (D40): what the peer
can make a connection or a summary fold keep is bounded, and nothing contradicts the session.
"""

from __future__ import annotations

import json
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from harness import WEBM_HEAD

import interhuman_stream as ih
from interhuman_stream._engine import DEFAULT_MAX_SIGNAL_TYPES, DEFAULT_VIOLATION_EXCERPT_BYTES

CID = str(uuid.UUID(int=7))
MIB = 1024 * 1024


def envelope(kind: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"type": kind, "timestamp": "2026-05-20T14:00:00Z", "correlation_id": CID, "data": data}
    ).encode()


READY = envelope(
    "session.ready",
    {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 34000,
        "supported_session_config_options": {"include": ["conversation_quality_overall"]},
    },
)


def peak_mib(run: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def test_new_signal_types_without_end_stay_within_the_caps() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY)
    frames = (
        envelope("signal.detected", {"signal_type": f"t{i}", "start": 1.0}) for i in range(200_000)
    )

    def run() -> None:
        for frame in frames:
            client.receive_message(frame)

    assert peak_mib(run) < 40
    assert len(client.active_signals) == DEFAULT_MAX_SIGNAL_TYPES
    assert [v.rule for v in client.violations] == ["resource-cap"]  # reported once
    assert "t1000" in client.violations[0].detail
    assert len(fold.summary().open_signals) == DEFAULT_MAX_SIGNAL_TYPES
    assert len(fold.limits_reached) == 1 and "max_signal_types" in fold.limits_reached[0]


def test_violations_carrying_large_frames_keep_an_excerpt() -> None:
    client = ih.ClientConnection()
    client.receive_message(READY)
    # A known field the decoded message keeps (unknown ones are dropped at decoding anyway).
    big = envelope(
        "signal.updated", {"signal_type": "interest", "start": 1, "rationale": "x" * MIB}
    )

    def run() -> None:
        for _ in range(300):  # each breaks signal-updated-active
            client.receive_message(big)
            client.receive_message(envelope("signal.ended", {"signal_type": "interest", "end": 1}))

    assert peak_mib(run) < 40
    assert client.violation_count == 300
    kept = client.violations[-1].received
    assert isinstance(kept, ih.FrameExcerpt)
    assert kept.type == "signal.updated" and kept.size > MIB
    assert len(kept.head) == DEFAULT_VIOLATION_EXCERPT_BYTES
    small = ih.ClientConnection()
    small.receive_message(READY)
    small.receive_message(envelope("signal.ended", {"signal_type": "interest", "end": 1.0}))
    assert isinstance(
        small.violations[0].received, ih.messages.SignalEnded
    )  # small ones kept whole


def test_strict_mode_still_hands_over_the_whole_message() -> None:
    client = ih.ClientConnection(strict=True, violation_excerpt_bytes=50)
    client.receive_message(READY)
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(
            envelope("signal.ended", {"signal_type": "interest", "end": 1.0, "x": 0})
        )
    assert isinstance(caught.value.received, ih.messages.SignalEnded)
    assert isinstance(client.violations[0].received, ih.FrameExcerpt)


def test_readings_of_one_signal_are_capped_in_the_fold() -> None:
    fold = ih.SummaryFold(max_readings_per_signal=50)
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY)
    client.receive_message(
        envelope("signal.detected", {"signal_type": "interest", "start": 1, "probability": "low"})
    )
    for i in range(2_000):
        probability = ("high", "medium")[i % 2]
        client.receive_message(
            envelope(
                "signal.updated",
                {"signal_type": "interest", "start": 1 + i / 10, "probability": probability},
            )
        )
    (open_signal,) = fold.summary().open_signals
    assert len(open_signal.history) == 50
    assert open_signal.probability == "medium"  # the last reading is kept
    assert fold.limits_reached and "max_readings_per_signal 50" in fold.limits_reached[0]
    assert client.violations == ()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_caps_are_whole_numbers(bad: Any) -> None:
    with pytest.raises(ValueError, match="whole number"):
        ih.ClientConnection(max_signal_types=bad)
    with pytest.raises(ValueError, match="whole number"):
        ih.SummaryFold(max_readings_per_signal=bad)


# -- time only moves forward (D40) ------------------------------------------------------------


def test_engagement_going_back_is_a_violation_and_the_fold_does_not_run_backwards() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY)
    client.receive_message(envelope("engagement.updated", {"state": "engaged", "start": 10}))
    client.receive_message(envelope("engagement.updated", {"state": "neutral", "start": 4}))
    client.receive_message(envelope("engagement.updated", {"state": "engaged", "start": 12}))
    assert [(v.rule, v.detail) for v in client.violations] == [
        ("time-forward", "start 4 s is before the last engagement start 10 s")
    ]
    intervals = [(e.state, e.start, e.end) for e in fold.summary().engagement_state]
    assert intervals == [("engaged", 10, 10), ("neutral", 10, 12), ("engaged", 12, 12)]


def test_a_signal_detected_again_before_its_last_end_is_a_violation_and_clamped() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY)
    client.receive_message(envelope("signal.detected", {"signal_type": "interest", "start": 2}))
    client.receive_message(envelope("signal.ended", {"signal_type": "interest", "end": 9}))
    client.receive_message(envelope("signal.detected", {"signal_type": "interest", "start": 5}))
    client.receive_message(envelope("signal.ended", {"signal_type": "interest", "end": 12}))
    assert [v.rule for v in client.violations] == ["time-forward"]
    assert "start 5 s of 'interest' is before 9 s" in client.violations[0].detail
    spans = [(s.start, s.end) for s in fold.summary().signals]
    assert spans == [(2, 9), (9, 12)]


# -- the fold follows what the connection applied ---------------------------------------------


def test_a_session_ended_the_connection_refused_does_not_finalise_the_fold() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(envelope("session.ended", {"reason": "server_shutdown"}))
    assert [v.rule for v in client.violations] == ["ready-first"]
    assert not fold.final
    client.receive_message(READY)
    client.receive_message(envelope("signal.detected", {"signal_type": "interest", "start": 2}))
    client.receive_message(envelope("signal.ended", {"signal_type": "interest", "end": 5}))
    assert [s.type for s in fold.summary().signals] == ["interest"]
    client.connection_lost(1006)
    assert fold.final and fold.summary().partial


def test_an_attached_fold_sees_what_a_strict_connection_applied_before_raising() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(strict=True, fold=fold)
    client.receive_message(READY)
    client.send_segment(WEBM_HEAD)
    client.receive_message(envelope("signal.detected", {"signal_type": "interest", "start": 2}))
    with pytest.raises(ih.RemoteProtocolError):  # a repeated detected: applied, then raised
        client.receive_message(envelope("signal.detected", {"signal_type": "interest", "start": 3}))
    (open_signal,) = fold.summary().open_signals
    assert len(open_signal.history) == 2
