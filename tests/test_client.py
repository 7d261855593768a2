"""ClientConnection: what it lets its caller send (configs, segments, the close), how it reads
the server in lenient and strict mode, its deadlines, segment_for and the segment base, and
the caps on what a hostile server can make it keep.

Fidelity to the live service (issue 11): what the server is documented to send is never a
false alarm, what it does not settle is never enforced, and every breach names its value.
Time only moves forward (D40). The property test at the end checks that unknown vocabulary
values decode without loss and yield one violation each.
"""

from __future__ import annotations

import json
import math
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from harness import (
    CID,
    EPOCH,
    WEBM_HEAD,
    Pair,
    envelope,
    envelope_bytes,
    ready_data,
    ready_frame,
    started,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import interhuman_stream as ih
from interhuman_stream._engine import DEFAULT_MAX_SIGNAL_TYPES, DEFAULT_VIOLATION_EXCERPT_BYTES

T = EPOCH
OTHER_CID = str(uuid.UUID(int=8))
SCORES = ("quality_index", "clarity", "authority", "energy", "rapport", "learning")
MIB = 1024 * 1024

READY_FRAME = ready_frame(max_segment_size_bytes=4096)
# session.ready offering one include flag, as bytes (what a transport hands over).
READY_BYTES = ready_frame(include=["conversation_quality_overall"]).encode()
DETECTED = envelope(
    "signal.detected", {"signal_type": "interest", "start": 3, "probability": "high"}
)


def detected(signal: str = "interest", start: float = 1.0, **fields: Any) -> str:
    return envelope("signal.detected", {"signal_type": signal, "start": start, **fields})


def ended(signal: str = "interest", end: float = 2.0) -> str:
    return envelope("signal.ended", {"signal_type": signal, "end": end})


CLOSING = envelope("session.closing", {"max_drain_seconds": 30})
SESSION_ENDED = envelope("session.ended", {"reason": "client_shutdown"})


def strict_client(**options: Any) -> ih.ClientConnection:
    client = ih.ClientConnection(strict=True, **options)
    client.receive_message(ready_frame(), now=0.0)
    return client


# -- sending ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "rule"),
    [
        (lambda c: c.send_segment(WEBM_HEAD), "no-video-before-ready"),
    ],
)
def test_local_errors_before_ready_name_role_state_event(action: Any, rule: str) -> None:
    client = ih.ClientConnection()
    with pytest.raises(ih.LocalProtocolError) as caught:
        action(client)
    error = caught.value
    assert (error.rule, error.role, error.state) == (rule, "client", "awaiting_ready")
    assert error.event in str(error) and "awaiting_ready" in str(error) and error.hint
    assert client.state is ih.SessionState.AWAITING_READY
    assert client.segments_sent == ()


def test_config_before_ready_is_allowed_and_queued() -> None:
    client = ih.ClientConnection()
    frame = client.send_config(include=["conversation_quality_overall"])
    assert json.loads(frame) == {"include": ["conversation_quality_overall"]}
    assert len(client.pending_configs) == 1


def test_nothing_is_sent_after_close() -> None:
    pair = started()
    pair.client_close()
    for action in (lambda: pair.client.send_segment(WEBM_HEAD), pair.client.send_close):
        with pytest.raises(ih.LocalProtocolError) as caught:
            action()
        assert caught.value.rule == "nothing-after-close"
    assert pair.client.state is ih.SessionState.CLOSE_SENT
    # A config "can be sent at any time" (reference, D23), also after the close.
    pair.client_config(include=[])
    pair.flush()
    assert pair.client.acknowledged_config == ih.messages.SessionUpdatedData(
        include=[], goal_dimensions=None, model=None
    )
    assert pair.client.violations == ()


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "segment-not-empty"),
        (b"\x1a\x45\xdf\xa3" + bytes(5000), "segment-size"),
        (b"not a video at all", "segment-container"),
    ],
)
def test_segment_checks(data: bytes, rule: str) -> None:
    pair = started()
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.client.send_segment(data)
    assert caught.value.rule == rule
    assert pair.client.segments_sent == ()


def test_continuation_chunks_follow_a_header_chunk() -> None:
    pair = started()
    pair.client.send_segment(WEBM_HEAD)
    pair.client.send_segment(b"\x1f\x43\xb6\x75 a cluster")
    assert [s.index for s in pair.client.segments_sent] == [0, 1]


