"""The session summary (SummaryFold): golden sessions with their expected summaries, properties
of summaries of random valid sessions, and a fold attached to a connection: it follows what
the connection applied, and what a hostile server can make it keep is capped (D39)."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from harness import WEBM_HEAD, Pair, envelope, envelope_bytes, ready_data, ready_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interhuman_stream as ih
from conftest import ROOT, validator_for
from interhuman_stream.__main__ import check

CASES = sorted((ROOT / "tests" / "summaries").glob("*.jsonl"))
assert CASES, "tests/summaries/ holds the summary goldens"
# session.ready offering one include flag, as bytes (what a transport hands over).
READY_BYTES = ready_frame(include=["conversation_quality_overall"]).encode()


def replay(path: Path) -> tuple[dict[str, Any], ih.SummaryFold]:
    lines = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]
    fold = ih.SummaryFold()
    for entry in lines[1:]:
        if "recv" in entry:
            fold.add(ih.decode_server_message(json.dumps(entry["recv"])))
        elif "lost" in entry:
            fold.connection_lost()
    return lines[0]["summary"], fold


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_summary(path: Path) -> None:
    expected, fold = replay(path)
    assert fold.final
    encoded = json.loads(ih.encode_summary(fold.summary()))
    assert encoded == expected
    assert validator_for("SessionSummary").is_valid(encoded)
    # Code written for the upload result reads it unchanged: the vendor SDK's own model of
    # the POST /v1/upload/analyze response accepts it and sees the same intervals.
    from interhumanai.types import AnalysisResult

    upload = AnalysisResult.model_validate(encoded)
    assert [(s.start, s.end) for s in upload.signals] == [
        (s["start"], s["end"]) for s in encoded["signals"]
    ]
    assert [e.state for e in upload.engagement_state] == [
        e["state"] for e in encoded["engagement_state"]
    ]
    assert (upload.conversation_quality is None) == ("conversation_quality" not in encoded)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_cli_prints_the_summary(path: Path) -> None:
    out = io.StringIO()
    check(path, out, summary=True)
    printed = out.getvalue()
    summary = json.loads(printed[printed.index("\n{") :])
    assert summary == json.loads(path.read_text(encoding="utf-8").splitlines()[0])["summary"]


def test_a_partial_session_closes_open_signals_at_the_last_known_time() -> None:
    _expected, fold = replay(ROOT / "tests/summaries/partial--connection-lost-mid-signal.jsonl")
    summary = fold.summary()
    assert summary.partial and not summary.complete
    unended = [s for s in summary.signals if s.unended]
    assert unended and all(s.end == summary.last_time for s in unended)
    assert summary.open_signals == []


def test_a_live_summary_lists_open_signals() -> None:
    pair = Pair()
    pair.start()
    pair.server_sends(
        "signal.detected",
        ih.messages.SignalData(signal_type="interest", start=2, probability="low"),
    )
    pair.flush()
    fold = ih.SummaryFold()
    for message in pair.received:
        fold.add(message)
    summary = fold.summary()
    assert not fold.final and summary.signals == []
    assert [(s.type, s.start) for s in summary.open_signals] == [("interest", 2.0)]


@st.composite
def sessions(draw: st.DrawFn) -> Pair:
    """A random valid session between the pair, ended gracefully, by the server, or lost."""
    pair = Pair(ready=ready_data(max_segment_size_bytes=4096))
    pair.start()
    pair.client_config(include=["conversation_quality_overall", "conversation_quality_timeline"])
    pair.flush()
    time = 0.0
    for _ in range(draw(st.integers(0, 40))):
        time += draw(st.sampled_from([0.0, 0.5, 1.25, 3.0]))
        action = draw(st.sampled_from(["detect", "update", "end", "engage", "quality", "segment"]))
        signal = draw(st.sampled_from(["interest", "stress", "agreement"]))
        active = pair.server.active_signals.get(signal)
        try:
            if action == "detect" and active is None:
                pair.server_sends(
                    "signal.detected", ih.messages.SignalData(signal_type=signal, start=time)
                )
            elif action == "update" and active is not None:
                probability = draw(st.sampled_from(["high", "medium", "low"]))
                data = ih.messages.SignalData(
                    signal_type=signal, start=active.start, probability=probability
                )  # type: ignore[arg-type]
                pair.server_sends("signal.updated", data)
            elif action == "end" and active is not None:
                pair.server_sends(
                    "signal.ended", ih.messages.SignalEndedData(signal_type=signal, end=time)
                )
            elif action == "engage":
                state = draw(st.sampled_from(["engaged", "neutral", "disengaged"]))
                pair.server_sends(
                    "engagement.updated", ih.messages.EngagementUpdatedData(state=state, start=time)
                )  # type: ignore[arg-type]
            elif action == "quality":
                scores = ih.messages.QualityScores(
                    quality_index=50, clarity=50, authority=50, energy=50, rapport=50, learning=50
                )
                period = ih.messages.QualityPeriod(
                    start=max(0.0, time - 3), end=time, values=scores
                )
                pair.server_sends(
                    "conversation_quality.updated",
                    ih.messages.ConversationQualityData(overall=scores, timeline=[period]),
                )
            elif action == "segment":
                pair.client_segment(WEBM_HEAD)
        except ih.LocalProtocolError:
            pass  # e.g. an engagement level that did not change
        pair.flush()
    ending = draw(st.sampled_from(["graceful", "server", "lost"]))
    if ending == "graceful":
        pair.client_close()
        pair.flush()
        pair.to_client.extend(pair.server.finish(timestamp=pair.timestamp, at=time))
    elif ending == "server":
        pair.to_client.extend(
            pair.server.finish(timestamp=pair.timestamp, at=time, reason="max_duration")
        )
    pair.flush()
    pair.lose(1000 if ending != "lost" else 1006)
    return pair


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_summaries_of_random_sessions(pair: Pair) -> None:
    fold = ih.SummaryFold()
    for message in pair.received:
        fold.add(message)
    fold.connection_lost()
    summary = fold.summary()
    assert fold.final and summary.open_signals == []
    # Every detected signal appears exactly once.
    detected = [
        m.data.signal_type for m in pair.received if isinstance(m, ih.messages.SignalDetected)
    ]
    assert sorted(detected) == sorted(s.type for s in summary.signals)
    # Intervals never overlap per signal type.
    for kind in set(detected):
        spans = sorted((s.start, s.end) for s in summary.signals if s.type == kind)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
        assert all(start <= end for start, end in spans)
    # Engagement intervals tile the time they cover.
    engagement = summary.engagement_state
    assert all(a.end == b.start for a, b in itertools.pairwise(engagement))
    assert all(e.start <= e.end for e in engagement)
    assert all(a.state != b.state for a, b in itertools.pairwise(engagement))
    assert validator_for("SessionSummary").is_valid(msgspec.to_builtins(summary))
    from interhumanai.types import AnalysisResult

    AnalysisResult.model_validate(json.loads(ih.encode_summary(summary)))


# -- a fold attached to a connection -----------------------------------------------------


def test_readings_of_one_signal_are_capped_in_the_fold() -> None:
    fold = ih.SummaryFold(max_readings_per_signal=50)
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY_BYTES)
    client.receive_message(
        envelope_bytes(
            "signal.detected", {"signal_type": "interest", "start": 1, "probability": "low"}
        )
    )
    for i in range(2_000):
        probability = ("high", "medium")[i % 2]
        client.receive_message(
            envelope_bytes(
                "signal.updated",
                {"signal_type": "interest", "start": 1 + i / 10, "probability": probability},
            )
        )
    (open_signal,) = fold.summary().open_signals
    assert len(open_signal.history) == 50
    assert open_signal.probability == "medium"  # the last reading is kept
    assert fold.limits_reached and "max_readings_per_signal 50" in fold.limits_reached[0]
    assert client.violations == ()


def test_a_session_ended_the_connection_refused_does_not_finalise_the_fold() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(envelope_bytes("session.ended", {"reason": "server_shutdown"}))
    assert [v.rule for v in client.violations] == ["ready-first"]
    assert not fold.final
    client.receive_message(READY_BYTES)
    client.receive_message(
        envelope_bytes("signal.detected", {"signal_type": "interest", "start": 2})
    )
    client.receive_message(envelope_bytes("signal.ended", {"signal_type": "interest", "end": 5}))
    assert [s.type for s in fold.summary().signals] == ["interest"]
    client.connection_lost(1006)
    assert fold.final and fold.summary().partial


def test_an_attached_fold_sees_what_a_strict_connection_applied_before_raising() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(strict=True, fold=fold)
    client.receive_message(READY_BYTES)
    client.send_segment(WEBM_HEAD)
    client.receive_message(
        envelope_bytes("signal.detected", {"signal_type": "interest", "start": 2})
    )
    with pytest.raises(ih.RemoteProtocolError):  # a repeated detected: applied, then raised
        client.receive_message(
            envelope_bytes("signal.detected", {"signal_type": "interest", "start": 3})
        )
    (open_signal,) = fold.summary().open_signals
    assert len(open_signal.history) == 2


def test_every_list_of_the_fold_is_capped_and_quality_periods_never_overlap() -> None:
    fold = ih.SummaryFold(max_entries=3)
    client = ih.ClientConnection(fold=fold)
    client.receive_message(ready_frame())
    for i in range(5):
        client.receive_message(
            envelope("coverage.dropped", {"ranges": [{"start": i, "end": i + 0.5}]})
        )
        client.receive_message(envelope("feedback.generated", {"feedback": f"tip {i}"}))
    summary = fold.summary()
    assert len(summary.coverage) == 3 and len(summary.feedback_messages) == 3
    assert any("coverage gaps" in note for note in fold.limits_reached)
    assert any("feedback texts" in note for note in fold.limits_reached)

    scores = dict.fromkeys(
        ("quality_index", "clarity", "authority", "energy", "rapport", "learning"), 50
    )
    lenient = ih.SummaryFold()
    for start, end in ((0, 10), (5, 8), (10, 20)):
        lenient.add(
            ih.decode_server_message(
                envelope(
                    "conversation_quality.updated",
                    {"timeline": [{"start": start, "end": end, "values": scores}]},
                )
            )
        )
    periods = lenient.summary().quality_timeline
    assert [(p.start, p.end) for p in periods] == [(0, 10), (10, 20)]  # type: ignore[union-attr]
