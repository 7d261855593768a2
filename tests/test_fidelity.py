"""Fidelity to the live service (issue 11): what the server is documented to send is never a
false alarm, what it does not settle is never enforced, and every breach names its value.

Each test is a reproducer from the audit or a rule's two sides; the property test at the end
checks that unknown vocabulary values decode without loss and yield one violation each.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import pytest
from harness import EPOCH, WEBM_HEAD, Pair
from hypothesis import given, settings
from hypothesis import strategies as st

import interhuman_stream as ih

CID = str(uuid.UUID(int=7))
OTHER_CID = str(uuid.UUID(int=8))
SCORES = ("quality_index", "clarity", "authority", "energy", "rapport", "learning")


def envelope(kind: str, data: dict[str, Any], correlation_id: str = CID) -> str:
    return json.dumps(
        {
            "type": kind,
            "timestamp": "2026-05-20T14:00:00Z",
            "correlation_id": correlation_id,
            "data": data,
        }
    )


def ready(**options: Any) -> str:
    return envelope(
        "session.ready",
        {
            "session_idle_timeout_seconds": 300,
            "session_max_duration_seconds": 3600,
            "min_segment_size_bytes": 1,
            "max_segment_size_bytes": 34000,
            "supported_session_config_options": options
            or {"include": ["conversation_quality_overall", "conversation_quality_timeline"]},
        },
    )


def detected(signal: str = "interest", start: float = 1.0, **fields: Any) -> str:
    return envelope("signal.detected", {"signal_type": signal, "start": start, **fields})


def ended(signal: str = "interest", end: float = 2.0) -> str:
    return envelope("signal.ended", {"signal_type": signal, "end": end})


CLOSING = envelope("session.closing", {"max_drain_seconds": 30})
SESSION_ENDED = envelope("session.ended", {"reason": "client_shutdown"})


def strict_client(**options: Any) -> ih.ClientConnection:
    client = ih.ClientConnection(strict=True, **options)
    client.receive_message(ready(), now=0.0)
    return client


# -- the drain (D24) ------------------------------------------------------------------------


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
    client.receive_message(ready())
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


# -- growth announced in session.ready (D33, D34) -------------------------------------------


def test_a_ready_that_offers_new_options_is_followed_and_they_may_be_sent() -> None:
    client = ih.ClientConnection(strict=True)
    message = client.receive_message(
        ready(
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


def test_a_server_refuses_a_value_it_did_not_offer_and_takes_one_it_did() -> None:
    options = ih.messages.SessionOptions(include=["conversation_quality_overall", "speaker_turns"])
    data = ih.messages.SessionReadyData(
        session_idle_timeout_seconds=300,
        session_max_duration_seconds=3600,
        min_segment_size_bytes=1,
        max_segment_size_bytes=34000,
        supported_session_config_options=options,
    )
    server = ih.ServerConnection(data, uuid.UUID(int=7), strict=True)
    server.start(timestamp=EPOCH)
    taken = server.receive_text(b'{"include": ["speaker_turns"]}', timestamp=EPOCH)
    assert isinstance(ih.decode_server_message(taken.replies[0]), ih.messages.SessionUpdated)
    taken = server.receive_text(b'{"include": ["transcript"]}', timestamp=EPOCH)
    reply = ih.decode_server_message(taken.replies[0])
    assert isinstance(reply, ih.messages.ErrorMessage) and reply.data.code == "ih6001"


# -- tolerant reading (D33) and null/optional fields (D30) -----------------------------------


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


# -- the segment base is not enforced (D36) --------------------------------------------------


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


def test_ih6002_says_whether_it_ends_the_session_is_unknown() -> None:
    info = ih.error_info("ih6002")
    assert info is not None and info.ends_session is None


# -- rules the reference states (D37, D38, D23) -----------------------------------------------


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


def test_a_close_before_ready_and_a_config_after_close_are_allowed() -> None:
    client = ih.ClientConnection(strict=True)
    client.send_close()
    assert client.state is ih.SessionState.CLOSE_BEFORE_READY
    client.send_config(include=[])
    with pytest.raises(ih.LocalProtocolError):
        client.send_segment(WEBM_HEAD)
    client.receive_message(ready())
    assert client.state is ih.SessionState.CLOSE_SENT
    client.receive_message(envelope("session.updated", {"include": []}))
    client.receive_message(CLOSING)
    client.receive_message(SESSION_ENDED)
    assert client.violations == ()


def test_a_server_answers_a_close_before_ready_after_its_ready() -> None:
    pair = Pair()
    pair.client_close()
    pair.flush()
    assert pair.server.state is ih.SessionState.CLOSE_BEFORE_READY
    pair.start()
    pair.flush()
    assert pair.client.state is pair.server.state is ih.SessionState.DRAINING
    pair.agree()


# -- errors that show the values (D35) -------------------------------------------------------


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
        client.receive_message(ready(), now=now)
    assert client.state is ih.SessionState.AWAITING_READY
    client.receive_message(ready(), now=1)
    with pytest.raises(error):
        client.send_segment(WEBM_HEAD, now=now)
    assert client.segments_sent == ()
    with pytest.raises(error):
        client.expired(now)


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

    frames = [ready()]
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
    return frames, unknown


@settings(max_examples=150, deadline=None)
@given(sessions())
def test_unknown_values_decode_without_loss_and_one_violation_each(
    case: tuple[list[str], int],
) -> None:
    frames, unknown = case
    client = ih.ClientConnection()
    for frame in frames:
        message = client.receive_message(frame)
        decoded = json.loads(frame)["data"]
        for name in ("probability", "state"):
            if name in decoded:
                assert getattr(message.data, name) == decoded[name]  # type: ignore[union-attr]
    assert [v.rule for v in client.violations] == ["documented-values"] * unknown