def test_bytes_like_segments_are_sent_as_bytes() -> None:
    pair = started()
    sent = pair.client.send_segment(memoryview(WEBM_HEAD))  # type: ignore[arg-type]
    assert type(sent) is bytes and sent == WEBM_HEAD
    assert pair.client.send_segment(bytearray(b"more")) == b"more"  # type: ignore[arg-type]


def test_a_config_is_copied_when_sent() -> None:
    pair = started()
    flags = ["conversation_quality_overall"]
    pair.client.send_config(include=flags)
    flags.append("conversation_quality_timeline")
    assert pair.client.pending_configs[0].include == ["conversation_quality_overall"]
    pair.client.send_config(include=("conversation_quality_timeline",))  # type: ignore[arg-type]
    assert pair.client.pending_configs[1].include == ["conversation_quality_timeline"]


def test_a_close_before_ready_and_a_config_after_close_are_allowed() -> None:
    client = ih.ClientConnection(strict=True)
    client.send_close()
    assert client.state is ih.SessionState.CLOSE_BEFORE_READY
    client.send_config(include=[])
    with pytest.raises(ih.LocalProtocolError):
        client.send_segment(WEBM_HEAD)
    client.receive_message(ready_frame())
    assert client.state is ih.SessionState.CLOSE_SENT
    client.receive_message(envelope("session.updated", {"include": []}))
    client.receive_message(CLOSING)
    client.receive_message(SESSION_ENDED)
    assert client.violations == ()


# -- errors that show the values (D35) ----------------------------------------------------


def test_a_segment_over_the_limit_names_its_size_and_the_limit() -> None:
    client = strict_client()
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(WEBM_HEAD + bytes(35365 - len(WEBM_HEAD)))
    assert caught.value.detail == (
        "segment of 35,365 bytes is over max_segment_size_bytes 34,000 from session.ready"
    )
    assert caught.value.detail in str(caught.value)


def test_a_forbidden_move_names_what_is_allowed() -> None:
    client = ih.ClientConnection()
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_segment(WEBM_HEAD)
    assert caught.value.detail.startswith("segment in state awaiting_ready; allowed there: ")
    assert "config" in caught.value.detail


def test_a_text_frame_where_binary_belongs_says_so() -> None:
    client = strict_client()
    with pytest.raises(TypeError, match="not a text frame"):
        client.send_segment("hello")  # type: ignore[arg-type]
    with pytest.raises(ih.DecodeError, match=r"this is binary video \((mkv|webm)\)"):
        client.receive_message(WEBM_HEAD)
    assert client.segments_sent == ()


@pytest.mark.parametrize(
    ("now", "error"),
    [(math.nan, ValueError), (math.inf, ValueError), ("5", TypeError), (True, TypeError)],
)
def test_now_must_be_a_finite_number_at_the_call(now: Any, error: type[Exception]) -> None:
    client = ih.ClientConnection()
    with pytest.raises(error):
        client.receive_message(ready_frame(), now=now)
    assert client.state is ih.SessionState.AWAITING_READY
    client.receive_message(ready_frame(), now=1)
    with pytest.raises(error):
        client.send_segment(WEBM_HEAD, now=now)
    assert client.segments_sent == ()
    with pytest.raises(error):
        client.expired(now)


# -- configs and what session.ready offers (growth announced there: D33, D34) -------------


def test_config_values_must_be_offered_by_session_ready() -> None:
    pair = Pair(
        ready=ready_data(
            supported_session_config_options=ih.messages.SessionOptions(
                include=["conversation_quality_overall"], goal_dimensions=["clarity"]
            )
        )
    )
    pair.start()
    pair.flush()
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.client.send_config(include=["conversation_quality_timeline"])
    assert caught.value.rule == "config-supported"
    with pytest.raises(ih.LocalProtocolError):
        pair.client.send_config(goal_dimensions=["energy"])
    pair.client.send_config(include=["conversation_quality_overall"], goal_dimensions=["clarity"])


def test_options_session_ready_does_not_list_are_not_restricted() -> None:
    pair = started()  # the ready contract lists no goal_dimensions (D28)
    pair.client.send_config(goal_dimensions=["energy", "rapport"])


