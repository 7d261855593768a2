"""The Conversation (issue 15): successive sessions of one stream, without I/O. Property tests
over random schedules of drops, refusals and rollovers (one timeline, nothing counted twice,
every detected signal once, backoff within its bounds, the retry budget reset by a healthy
session), and unit tests for a fatal stop, a planned rollover and a seam-stitched signal
(D42-D45)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest
from harness import WEBM_HEAD, envelope, ready_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interhuman_stream as ih

Conversation = ih.Conversation
TYPES = ("interest", "confusion", "agreement")
# Each ending: (what the session_ended call gets, whether it counts as graceful, fatal).
ENDINGS: dict[str, tuple[dict[str, Any], str]] = {
    "graceful": ({"close_code": 1000}, "next"),
    "rollover": ({"close_code": 1000}, "next"),
    "drop": ({"close_code": 1006}, "retry"),
    "try-later": ({"close_code": 1013, "error": "ih1003"}, "retry"),
    "idle": ({"close_code": 1000, "error": "ih6003"}, "retry"),
    "maximum": ({"close_code": 1008, "error": "ih6004"}, "next"),  # no drain, no retry
    "policy": ({"close_code": 1008}, "retry"),  # after session.ready: D19, not fatal
    "lost": ({"lost": True}, "retry"),
    "busy": ({"handshake_status": 503}, "retry"),
    "unauthorized": ({"handshake_status": 401}, "fatal"),
    "scope": ({"close_code": 4003, "error": "ih2003"}, "fatal"),
}


def signal(kind: str, signal_type: str, at: float, probability: str = "low") -> str:
    if kind == "ended":
        return envelope("signal.ended", {"signal_type": signal_type, "end": at})
    return envelope(
        f"signal.{kind}", {"signal_type": signal_type, "start": at, "probability": probability}
    )


@dataclass
class Plan:
    """One session of a schedule: where its media starts relative to the last one's end,
    its signal intervals (type, start, end or None: still open), how long it streams, and
    how it ends."""

    shift: float
    intervals: list[tuple[str, float, float | None]]
    streamed: float
    ending: str
    frames: list[tuple[float, str]] = field(default_factory=list)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    intervals: list[tuple[str, float, float | None]] = []
    for signal_type in draw(st.lists(st.sampled_from(TYPES), unique=True, max_size=3)):
        times = draw(
            st.lists(st.integers(0, 400).map(lambda t: t / 4), unique=True, min_size=1, max_size=4)
        )
        times.sort()
        for i in range(0, len(times), 2):
            end = times[i + 1] if i + 1 < len(times) else None
            intervals.append((signal_type, times[i], end))
    return Plan(
        shift=draw(st.sampled_from([-5.0, 0.0, 0.0, 0.5, 3.0, 30.0])),
        intervals=intervals,
        streamed=draw(st.sampled_from([5.0, 40.0])),
        ending=draw(st.sampled_from(sorted(ENDINGS))),
    )


@dataclass
class Run:
    conv: ih.Conversation
    offsets: list[float]
    readings: int
    detections: int
    actions: list[tuple[float, ih.Conversation.Action]]
    expected_retries: list[int]
    stopped: str | None


def stream(
    conv: ih.Conversation, plan: Plan, now: float, offset: float
) -> tuple[float, float, int, float | None]:
    """The session's ready, a segment, its signals (each detected then updated) and its
    ending's messages; returns the time it ends, when it was ready, the detections, and
    the end of its media on the conversation timeline (None: no signal said)."""
    call = ENDINGS[plan.ending][0]
    now += 0.25
    conv.receive(ready_frame(), now)
    ready_at = now
    assert conv.needs_stream_start
    conv.connection.send_segment(WEBM_HEAD, now)  # type: ignore[union-attr]
    assert not conv.needs_stream_start
    events: list[tuple[float, int, str]] = []
    for signal_type, start, end in plan.intervals:
        events.append((start, 1, signal("detected", signal_type, start)))
        events.append((start, 1, signal("updated", signal_type, start, "high")))
        if end is not None:
            events.append((end, 0, signal("ended", signal_type, end)))
    for _at, _order, frame in sorted(events, key=lambda e: (e[0], e[1])):
        conv.receive(frame, now)
    media_end = None
    if plan.intervals:
        media_end = offset + max(max(s, s if e is None else e) for _t, s, e in plan.intervals)
    if plan.ending == "rollover":
        assert conv.next_action(ready_at + 3600 - 60).kind == "rollover"
    if "error" in call:
        conv.receive(envelope("error", {"code": call["error"], "message": "x"}), now)
    if plan.ending in ("graceful", "rollover"):
        conv.receive(envelope("session.ended", {"reason": "server_shutdown"}), now)
    return ready_at + plan.streamed, ready_at, len(plan.intervals), media_end


def check(
    conv: ih.Conversation, decided: ih.Conversation.Action, outcome: str, retries: int, now: float
) -> int:
    """The decision is the expected one, a retry's delay within its bounds; returns the
    retries in a row after it."""
    if outcome == "retry":
        if retries >= conv.retry_budget:
            assert decided.kind == "stop"
            assert conv.over is not None and "budget" in conv.over
            return retries
        assert decided.kind == "reconnect_at" and decided.at is not None
        low, high = conv.backoff_bounds(retries)
        assert low <= decided.at - now <= high
        return retries + 1
    if outcome == "fatal":
        assert decided.kind == "stop"
    else:
        assert decided == ih.Conversation.Action(kind="reconnect_at", at=now, reason=decided.reason)
    return retries


def run(schedule: list[Plan], rng: Any, **options: Any) -> Run:
    conv = Conversation(rng=rng, **options)
    now = 0.0
    offsets: list[float] = []
    readings = detections = 0
    actions: list[tuple[float, ih.Conversation.Action]] = []
    retries = 0
    expected: list[int] = []
    media_end = 0.0
    for plan in schedule:
        action = conv.next_action(now)
        if action.kind == "stop":
            with pytest.raises(ih.Conversation.Over):
                conv.start_session(now, media_end)
            return Run(conv, offsets, readings, detections, actions, expected, action.reason)
        assert action.kind == "reconnect_at" and action.at is not None
        now = max(now, action.at)
        offset = max(0.0, media_end + plan.shift)
        if offsets:
            offset = max(offset, offsets[-1])
        offsets.append(offset)
        conv.start_session(now, offset)
        call, outcome = ENDINGS[plan.ending]
        ready_at = None
        if "handshake_status" not in call:
            now, ready_at, counted, end = stream(conv, plan, now, offset)
            detections, readings = detections + counted, readings + 2 * counted
            media_end = media_end if end is None else end
        # A healthy session resets the budget: one that streamed and went on at once, or
        # streamed healthy_seconds (the maximum here, 3600 s, does not shorten it).
        if ready_at is not None and (outcome == "next" or plan.streamed >= conv.healthy_seconds):
            retries = 0
        decided = conv.session_ended(now, **call)
        actions.append((now, decided))
        retries = check(conv, decided, outcome, retries, now)
        expected.append(retries)
        assert conv.retries == retries
        if decided.kind == "stop":
            return Run(conv, offsets, readings, detections, actions, expected, decided.reason)
    return Run(conv, offsets, readings, detections, actions, expected, None)


SCHEDULES = st.lists(plans(), min_size=1, max_size=8)
JITTER = st.one_of(
    st.integers(0, 2**32).map(random.Random),
    st.sampled_from([0.0, 0.999999]).map(lambda u: lambda: u),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(SCHEDULES, JITTER)
def test_no_media_second_is_counted_twice(schedule: list[Plan], rng: Any) -> None:
    result = run(schedule, rng)
    conv = result.conv
    summary = conv.summary()
    # A session refused before session.ready analysed nothing: it has no place on the
    # timeline (its errors are kept).
    records = [r for r in conv.sessions if r.ready_at is not None]
    seams = [g for g in summary.coverage if g.reason in ("seam", "drop")]
    assert len(seams) == max(0, len(records) - 1)  # every seam listed, once
    if not records:
        assert summary.last_time == 0.0 and not summary.complete
        return
    # The analysed spans and the seam gaps tile the timeline exactly once; a graceful
    # session's reports that stop short of the next offset by at most the tolerance run to it.
    cursor = records[0].media_offset
    total = 0.0
    for previous, record in zip((None, *records), records, strict=False):
        short = record.media_offset - cursor
        if previous is not None and previous.graceful and 0 < short <= conv.seam_tolerance_seconds:
            total += short
            cursor = record.media_offset
        start = max(record.media_offset, cursor)
        end = max(start, record.media_offset + record.summary.last_time)
        total += end - start
        cursor = max(cursor, end)
    total += sum(g.end - g.start for g in seams)
    assert total == pytest.approx(summary.last_time - records[0].media_offset)
    for first, second in itertools.pairwise(seams):
        assert first.end <= second.start
    # No interval of a type overlaps another of that type.
    for signal_type in TYPES:
        spans = [(s.start, s.end) for s in summary.signals if s.type == signal_type]
        spans += [
            (s.start, summary.last_time) for s in summary.open_signals if s.type == signal_type
        ]
        spans.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2


@SETTINGS
@given(SCHEDULES, JITTER)
def test_every_detected_signal_appears_exactly_once(schedule: list[Plan], rng: Any) -> None:
    result = run(schedule, rng)
    summary = result.conv.summary()
    kept = sum(len(s.history) for s in summary.signals)
    kept += sum(len(s.history) for s in summary.open_signals)
    assert kept == result.readings
    intervals = len(summary.signals) + len(summary.open_signals)
    assert intervals <= result.detections
    # With no tolerance and a gap at every seam nothing is joined: one interval per detection.
    spaced = [Plan(max(p.shift, 3.0), p.intervals, p.streamed, p.ending) for p in schedule]
    result = run(spaced, rng, seam_tolerance_seconds=0.0)
    summary = result.conv.summary()
    assert len(summary.signals) + len(summary.open_signals) == result.detections


@SETTINGS
@given(SCHEDULES, JITTER)
def test_conversation_times_never_go_backwards(schedule: list[Plan], rng: Any) -> None:
    result = run(schedule, rng)
    summary = result.conv.summary()
    starts = [s.start for s in summary.signals]
    assert starts == sorted(starts)
    assert all(s.start <= s.end <= summary.last_time for s in summary.signals)
    records = result.conv.sessions
    floor = 0.0
    for record in records:
        assert record.media_offset >= floor
        floor = record.media_offset
    for now, action in result.actions:
        assert action.at is None or action.at >= now
    previous = 0.0
    for gap in summary.coverage:
        if gap.reason in ("seam", "drop"):
            assert gap.start >= previous
            previous = gap.end


@SETTINGS
@given(SCHEDULES, JITTER)
def test_backoff_stays_in_its_bounds_and_the_budget_resets(schedule: list[Plan], rng: Any) -> None:
    # run() checks every delay against backoff_bounds and the budget against its own count.
    result = run(schedule, rng, retry_budget=2)
    conv = result.conv
    for attempt in range(10):
        low, high = conv.backoff_bounds(attempt)
        assert 0 < low <= high <= conv.backoff_cap_seconds
        assert low <= conv.backoff_delay(attempt) <= high
    if result.stopped is not None and "budget" in result.stopped:
        assert result.expected_retries[-1] == conv.retry_budget


def test_a_healthy_session_resets_the_budget() -> None:
    drop = Plan(0.0, [], 5.0, "drop")
    healthy_drop = Plan(0.0, [], 40.0, "drop")
    result = run([drop, drop, healthy_drop, drop, drop], random.Random(3), retry_budget=2)
    assert result.expected_retries == [1, 2, 1, 2, 2]  # the fifth finds it spent
    assert result.stopped is not None and "budget 2 spent" in result.stopped


def test_a_fatal_error_stops_the_conversation() -> None:
    conv = Conversation(rng=random.Random(0))
    conv.start_session(0.0, 0.0)
    conv.receive(ready_frame(), 0.1)
    conv.receive(envelope("error", {"code": "ih2003", "message": "missing scope"}), 0.2)
    action = conv.session_ended(0.3, close_code=4003)
    assert action.kind == "stop" and "ih2003" in action.reason
    assert conv.next_action(100.0).kind == "stop"
    with pytest.raises(ih.Conversation.Over, match="ih2003"):
        conv.start_session(1.0, 0.0)
    assert conv.errors[0][0] == 0 and conv.errors[0][1].code == "ih2003"
    assert not conv.summary().complete


def test_stitched_errors_keep_their_session() -> None:
    # Session 0 is refused (ih1003, 1013); session 1 reports a dropped segment and ends.
    conv = Conversation(rng=lambda: 0.0)
    conv.start_session(0.0, 0.0)
    conv.receive(envelope("error", {"code": "ih1003", "message": "try later"}), 0.1)
    action = conv.session_ended(0.2, close_code=1013)
    assert action.kind == "reconnect_at"
    conv.start_session(action.at or 0.0, 0.0)
    conv.receive(ready_frame(), 2.0)
    conv.receive(envelope("error", {"code": "ih6002", "message": "too big", "segment": 3}), 3.0)
    stitched = conv.summary().errors
    assert [(e.code, e.session, e.segment) for e in stitched] == [
        ("ih1003", 0, None),
        ("ih6002", 1, 3),
    ]
    # One session's own summary has no session index: the field stays absent on the wire.
    own = conv.sessions[1].summary
    assert own is not None and own.errors[0].session is msgspec.UNSET
    assert b'"session"' not in ih.encode_summary(own)
    assert b'"session":1' in ih.encode_summary(conv.summary())


def test_a_refused_handshake_is_fatal_for_401_and_retried_for_503() -> None:
    conv = Conversation(rng=lambda: 0.0)
    conv.start_session(0.0, 0.0)
    assert conv.session_ended(1.0, handshake_status=503).at == 1.5
    conv.start_session(2.0, 0.0)
    assert conv.session_ended(2.0, handshake_status=401).kind == "stop"


def test_a_planned_rollover_is_due_a_margin_before_the_maximum() -> None:
    conv = Conversation(rng=random.Random(0), rollover_margin_seconds=60)
    connection = conv.start_session(10.0, 0.0)
    assert conv.next_action(10.5).kind == "stream"  # not ready yet: no clock running
    conv.receive(ready_frame(), 12.0)  # session_max_duration_seconds 3600
    assert conv.next_action(12.0 + 3540 - 0.001).kind == "stream"
    # Due, but nothing was sent yet: a rollover now would leave the session empty.
    assert conv.next_action(12.0 + 3540).kind == "stream"
    connection.send_segment(WEBM_HEAD, now=12.0 + 3540)
    action = conv.next_action(12.0 + 3540)
    assert action.kind == "rollover" and action.at == 3552.0
    conv.receive(envelope("session.ended", {"reason": "server_shutdown"}), 3553.0)
    after = conv.session_ended(3553.0, close_code=1000)
    assert after.kind == "reconnect_at" and after.at == 3553.0
    assert after.reason == "planned rollover"
    assert conv.retries == 0
    conv.start_session(3553.0, 3540.0)
    assert conv.needs_stream_start
    assert conv.sessions[0].end_reason == "planned rollover"


def test_a_signal_across_a_seam_is_one_interval() -> None:
    conv = Conversation(rng=random.Random(0))
    conv.start_session(0.0, 0.0)
    conv.receive(ready_frame(), 0.0)
    conv.receive(signal("detected", "interest", 100.0), 1.0)
    conv.receive(signal("detected", "confusion", 10.0), 1.0)
    conv.receive(signal("ended", "confusion", 20.0), 1.0)
    conv.receive(envelope("engagement.updated", {"state": "engaged", "start": 120.0}), 1.0)
    conv.receive(envelope("session.ended", {"reason": "server_shutdown"}), 2.0)
    conv.session_ended(3600.0, close_code=1000)
    # The next session starts at media second 120.5, just after the last known time.
    conv.start_session(3600.0, 120.5)
    conv.receive(ready_frame(), 3600.0)
    conv.receive(signal("detected", "interest", 0.2, "high"), 3601.0)
    conv.receive(signal("ended", "interest", 30.0), 3601.0)
    conv.receive(envelope("session.ended", {"reason": "server_shutdown"}), 3602.0)
    conv.finish()
    assert conv.session_ended(3603.0, close_code=1000).kind == "stop"
    summary = conv.summary()
    interest = [s for s in summary.signals if s.type == "interest"]
    assert len(interest) == 1
    (joined,) = interest
    assert (joined.start, joined.end) == (100.0, 150.5)
    assert [r.probability for r in joined.history] == ["low", "high"]
    assert not joined.unended
    # The first session drained: its reports stop 0.5 s short of the seam, within the
    # tolerance, so nothing is lost there; the seam is listed, and engagement runs to it.
    assert [(g.start, g.end, g.reason) for g in summary.coverage] == [(120.5, 120.5, "seam")]
    assert [(e.state, e.start, e.end) for e in summary.engagement_state] == [
        ("engaged", 120.0, 120.5)
    ]
    assert summary.complete and not summary.partial
    assert summary.last_time == 150.5
    records = conv.sessions
    assert [r.media_offset for r in records] == [0.0, 120.5]
    assert records[1].summary.signals[0].start == 0.2  # its own timeline
    assert [s.state for s in summary.engagement_state] == ["engaged"]


def test_a_signal_detected_again_after_the_tolerance_is_two_intervals() -> None:
    conv = Conversation(rng=random.Random(0), seam_tolerance_seconds=1.0)
    conv.start_session(0.0, 0.0)
    conv.receive(ready_frame(), 0.0)
    conv.receive(signal("detected", "interest", 5.0), 1.0)
    conv.session_ended(50.0, close_code=1006)
    conv.start_session(60.0, 5.0)
    conv.receive(ready_frame(), 60.0)
    conv.receive(signal("detected", "interest", 2.5), 61.0)
    summary = conv.summary()
    assert [s.start for s in summary.signals] == [5.0]
    assert [s.start for s in summary.open_signals] == [7.5]
    assert not summary.complete


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        Conversation(retry_budget=-1)
    with pytest.raises(ValueError):
        Conversation(backoff_factor=0.5)
    with pytest.raises(ValueError):
        Conversation(rollover_margin_seconds=float("nan"))
    conv = Conversation(rng=lambda: 1.0)
    with pytest.raises(ValueError):
        conv.backoff_delay(0)


def _ready_with_maximum(maximum: int) -> str:
    frame = msgspec.json.decode(ready_frame())
    frame["data"]["session_max_duration_seconds"] = maximum
    return msgspec.json.encode(frame).decode()


def test_a_rollover_comes_before_the_media_sent_reaches_the_maximum() -> None:
    # No source says whether the maximum counts wall time or media seconds (client tokens
    # carry both maxDurationSeconds and maxVideoSeconds): a file sent faster than real
    # time rolls over on its media too (D43).
    conv = Conversation(rng=random.Random(0), rollover_margin_seconds=1.0)
    connection = conv.start_session(0.0, media_offset=30.0)
    conv.receive(_ready_with_maximum(10), 0.0)
    # Before the first segment a rollover would open an empty session: never then.
    assert conv.next_action(0.1, media_end=45.0).kind == "stream"
    connection.send_segment(WEBM_HEAD, now=0.1)
    assert conv.next_action(0.2, media_end=39.0).kind == "stream"  # 9 s: the limit, not past
    action = conv.next_action(0.2, media_end=39.5)
    assert action.kind == "rollover" and action.at == 0.2
    assert "9.5 s, past 10 s less 1 s" in action.reason
    conv.receive(envelope("session.ended", {"reason": "client_close"}), 0.3)
    assert conv.session_ended(0.3, close_code=1000).reason == "planned rollover"
    # count_media_time=False: only the wall clock counts.
    wall_only = Conversation(rng=random.Random(0), count_media_time=False)
    connection = wall_only.start_session(0.0, media_offset=0.0)
    wall_only.receive(_ready_with_maximum(10), 0.0)
    connection.send_segment(WEBM_HEAD, now=0.1)
    assert wall_only.next_action(0.2, media_end=1000.0).kind == "stream"
    assert wall_only.next_action(5.0).kind == "rollover"  # margin: half of 10 s


def test_the_margin_never_exceeds_half_the_maximum() -> None:
    conv = Conversation(rng=random.Random(0))  # the default margin, 60 s
    assert conv.rollover_margin(3600) == 60.0
    assert conv.rollover_margin(30) == 15.0  # a client token's short maximum
    connection = conv.start_session(0.0, media_offset=0.0)
    conv.receive(_ready_with_maximum(30), 2.0)
    connection.send_segment(WEBM_HEAD, now=3.0)
    assert conv.next_action(16.999).kind == "stream"
    assert conv.next_action(17.0).kind == "rollover"


@pytest.mark.parametrize("maximum", [0, 1])
def test_a_session_over_before_any_media_is_retried_not_reopened_at_once(maximum: int) -> None:
    # A zero (or tiny) maximum, or an ending right after ready: each session ends
    # gracefully with nothing sent; opening the next at once would loop without progress.
    conv = Conversation(rng=lambda: 0.0, retry_budget=2)
    for attempt in range(3):
        conv.start_session(10.0 * attempt, media_offset=0.0)
        conv.receive(_ready_with_maximum(maximum), 10.0 * attempt)
        assert conv.next_action(10.0 * attempt + 5).kind == "stream"  # never an empty rollover
        conv.receive(envelope("session.ended", {"reason": "server_shutdown"}), 10.0 * attempt + 5)
        action = conv.session_ended(10.0 * attempt + 5, close_code=1000)
    assert action.kind == "stop"
    assert action.reason == "retry budget 2 spent; last: ended before any media was sent"


def test_short_sessions_that_stream_reset_the_budget() -> None:
    # A 30 s maximum (a client token's): no session lasts healthy_seconds after ready, yet
    # every rollover and every session that streamed half its maximum is healthy (D44).
    conv = Conversation(rng=lambda: 0.0, retry_budget=1)
    now = 0.0
    for index in range(4):
        connection = conv.start_session(now, media_offset=10.0 * index)
        conv.receive(_ready_with_maximum(30), now)
        connection.send_segment(WEBM_HEAD, now=now)
        if index % 2:  # dropped after 16 s: more than half the maximum
            action = conv.session_ended(now + 16.0, close_code=1006)
            assert action.kind == "reconnect_at" and conv.retries == 1
        else:
            conv.receive(envelope("session.ended", {"reason": "client_close"}), now + 15.0)
            action = conv.session_ended(now + 15.0, close_code=1000)
            assert action.kind == "reconnect_at" and conv.retries == 0
        now = (action.at or now) + 16.0
    assert conv.over is None


def test_a_1008_stops_before_session_ready_and_is_retried_after() -> None:
    conv = Conversation(rng=lambda: 0.0)
    connection = conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    connection.send_segment(WEBM_HEAD, now=1.0)
    action = conv.session_ended(2.0, close_code=1008)  # an ending whose error did not arrive
    assert action.kind == "reconnect_at" and conv.retries == 1
    conv.start_session(3.0, media_offset=0.0)  # refused: no session.ready
    action = conv.session_ended(3.0, close_code=1008)
    assert (action.kind, action.reason) == ("stop", "closed with 1008")


def test_the_servers_maximum_opens_the_next_session_at_once() -> None:
    conv = Conversation(rng=lambda: 0.0)
    connection = conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    connection.send_segment(WEBM_HEAD, now=1.0)
    conv.receive(envelope("error", {"code": "ih6004", "message": "maximum"}), 3600.0)
    action = conv.session_ended(3600.0, close_code=1008)
    assert action == Conversation.Action(
        kind="reconnect_at", at=3600.0, reason="error ih6004 (the session reached its maximum)"
    )
    assert conv.retries == 0 and not conv.sessions[0].graceful  # not drained: seam "drop"


def test_a_drop_between_two_spans_of_one_engagement_level_is_not_bridged() -> None:
    conv = Conversation(rng=random.Random(0))
    conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    conv.receive(envelope("engagement.updated", {"state": "engaged", "start": 10.0}), 1.0)
    conv.session_ended(2.0, close_code=1006)
    conv.start_session(3.0, media_offset=30.0)
    conv.receive(ready_frame(), 3.0)
    conv.receive(envelope("engagement.updated", {"state": "engaged", "start": 0.0}), 4.0)
    conv.receive(envelope("engagement.updated", {"state": "neutral", "start": 5.0}), 4.0)
    spans = [(e.state, e.start, e.end) for e in conv.summary().engagement_state]
    assert spans[:2] == [("engaged", 10.0, 10.0), ("engaged", 30.0, 35.0)]


def test_a_jitter_source_must_be_callable() -> None:
    with pytest.raises(ValueError, match=r"rng is a random\.Random or a callable"):
        Conversation(rng=0.5)  # type: ignore[arg-type]
    assert Conversation(rng=lambda: 0.0, retry_budget=5000).backoff_bounds(4999)[1] == 60.0


def test_finishing_between_sessions_stops_at_once() -> None:
    conv = Conversation(rng=random.Random(0))
    conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    assert conv.session_ended(1.0, close_code=1006).kind == "reconnect_at"
    conv.finish()  # the media ran out while waiting to reconnect
    action = conv.next_action(2.0)
    assert action.kind == "stop"
    assert action.reason == "finished: the media is over; the last session: closed with 1006"
    assert not conv.summary().complete  # the last session did not end gracefully
    with pytest.raises(ih.Conversation.Over):
        conv.start_session(2.0, media_offset=0.0)


@pytest.mark.parametrize(
    ("offset", "graceful", "expected"),
    [
        (10.0, True, (10.0, 10.0, "seam")),  # met exactly: listed, empty
        (10.8, True, (10.8, 10.8, "seam")),  # short by less than the tolerance: the tail
        (12.0, True, (10.0, 12.0, "seam")),  # beyond it: not analysed
        (10.8, False, (10.0, 10.8, "drop")),  # a drop keeps every second it lost
    ],
)
def test_every_seam_is_listed_with_what_it_lost(
    offset: float, graceful: bool, expected: tuple[float, float, str]
) -> None:
    conv = Conversation(rng=random.Random(0), seam_tolerance_seconds=1.0)
    conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    conv.receive(envelope("engagement.updated", {"state": "engaged", "start": 10.0}), 1.0)
    if graceful:
        conv.receive(envelope("session.ended", {"reason": "client_close"}), 2.0)
        conv.session_ended(2.0, close_code=1000)
    else:
        conv.session_ended(2.0, close_code=1006)
    conv.start_session(2.0, media_offset=offset)
    conv.receive(ready_frame(), 2.0)
    conv.receive(envelope("engagement.updated", {"state": "neutral", "start": 1.0}), 3.0)
    summary = conv.summary()
    assert [(g.start, g.end, g.reason) for g in summary.coverage] == [expected]
    engaged = summary.engagement_state[0]
    assert engaged.end == (offset if expected[1] == expected[0] else 10.0)


def test_the_stitched_quality_is_the_last_overall_and_every_sessions_timeline() -> None:
    # D45: no source says how sessions' scores combine, so the stitched overall is the last
    # session's; the timeline is every session's periods on the conversation's time, none
    # starting before media already counted (a restart's repeated media is counted once).
    flags = ["conversation_quality_overall", "conversation_quality_timeline"]

    def scores(value: float) -> dict[str, float]:
        names = ("quality_index", "clarity", "authority", "energy", "rapport", "learning")
        return dict.fromkeys(names, value)

    def session(
        conv: ih.Conversation, at: float, offset: float, value: float, periods: list[Any]
    ) -> None:
        connection = conv.start_session(at, media_offset=offset)
        conv.receive(ready_frame(include=flags), at + 0.1)
        connection.send_config(include=flags, now=at + 0.2)
        conv.receive(envelope("session.updated", {"include": flags}), at + 0.3)
        connection.send_segment(WEBM_HEAD + bytes(100), now=at + 0.4)
        timeline = [{"start": s, "end": e, "values": scores(value)} for s, e in periods]
        quality = {"overall": scores(value), "timeline": timeline}
        conv.receive(envelope("conversation_quality.updated", quality), at + 0.5)
        connection.send_close(now=at + 0.6)
        conv.receive(envelope("session.closing", {"max_drain_seconds": 5}), at + 0.7)
        conv.receive(envelope("session.ended", {"reason": "client_shutdown"}), at + 0.8)
        conv.session_ended(at + 0.9, close_code=1000)

    conv = Conversation(rng=lambda: 0.0)
    session(conv, 0.0, 0.0, 60, [(0.0, 12.0)])
    session(conv, 20.0, 10.0, 70, [(0.0, 3.0)])  # 10..13, its first 2 s counted already
    session(conv, 40.0, 13.0, 80, [(0.0, 3.0)])  # 13..16
    stitched = conv.summary().conversation_quality
    assert isinstance(stitched, ih.messages.QualitySummary)
    assert stitched.overall == ih.messages.QualityScores(**scores(80))
    assert [(p.start, p.end, p.values.clarity) for p in stitched.timeline] == [
        (0.0, 12.0, 60),
        (12.0, 13.0, 70),
        (13.0, 16.0, 80),
    ]
