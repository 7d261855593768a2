"""ServerConnection: how it answers configs, segments and closes, what it refuses to send (the
contract from the server's side), finish(), and its deadlines.

The reproducers of refusals that must change nothing are in test_atomic.py; a server joined
to a client is in test_connection.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from harness import ALL_FLAGS, EPOCH, Pair, ready_data, started

import interhuman_stream as ih

T = EPOCH


# -- answers ----------------------------------------------------------------------------


def test_server_answers_an_undecodable_config_with_ih6001() -> None:
    pair = started()
    taken = pair.server.receive_text(b'{"include": [7]}', timestamp=T)
    assert taken.message is None
    (reply,) = taken.replies
    error = ih.decode_server_message(reply)
    assert isinstance(error, ih.messages.ErrorMessage)
    assert error.data.code == "ih6001" and error.data.segment is None


def test_the_server_does_not_answer_a_too_small_segment_with_too_large() -> None:
    server = ih.ServerConnection(ready_data(min_segment_size_bytes=10), uuid.UUID(int=3))
    server.start(timestamp=T)
    taken = server.receive_segment(b"tiny", timestamp=T)
    assert taken.replies == ()
    assert [v.rule for v in server.violations] == ["segment-size"]
    assert server.segments_sent[0].size == 4  # counted all the same (D8)
    assert server.violations[0].received == server.segments_sent[0]


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


# -- what it refuses to send ------------------------------------------------------------


def test_server_refuses_to_break_the_contract() -> None:
    pair = started()
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.server.send(
            "signal.ended", ih.messages.SignalEndedData(signal_type="interest", end=1), timestamp=T
        )
    assert (caught.value.rule, caught.value.role) == ("signal-ended-active", "server")
    with pytest.raises(ih.LocalProtocolError):  # a session.updated that answers no config
        pair.server.send("session.updated", ih.messages.SessionUpdatedData(include=[]), timestamp=T)
    with pytest.raises(ih.LocalProtocolError):
        pair.server.start(timestamp=T)  # session.ready twice
    with pytest.raises(ValueError, match=r"invalid signal\.detected data"):
        pair.server.send(
            "signal.detected", ih.messages.SignalData(signal_type="x", start=-1), timestamp=T
        )
    with pytest.raises(ValueError, match="not a server message type"):
        pair.server.send(
            "signal.paused", ih.messages.SignalData(signal_type="x", start=1), timestamp=T
        )


def test_quality_needs_the_flag_and_the_requested_sections() -> None:
    pair = started()
    scores = ih.messages.QualityScores(
        quality_index=60, clarity=60, authority=60, energy=60, rapport=60, learning=60
    )
    only_overall = ih.messages.ConversationQualityData(overall=scores)
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.server_sends("conversation_quality.updated", only_overall)
    assert caught.value.rule == "quality-needs-flag"
    pair.client_config(include=ALL_FLAGS)
    pair.flush()
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.server_sends("conversation_quality.updated", only_overall)
    assert caught.value.rule == "quality-has-sections"
    two_periods = [ih.messages.QualityPeriod(start=0, end=3, values=scores)] * 2
    with pytest.raises(ih.LocalProtocolError):
        pair.server_sends(
            "conversation_quality.updated",
            ih.messages.ConversationQualityData(overall=scores, timeline=two_periods),
        )


# -- finish() ---------------------------------------------------------------------------


def test_finish_emits_everything_or_nothing() -> None:
    pair = started()
    pair.server_sends("signal.detected", ih.messages.SignalData(signal_type="stress", start=1))
    for bad in ({"reason": ""}, {"at": -1.0}):
        options: dict[str, Any] = {"at": 5.0, "reason": "max_duration", **bad}
        with pytest.raises(ValueError):
            pair.server.finish(timestamp=T, **options)
        assert set(pair.server.active_signals) == {"stress"}
    with pytest.raises(ValueError, match="say why"):
        pair.server.finish(timestamp=T, at=5.0)  # not after a close: a reason is needed
    pair.lose(1006)
    with pytest.raises(ih.LocalProtocolError):
        pair.server.finish(timestamp=T, at=5.0, reason="max_duration")


def test_finish_refused_by_the_contract_leaves_the_session_unchanged() -> None:
    # The audit's reproducer: a server ending on its own with the reason that only answers a
    # close used to apply the final signal.ended, then refuse session.ended.
    pair = Pair()
    pair.start()
    pair.flush()
    pair.server_sends("signal.detected", ih.messages.SignalData(signal_type="interest", start=1.0))
    pair.flush()
    before = (pair.server.state, dict(pair.server.active_signals), pair.server.violations)
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.server.finish(timestamp=EPOCH, at=5.0, reason="client_shutdown")
    assert caught.value.rule == "ended-after-closing"
    assert (pair.server.state, dict(pair.server.active_signals), pair.server.violations) == before
    frames = pair.server.finish(timestamp=EPOCH, at=5.0, reason="server_shutdown")
    kinds = [type(ih.decode_server_message(frame)).__name__ for frame in frames]
    assert kinds == ["SignalEnded", "SessionEnded"]


# -- deadlines --------------------------------------------------------------------------


def test_an_expired_deadline_is_reported_once() -> None:
    pair = Pair(ready=ready_data(session_idle_timeout_seconds=1, session_max_duration_seconds=2))
    pair.start()
    pair.flush()
    assert len(pair.server.check_deadlines(1.5, timestamp=T)) == 1
    assert pair.server.check_deadlines(2.5, timestamp=T) == ()


def test_send_refuses_data_of_another_message_and_finish_names_why() -> None:
    server = ih.ServerConnection(ready_data(), uuid.UUID(int=7))
    server.start(timestamp=EPOCH)
    with pytest.raises(TypeError, match=r"coverage\.dropped carries CoverageDroppedData"):
        server.send(
            "coverage.dropped", ih.messages.SignalData(signal_type="x", start=1), timestamp=EPOCH
        )
    server.finish(timestamp=EPOCH, at=1.0, reason="server_shutdown")
    with pytest.raises(ih.LocalProtocolError) as caught:
        server.finish(timestamp=EPOCH, at=2.0, reason="server_shutdown")
    assert caught.value.detail.startswith("session.ended in state ended")
    with pytest.raises(ValueError, match="-1"):
        ih.ServerConnection(ready_data(), uuid.UUID(int=7)).finish(
            timestamp=EPOCH, at=-1, reason="x"
        )


def test_configs_waiting_for_an_answer_are_bounded() -> None:
    # A hostile client cannot make a server keep configs without bound before start().
    from interhuman_stream._checks import MAX_PENDING_CONFIGS

    server = ih.ServerConnection(ready_data(), uuid.UUID(int=7))
    for _ in range(MAX_PENDING_CONFIGS + 10):
        server.receive_text('{"include": ["conversation_quality_overall"]}', timestamp=EPOCH)
    assert len(server.pending_configs) == MAX_PENDING_CONFIGS
    assert [v.rule for v in server.violations] == ["config-backlog"] * 10
    frames = server.start(timestamp=EPOCH)
    assert len(frames) == 1 + MAX_PENDING_CONFIGS  # each kept config is answered, in order
    client = ih.ClientConnection()
    for _ in range(MAX_PENDING_CONFIGS):
        client.send_config(include=[])
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.send_config(include=[])
    assert caught.value.rule == "config-backlog" and "64" in caught.value.detail