def test_a_ready_that_offers_new_options_is_followed_and_they_may_be_sent() -> None:
    client = ih.ClientConnection(strict=True)
    message = client.receive_message(
        ready_frame(
            include=["conversation_quality_overall", "speaker_turns"],
            goal_dimensions=["clarity", "empathy"],
            model=["inter-1"],
        )
    )
    assert isinstance(message, ih.messages.SessionReady)
    assert client.state is ih.SessionState.STREAMING
    frame = client.send_config(include=["speaker_turns"], goal_dimensions=["empathy"])
    assert json.loads(frame) == {"include": ["speaker_turns"], "goal_dimensions": ["empathy"]}
    client.receive_message(
        envelope("session.updated", {"include": ["speaker_turns"], "goal_dimensions": ["empathy"]})
    )
    assert client.violations == ()


def test_a_value_not_offered_is_the_callers_error_naming_it() -> None:
    client = strict_client()
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_config(include=["speaker_turns"])
    error = caught.value
    assert error.rule == "config-supported"
    assert "'speaker_turns'" in error.detail and "'conversation_quality_timeline'" in error.detail
    assert "offered in session.ready" in str(error)
    assert client.pending_configs == ()


def test_before_ready_only_documented_values_may_be_sent() -> None:
    client = ih.ClientConnection()
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_config(goal_dimensions=["empathy"])
    assert caught.value.rule == "config-supported"
    assert "before session.ready" in caught.value.detail and "'empathy'" in caught.value.detail


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"include": "conversation_quality_overall"}, "bare string 'conversation_quality_overall'"),
        ({"goal_dimensions": [1]}, "item 1 is int"),
        ({"include": 5}, "include is int"),
    ],
)
def test_a_config_that_is_not_a_list_of_strings_is_a_local_error(
    fields: dict[str, Any], named: str
) -> None:
    client = strict_client()
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_config(**fields)
    assert caught.value.rule == "config-well-formed"
    assert named in caught.value.detail
    assert client.pending_configs == ()


# -- receiving: lenient and strict ------------------------------------------------------


def test_lenient_mode_records_and_delivers() -> None:
    client = ih.ClientConnection()
    client.receive_message(READY_FRAME)
    first = client.receive_message(DETECTED)
    again = client.receive_message(DETECTED)
    assert isinstance(again, ih.messages.SignalDetected) and again == first
    (violation,) = client.violations
    assert violation.rule == "signal-detected-inactive"
    assert violation.received == again
    assert violation.state == "streaming" and violation.event == "signal.detected"
    assert set(client.active_signals) == {"interest"}


def test_strict_mode_applies_the_frame_then_raises() -> None:
    client = ih.ClientConnection(strict=True)
    client.receive_message(READY_FRAME)
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(READY_FRAME)
    error = caught.value
    assert error.rule == "ready-once"
    assert isinstance(error.received, ih.messages.SessionReady)
    assert [v.rule for v in error.violations] == ["ready-once"]
    assert client.state is ih.SessionState.STREAMING
    assert [v.rule for v in client.violations] == ["ready-once"]
    # A breach the rule says still applies moves the tracked session like lenient mode does.
    client.receive_message(DETECTED)
    with pytest.raises(ih.RemoteProtocolError):
        client.receive_message(DETECTED)
    assert set(client.active_signals) == {"interest"}


def test_undecodable_data_is_a_decode_error_in_both_modes() -> None:
    for strict in (False, True):
        client = ih.ClientConnection(strict=strict)
        with pytest.raises(ih.DecodeError):
            client.receive_message(b"{not json")
        assert client.state is ih.SessionState.AWAITING_READY


def test_unknown_message_types_are_delivered_in_any_live_state() -> None:
    client = ih.ClientConnection(strict=True)
    unknown = envelope("transcript.updated", {"text": "hi"})
    assert isinstance(client.receive_message(unknown), ih.UnknownMessage)
    client.receive_message(READY_FRAME)
    assert isinstance(client.receive_message(unknown), ih.UnknownMessage)


def test_nothing_after_session_ended() -> None:
    client = ih.ClientConnection(strict=True)
    client.receive_message(READY_FRAME)
    client.receive_message(envelope("session.ended", {"reason": "max_duration"}))
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(envelope("transcript.updated", {}))
    assert caught.value.rule == "nothing-after-ended"
    with pytest.raises(ih.LocalProtocolError) as local:
        client.send_config(include=[])
    assert local.value.rule == "session-over"


def test_after_connection_lost_the_caller_is_told() -> None:
    client = ih.ClientConnection()
    client.connection_lost(1006)
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.receive_message(READY_FRAME)
    assert caught.value.rule == "connection-closed"
    assert client.close_code == 1006


def test_a_message_refused_after_connection_lost_is_not_lost() -> None:
    client = ih.ClientConnection()
    client.connection_lost(1006)
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.receive_message(DETECTED)
    assert isinstance(caught.value.received, ih.messages.SignalDetected)


def test_an_update_must_change_something_absent_and_null_alike() -> None:
    client = ih.ClientConnection()
    client.receive_message(READY_FRAME)
    client.receive_message(
        envelope(
            "signal.detected", {"signal_type": "stress", "start": 1, "modality": ["video", "audio"]}
        )
    )
    same = {"signal_type": "stress", "start": 1, "rationale": None, "modality": ["audio", "video"]}
    client.receive_message(envelope("signal.updated", same))
    assert [v.rule for v in client.violations] == ["signal-updated-changed"]
    changed = {**same, "rationale": "jaw clenched"}
    client.receive_message(envelope("signal.updated", changed))
    assert len(client.violations) == 1


def test_an_ih6001_must_answer_a_config() -> None:
    client = ih.ClientConnection()
    client.receive_message(READY_FRAME)
    rejection = envelope("error", {"code": "ih6001", "message": "bad config"})
    client.receive_message(rejection)
    assert [v.rule for v in client.violations] == ["updated-answers-config"]
    client.send_config(include=["conversation_quality_overall"])
    client.receive_message(rejection)
    assert len(client.violations) == 1 and client.pending_configs == ()
    client.receive_message(envelope("error", {"code": "ih5004", "message": "other"}))
    assert len(client.violations) == 1


def test_violations_are_bounded() -> None:
    client = ih.ClientConnection()
    client.receive_message(READY_FRAME)
    for _ in range(ih_max() + 50):
        client.receive_message(READY_FRAME)
    assert len(client.violations) == ih_max()
    assert client.violation_count == ih_max() + 50


def ih_max() -> int:
    from interhuman_stream._engine import MAX_RECORDED_VIOLATIONS

    return MAX_RECORDED_VIOLATIONS


# -- the drain (D24), tolerant reading (D33), null/optional fields (D30) -------------------


def test_results_after_session_closing_are_no_false_alarm() -> None:
    client = strict_client()
    client.send_config(include=["conversation_quality_overall"], goal_dimensions=["clarity"])
    client.receive_message(
        envelope(
            "session.updated",
            {"include": ["conversation_quality_overall"], "goal_dimensions": ["clarity"]},
        )
    )
    client.send_segment(WEBM_HEAD)
    client.receive_message(detected())
    client.send_close()
    client.receive_message(CLOSING, now=10.0)
    for frame in (
        envelope("engagement.updated", {"state": "engaged", "start": 4}),
        envelope(
            "conversation_quality.updated",
            {"overall": dict.fromkeys(SCORES, 60)},
        ),
        envelope("coverage.dropped", {"ranges": [{"start": 5, "end": 6}]}),
        envelope("feedback.generated", {"feedback": "Slow down."}),
        detected("stress", 7.0),
        ended("stress", 8.0),
        ended("interest", 8.0),
        SESSION_ENDED,
    ):
        client.receive_message(frame, now=11.0)
    assert client.state is ih.SessionState.ENDED
    assert client.violations == ()


def test_a_signal_left_open_at_session_ended_is_one_breach_each() -> None:
    client = ih.ClientConnection()
    client.receive_message(ready_frame())
    client.send_segment(WEBM_HEAD)
    client.receive_message(detected("interest"))
    client.receive_message(detected("stress"))
    client.send_close()
    client.receive_message(CLOSING)
    client.receive_message(SESSION_ENDED)
    assert [(v.rule, v.detail) for v in client.violations] == [
        ("final-signals-ended", "signal_type 'interest' (active since 1 s) got no signal.ended"),
        ("final-signals-ended", "signal_type 'stress' (active since 1 s) got no signal.ended"),
    ]


def test_null_probability_and_modality_and_absent_optionals_are_no_violation() -> None:
    client = strict_client()
    client.receive_message(detected(probability=None, modality=None))
    client.receive_message(
        envelope("signal.updated", {"signal_type": "interest", "start": 1, "probability": "high"})
    )
    client.receive_message(envelope("coverage.dropped", {}))
    client.receive_message(envelope("coverage.degraded", {}))
    client.send_config()
    client.receive_message(envelope("session.updated", {}))
    assert client.acknowledged_config == ih.messages.SessionUpdatedData()
    assert client.violations == ()


def test_an_undocumented_probability_is_kept_and_reported_once() -> None:
    client = strict_client()
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(detected(probability="very_high"))
    error = caught.value
    assert error.rule == "documented-values"
    assert error.detail == "probability 'very_high' is not one of ['high', 'low', 'medium']"
    assert isinstance(error.received, ih.messages.SignalDetected)
    assert error.received.data.probability == "very_high"
    assert "interest" in client.active_signals  # applied before raising


# -- rules the reference states (D37, D38) ------------------------------------------------


def test_one_correlation_id_per_connection() -> None:
    client = strict_client()
    assert client.correlation_id == CID
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(
            envelope("signal.detected", {"signal_type": "x", "start": 1}, OTHER_CID)
        )
    assert caught.value.rule == "one-correlation-id"
    assert OTHER_CID in caught.value.detail and CID in caught.value.detail
    assert client.correlation_id == CID
    assert "x" in client.active_signals


def test_quality_comes_at_most_once_per_period() -> None:
    client = strict_client()
    client.send_config(include=["conversation_quality_timeline"])
    client.receive_message(
        envelope("session.updated", {"include": ["conversation_quality_timeline"]})
    )
    scores = dict.fromkeys(SCORES, 50)

    def quality(start: float, end: float) -> str:
        return envelope(
            "conversation_quality.updated",
            {"timeline": [{"start": start, "end": end, "values": scores}]},
        )

    client.receive_message(quality(0, 10))
    client.receive_message(quality(10, 20))
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(quality(10, 20))
    assert caught.value.rule == "quality-period-order"
    assert "before the previous period's end 20 s" in caught.value.detail
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(quality(30, 30))
    assert "does not start before it ends" in caught.value.detail


# -- deadlines --------------------------------------------------------------------------


def test_deadlines_come_from_session_ready_and_the_time_passed_in() -> None:
    pair = Pair(ready=ready_data(session_idle_timeout_seconds=10, session_max_duration_seconds=25))
    assert pair.client.next_deadline() is None
    pair.now = 100.0
    pair.start()
    pair.flush()
    deadline = pair.client.next_deadline()
    assert deadline is not None
    assert (deadline.id, deadline.at, deadline.error_code) == ("idle-timeout", 110.0, "ih6003")
    assert "inactivity" in deadline.means
    pair.now = 108.0
    pair.client_segment(WEBM_HEAD)
    pair.flush()
    assert [d.id for d in pair.client.deadlines()] == ["idle-timeout", "max-duration"]
    deadline = pair.client.next_deadline()
    assert deadline is not None and (deadline.id, deadline.at) == ("idle-timeout", 118.0)
    assert pair.client.expired(117.9) == ()
    assert [d.id for d in pair.client.expired(125.0)] == ["idle-timeout", "max-duration"]
    (frame,) = pair.server.check_deadlines(118.0, timestamp=T)
    error = pair.client.receive_message(frame)
    assert isinstance(error, ih.messages.ErrorMessage) and error.data.code == "ih6003"
    assert ih.error_info(error.data.code).ends_session  # type: ignore[union-attr]
    assert pair.server.check_deadlines(110.0, timestamp=T) == ()


def test_the_drain_is_a_deadline_from_session_closing() -> None:
    client = strict_client()
    client.send_close(now=1.0)
    assert [d.id for d in client.deadlines()] == ["idle-timeout", "max-duration"]
    client.receive_message(CLOSING, now=2.0)
    drain = client.next_deadline()
    assert drain is not None
    assert (drain.id, drain.at, drain.error_code) == ("drain", 32.0, None)
    assert "close the WebSocket" in drain.means
    assert [d.id for d in client.expired(32.0)] == ["drain"]
    client.receive_message(SESSION_ENDED, now=3.0)
    assert client.deadlines() == ()


# -- segment_for: the segment base is not enforced unless known (D36) ----------------------


def test_an_error_naming_a_segment_under_either_base_is_no_violation() -> None:
    client = strict_client()
    client.send_segment(WEBM_HEAD)
    client.send_segment(b"\x1f\x43\xb6\x75" + bytes(10))
    late = client.receive_message(
        envelope("error", {"code": "ih5004", "message": "bad", "segment": 2})
    )
    assert isinstance(late, ih.messages.ErrorMessage)
    picked = client.segment_for(late)
    assert picked is not None and (picked.index, picked.base, picked.size) == (2, 1, 14)
    first = client.receive_message(
        envelope("error", {"code": "ih5004", "message": "bad", "segment": 0})
    )
    assert isinstance(first, ih.messages.ErrorMessage)
    picked = client.segment_for(first)
    assert picked is not None and (picked.index, picked.base) == (0, 0)
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(
            envelope("error", {"code": "ih5004", "message": "bad", "segment": 3})
        )
    assert (
        caught.value.detail
        == "error.segment 3 names no sent segment (2 sent: 0..1 under base 0 or 1..2 under base 1)"
    )


def test_a_known_base_is_enforced() -> None:
    client = strict_client(segment_index_base=0)
    client.send_segment(WEBM_HEAD)
    with pytest.raises(ih.RemoteProtocolError):
        client.receive_message(
            envelope("error", {"code": "ih5004", "message": "bad", "segment": 1})
        )
    with pytest.raises(ValueError, match="segment_index_base 2"):
        ih.ClientConnection(segment_index_base=2)


# -- caps against a hostile server (D39) --------------------------------------------------


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
    client.receive_message(READY_BYTES)
    frames = (
        envelope_bytes("signal.detected", {"signal_type": f"t{i}", "start": 1.0})
        for i in range(200_000)
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
    client.receive_message(READY_BYTES)
    # A known field the decoded message keeps (unknown ones are dropped at decoding anyway).
    big = envelope_bytes(
        "signal.updated", {"signal_type": "interest", "start": 1, "rationale": "x" * MIB}
    )

    def run() -> None:
        for _ in range(300):  # each breaks signal-updated-active
            client.receive_message(big)
            client.receive_message(
                envelope_bytes("signal.ended", {"signal_type": "interest", "end": 1})
            )

    assert peak_mib(run) < 40
    assert client.violation_count == 300
    kept = client.violations[-1].received
    assert isinstance(kept, ih.FrameExcerpt)
    assert kept.type == "signal.updated" and kept.size > MIB
    assert len(kept.head) == DEFAULT_VIOLATION_EXCERPT_BYTES
    small = ih.ClientConnection()
    small.receive_message(READY_BYTES)
    small.receive_message(envelope_bytes("signal.ended", {"signal_type": "interest", "end": 1.0}))
    assert isinstance(
        small.violations[0].received, ih.messages.SignalEnded
    )  # small ones kept whole


def test_strict_mode_still_hands_over_the_whole_message() -> None:
    client = ih.ClientConnection(strict=True, violation_excerpt_bytes=50)
    client.receive_message(READY_BYTES)
    with pytest.raises(ih.RemoteProtocolError) as caught:
        client.receive_message(
            envelope_bytes("signal.ended", {"signal_type": "interest", "end": 1.0, "x": 0})
        )
    assert isinstance(caught.value.received, ih.messages.SignalEnded)
    assert isinstance(client.violations[0].received, ih.FrameExcerpt)


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_caps_are_whole_numbers(bad: Any) -> None:
    with pytest.raises(ValueError, match="whole number"):
        ih.ClientConnection(max_signal_types=bad)
    with pytest.raises(ValueError, match="whole number"):
        ih.SummaryFold(max_readings_per_signal=bad)


# -- time only moves forward (D40) --------------------------------------------------------


def test_engagement_going_back_is_a_violation_and_the_fold_does_not_run_backwards() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY_BYTES)
    client.receive_message(envelope_bytes("engagement.updated", {"state": "engaged", "start": 10}))
    client.receive_message(envelope_bytes("engagement.updated", {"state": "neutral", "start": 4}))
    client.receive_message(envelope_bytes("engagement.updated", {"state": "engaged", "start": 12}))
    assert [(v.rule, v.detail) for v in client.violations] == [
        ("time-forward", "start 4 s is before the last engagement start 10 s")
    ]
    intervals = [(e.state, e.start, e.end) for e in fold.summary().engagement_state]
    assert intervals == [("engaged", 10, 10), ("neutral", 10, 12), ("engaged", 12, 12)]


def test_a_signal_detected_again_before_its_last_end_is_a_violation_and_clamped() -> None:
    fold = ih.SummaryFold()
    client = ih.ClientConnection(fold=fold)
    client.receive_message(READY_BYTES)
    client.receive_message(
        envelope_bytes("signal.detected", {"signal_type": "interest", "start": 2})
    )
    client.receive_message(envelope_bytes("signal.ended", {"signal_type": "interest", "end": 9}))
    client.receive_message(
        envelope_bytes("signal.detected", {"signal_type": "interest", "start": 5})
    )
    client.receive_message(envelope_bytes("signal.ended", {"signal_type": "interest", "end": 12}))
    assert [v.rule for v in client.violations] == ["time-forward"]
    assert "start 5 s of 'interest' is before 9 s" in client.violations[0].detail
    spans = [(s.start, s.end) for s in fold.summary().signals]
    assert spans == [(2, 9), (9, 12)]


# -- property: unknown vocabulary values decode without loss, one violation each -------------


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@st.composite
def sessions(draw: st.DrawFn) -> tuple[list[str], int]:
    """Valid messages of a session, some carrying undocumented closed-set values; returns the
    frames and how many undocumented values they carry."""

    def value(documented: frozenset[str]) -> str:
        if draw(st.booleans()):
            return draw(st.sampled_from(sorted(documented)))
        return draw(WORDS.filter(lambda w: w not in documented))

    frames = [ready_frame()]
    unknown = 0
    for i in range(draw(st.integers(1, 6))):
        probability = value(ih.messages.PROBABILITIES)
        unknown += probability not in ih.messages.PROBABILITIES
        frames.append(detected(f"s{i}", float(i), probability=probability))
        frames.append(ended(f"s{i}", float(i) + 0.5))
    state = None
    for i in range(draw(st.integers(0, 4))):
        new = value(ih.messages.ENGAGEMENT_STATES)
        if new != state:  # an unchanged level would break engagement-changed instead
            state = new
            unknown += new not in ih.messages.ENGAGEMENT_STATES
            frames.append(envelope("engagement.updated", {"state": new, "start": i}))
    for _ in range(draw(st.integers(0, 3))):
        # A config is sent (SEND_CONFIG), and session.updated answers it with include flags
        # and goal dimensions, documented or not; ready_frame offers only documented flags.
        include = sorted({value(ih.messages.INCLUDE_FLAGS) for _ in range(draw(st.integers(0, 3)))})
        goals = sorted({value(ih.messages.GOAL_DIMENSIONS) for _ in range(draw(st.integers(0, 3)))})
        unknown += sum(v not in ih.messages.INCLUDE_FLAGS for v in include)
        unknown += sum(v not in ih.messages.GOAL_DIMENSIONS for v in goals)
        frames += [
            SEND_CONFIG,
            envelope("session.updated", {"include": include, "goal_dimensions": goals}),
        ]
    return frames, unknown


SEND_CONFIG = "send a config"


@settings(max_examples=150, deadline=None)
@given(sessions())
def test_unknown_values_decode_without_loss_and_one_violation_each(
    case: tuple[list[str], int],
) -> None:
    frames, unknown = case
    client = ih.ClientConnection()
    for frame in frames:
        if frame is SEND_CONFIG:
            client.send_config(include=[])
            continue
        message = client.receive_message(frame)
        decoded = json.loads(frame)["data"]
        for name in ("probability", "state", "include", "goal_dimensions"):
            if name in decoded:
                assert getattr(message.data, name) == decoded[name]  # type: ignore[union-attr]
    assert [v.rule for v in client.violations] == ["documented-values"] * unknown


# -- found by review: caps on what a breach quotes, and types beyond the cap -------------------


def test_a_detail_quotes_at_most_a_bounded_part_of_the_value() -> None:
    client = ih.ClientConnection()
    client.receive_message(ready_frame())
    huge = "x" * (1024 * 1024)
    client.receive_message(
        envelope("signal.detected", {"signal_type": "interest", "start": 1, "probability": huge})
    )
    (violation,) = client.violations
    assert violation.rule == "documented-values"
    assert len(violation.detail) < 1100 and "1,04" in violation.detail  # its length is named


def test_a_signal_type_beyond_the_cap_is_reported_once() -> None:
    client = ih.ClientConnection(max_signal_types=2)
    client.receive_message(ready_frame())
    for kind in ("a", "b", "c"):
        client.receive_message(envelope("signal.detected", {"signal_type": kind, "start": 1}))
    for start in (2, 3, 4):
        client.receive_message(
            envelope("signal.updated", {"signal_type": "c", "start": start, "probability": "low"})
        )
    client.receive_message(envelope("signal.ended", {"signal_type": "c", "end": 5}))
    assert [v.rule for v in client.violations] == ["resource-cap"]


def test_an_unknown_type_does_not_set_a_connection_id_that_is_no_uuid() -> None:
    client = ih.ClientConnection()
    client.receive_message(
        json.dumps({"type": "x.hello", "correlation_id": "abc", "data": {}}).encode()
    )
    client.receive_message(ready_frame())
    client.receive_message(envelope("signal.detected", {"signal_type": "a", "start": 1}))
    assert client.violations == ()
    assert client.correlation_id == CID


def test_a_now_beyond_any_float_is_a_value_error() -> None:
    client = ih.ClientConnection()
    with pytest.raises(ValueError, match="finite"):
        client.receive_message(ready_frame(), now=10**400)
    assert client.state is ih.SessionState.AWAITING_READY


# -- what to do next: the catalog's verdicts, and a config of what the server offers ---------


def test_every_documented_error_has_a_verdict() -> None:
    verdicts = {code: info.verdict for code, info in ih.ERROR_CATALOG.items()}
    assert verdicts["ih6001"] == "continues"
    assert verdicts["ih6002"] == "segment_dropped"
    assert verdicts["ih1003"] == "retry_later"
    assert verdicts["ih2003"] == "fatal"
    assert verdicts["ih6003"] == verdicts["ih6004"] == "ends"
    assert set(verdicts.values()) <= {
        "continues",
        "ends",
        "retry_later",
        "fatal",
        "segment_dropped",
        "unknown",
    }


def test_send_offered_config_leaves_out_what_is_not_offered() -> None:
    client = ih.ClientConnection(strict=True)
    client.receive_message(ready_frame(include=["conversation_quality_overall", "speaker_turns"]))
    sent = client.send_offered_config(
        include=["conversation_quality_timeline", "speaker_turns"],
        goal_dimensions=["clarity", "charisma"],
    )
    assert json.loads(sent.frame) == {"include": ["speaker_turns"], "goal_dimensions": ["clarity"]}
    assert sent.left_out == {
        "include": ("conversation_quality_timeline",),
        "goal_dimensions": ("charisma",),
    }
    assert sent.config == client.pending_configs[-1]
    with pytest.raises(ih.LocalProtocolError):  # a caller's shape mistake is still named
        client.send_offered_config(include="speaker_turns")  # type: ignore[arg-type]


def test_receive_says_what_changed_and_what_to_do_next() -> None:
    client = ih.ClientConnection()
    changes = [client.receive(ready_frame(max_segment_size_bytes=300), now=0.0).change]
    assert changes[0].became_ready and changes[0].deadline is not None
    client.send_config(include=["conversation_quality_overall"])
    changes.append(
        client.receive(
            envelope("session.updated", {"include": ["conversation_quality_overall"]})
        ).change
    )
    client.send_config(include=["conversation_quality_timeline"])
    client.send_segment(WEBM_HEAD)
    changes.append(client.receive(envelope("error", {"code": "ih6001", "message": "no"})).change)
    changes.append(
        client.receive(envelope("error", {"code": "ih6002", "message": "big", "segment": 0})).change
    )
    client.send_close()
    changes.append(
        client.receive(envelope("session.closing", {"max_drain_seconds": 5}), now=10.0).change
    )
    assert changes[-1].deadline is not None and changes[-1].deadline.id == "drain"
    changes.append(client.receive(envelope("session.ended", {"reason": "client_shutdown"})).change)
    assert [c.config for c in changes] == [None, "acknowledged", "refused", None, None, None]
    assert changes[2].error == "continues"
    assert changes[3].error == "segment_dropped" and changes[3].segment is not None
    assert changes[3].segment.size == len(WEBM_HEAD)
    assert changes[4].closing and not changes[5].closing
    assert changes[5].ended == "client_shutdown" and changes[5].deadline is None
    assert all(c.violations == 0 for c in changes)
    assert not any(c.became_ready for c in changes[1:])
