"""A ClientConnection and a ServerConnection joined in memory (tests/harness.py's Pair): whole
sessions, answers paired with the configs they answer, both peers knowing the same session.

Then random whole sessions: a hypothesis state machine plays both peers with random sends,
config changes, oversized segments, closes, timeouts and connection losses, delivering frames
in random interleavings. Invariants: a strict client never sees a contract breach from a
server that emitted only what its own side of the contract allowed; once nothing is in flight
both peers know the same session; every error names a segment that was sent; only documented
errors are ever raised.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import ALL_FLAGS, ALL_GOALS, EPOCH, WEBM_HEAD, Pair, ready_data, started
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import interhuman_stream as ih
from interhuman_stream._contract import EVENT_SENDERS, GUARDS, MOVES

T = EPOCH


def test_a_whole_session_in_memory() -> None:
    pair = started()
    assert pair.client.state is ih.SessionState.STREAMING
    pair.client_config(include=ALL_FLAGS, goal_dimensions=["clarity"])
    pair.flush()
    pair.client_segment(WEBM_HEAD)
    pair.client_segment(b"cluster" * 50)
    pair.flush()
    pair.server_sends("signal.detected", ih.messages.SignalData(signal_type="interest", start=1.5))
    pair.server_sends(
        "signal.updated",
        ih.messages.SignalData(signal_type="interest", start=1.5, probability="low"),
    )
    pair.server_sends(
        "engagement.updated", ih.messages.EngagementUpdatedData(state="engaged", start=0)
    )
    scores = ih.messages.QualityScores(
        quality_index=50, clarity=50, authority=50, energy=50, rapport=50, learning=50
    )
    pair.server_sends(
        "conversation_quality.updated",
        ih.messages.ConversationQualityData(
            overall=scores, timeline=[ih.messages.QualityPeriod(start=0, end=6, values=scores)]
        ),
    )
    pair.flush()
    pair.agree()
    assert set(pair.client.active_signals) == {"interest"}
    pair.client_close()
    pair.flush()
    assert pair.client.state is ih.SessionState.DRAINING
    pair.to_client.extend(pair.server.finish(timestamp=T, at=6.0))
    pair.flush()
    pair.agree()
    assert pair.client.state is ih.SessionState.ENDED
    assert pair.client.active_signals == {}
    kinds = [type(m).__name__ for m in pair.received]
    assert kinds[-3:] == ["SessionClosing", "SignalEnded", "SessionEnded"]
    pair.lose(1000)
    assert pair.client.state is ih.SessionState.CLOSED and pair.client.close_code == 1000


def test_config_answers_pair_in_order() -> None:
    pair = started()
    pair.client_config(include=["conversation_quality_overall"])
    pair.client_config(include=ALL_FLAGS)
    assert len(pair.client.pending_configs) == 2
    while pair.to_server:
        pair.deliver_to_server()
    pair.deliver_to_client()
    acknowledged = pair.client.acknowledged_config
    assert acknowledged is not None and acknowledged.include == ["conversation_quality_overall"]
    assert pair.client.pending_configs == (ih.messages.SessionConfig(include=ALL_FLAGS),)
    pair.flush()
    assert pair.client.acknowledged_config.include == ALL_FLAGS  # type: ignore[union-attr]
    pair.agree()


def test_a_config_sent_before_ready_and_not_offered_is_rejected_in_turn() -> None:
    pair = Pair(
        ready=ready_data(
            supported_session_config_options=ih.messages.SessionOptions(
                include=["conversation_quality_overall"]
            )
        )
    )
    pair.client_config(include=ALL_FLAGS)  # before session.ready: nothing to check against
    pair.start()
    pair.client_config(include=["conversation_quality_overall"])
    pair.flush()
    answers = [
        m
        for m in pair.received
        if isinstance(m, (ih.messages.ErrorMessage, ih.messages.SessionUpdated))
    ]
    assert [type(m).__name__ for m in answers] == ["ErrorMessage", "SessionUpdated"]
    assert answers[0].data.code == "ih6001"  # type: ignore[union-attr]
    pair.agree()


def test_a_server_answers_a_close_before_ready_after_its_ready() -> None:
    pair = Pair()
    pair.client_close()
    pair.flush()
    assert pair.server.state is ih.SessionState.CLOSE_BEFORE_READY
    pair.start()
    pair.flush()
    assert pair.client.state is pair.server.state is ih.SessionState.DRAINING
    pair.agree()


def test_segment_checks_can_be_turned_off() -> None:
    pair = started(sniff_containers=False, check_segment_sizes=False)
    pair.client_segment(b"raw bytes")
    pair.client_segment(bytes(5000))
    pair.flush()
    errors = [m for m in pair.received if isinstance(m, ih.messages.ErrorMessage)]
    assert [(e.data.code, e.data.segment) for e in errors] == [("ih6002", 1)]
    assert pair.client.segment_for(errors[0]) == pair.client.segments_sent[1]
    pair.agree()
    assert pair.client.state is ih.SessionState.STREAMING  # the session goes on


@pytest.mark.parametrize("data", ["text", [1, 2], 42, None])
def test_a_segment_must_be_binary(data: object) -> None:
    pair = started()
    with pytest.raises(TypeError, match="binary"):
        pair.client.send_segment(data)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary"):
        pair.server.receive_segment(data, timestamp=T)  # type: ignore[arg-type]
    assert pair.client.segments_sent == () and pair.server.segments_sent == ()


# -- random whole sessions --------------------------------------------------------------

SIGNALS = ["agreement", "interest", "stress", "curiosity"]
# For each event, the rules that may refuse it: the table's forbidding rules and its guards.
RULES_FOR: dict[str, set[str]] = {
    event: {
        target.id
        for (moved, _state), target in MOVES.items()
        if moved == event and isinstance(target, ih.Rule)
    }
    | {guard.rule.id for guard in GUARDS if guard.event == event}
    for event, _sender in EVENT_SENDERS.items()
}
PROBABILITIES = ["high", "medium", "low"]
LIVE = (ih.SessionState.STREAMING, ih.SessionState.CLOSE_SENT, ih.SessionState.DRAINING)


class SessionPair(RuleBasedStateMachine):
    @initialize(
        include=st.lists(st.sampled_from(ALL_FLAGS), unique=True),
        goals=st.none() | st.lists(st.sampled_from(ALL_GOALS), unique=True),
        early_config=st.booleans(),
    )
    def open_session(self, include: list[str], goals: list[str] | None, early_config: bool) -> None:
        # session.ready offers a random subset of options, so configs sent before it (which
        # the client cannot check yet) may be rejected by the server with ih6001.
        self.pair = Pair(
            ready=ready_data(
                session_idle_timeout_seconds=30,
                session_max_duration_seconds=120,
                max_segment_size_bytes=2048,
                supported_session_config_options=ih.messages.SessionOptions(
                    include=include,  # type: ignore[arg-type]
                    goal_dimensions=goals,  # type: ignore[arg-type]
                ),
            ),
            check_segment_sizes=False,
        )
        if early_config:
            self.pair.client_config(include=ALL_FLAGS, goal_dimensions=["clarity"])
        self.pair.start()
        self.media_time = 0.0

    def attempt(
        self, side: ih.ClientConnection | ih.ServerConnection, event: str, action: Any
    ) -> None:
        """Run an action the contract may forbid: it either works, or raises a
        LocalProtocolError that names this event and a rule about it, and changes nothing."""
        before = (side.state, side.segments_sent, side.pending_configs, side.active_signals)
        try:
            action()
        except ih.LocalProtocolError as error:
            assert error.event == event
            assert error.rule in RULES_FOR[event], (error.rule, event)
            after = (side.state, side.segments_sent, side.pending_configs, side.active_signals)
            assert after == before

    # -- the client ------------------------------------------------------------------------

    @rule(
        include=st.lists(st.sampled_from(ALL_FLAGS), unique=True),
        goals=st.none() | st.lists(st.sampled_from(ALL_GOALS), unique=True, max_size=2),
    )
    def client_config(self, include: list[str], goals: list[str] | None) -> None:
        fields: dict[str, Any] = {"include": include}
        if goals is not None:
            fields["goal_dimensions"] = goals
        self.attempt(self.pair.client, "config", lambda: self.pair.client_config(**fields))

    @rule(kind=st.sampled_from(["header", "continuation", "oversized", "empty"]))
    def client_segment(self, kind: str) -> None:
        data = {
            "header": WEBM_HEAD,
            "continuation": b"\x1f\x43\xb6\x75" + bytes(300),
            "oversized": WEBM_HEAD + bytes(4000),
            "empty": b"",
        }[kind]
        self.attempt(self.pair.client, "segment", lambda: self.pair.client_segment(data))

    @rule()
    def client_close(self) -> None:
        self.attempt(self.pair.client, "close", self.pair.client_close)

    # -- the server ------------------------------------------------------------------------

    @rule(signal=st.sampled_from(SIGNALS), probability=st.sampled_from(PROBABILITIES))
    def server_detects(self, signal: str, probability: str) -> None:
        data = ih.messages.SignalData(
            signal_type=signal, start=self.media_time, probability=probability
        )  # type: ignore[arg-type]
        self.attempt(
            self.pair.server,
            "signal.detected",
            lambda: self.pair.server_sends("signal.detected", data),
        )

    @rule(signal=st.sampled_from(SIGNALS), probability=st.sampled_from(PROBABILITIES))
    def server_updates(self, signal: str, probability: str) -> None:
        current = self.pair.server.active_signals.get(signal)
        start = current.start if current is not None else self.media_time
        data = ih.messages.SignalData(signal_type=signal, start=start, probability=probability)  # type: ignore[arg-type]
        self.attempt(
            self.pair.server,
            "signal.updated",
            lambda: self.pair.server_sends("signal.updated", data),
        )

    @rule(signal=st.sampled_from(SIGNALS))
    def server_ends(self, signal: str) -> None:
        data = ih.messages.SignalEndedData(signal_type=signal, end=self.media_time)
        self.attempt(
            self.pair.server, "signal.ended", lambda: self.pair.server_sends("signal.ended", data)
        )

    @rule(state=st.sampled_from(["engaged", "neutral", "disengaged"]))
    def server_engagement(self, state: str) -> None:
        data = ih.messages.EngagementUpdatedData(state=state, start=self.media_time)  # type: ignore[arg-type]
        self.attempt(
            self.pair.server,
            "engagement.updated",
            lambda: self.pair.server_sends("engagement.updated", data),
        )

    @rule(overall=st.booleans(), timeline=st.booleans())
    def server_quality(self, overall: bool, timeline: bool) -> None:
        scores = ih.messages.QualityScores(
            quality_index=55, clarity=50, authority=60, energy=55, rapport=50, learning=60
        )
        period = ih.messages.QualityPeriod(
            start=max(0.0, self.media_time - 3), end=self.media_time, values=scores
        )
        data = ih.messages.ConversationQualityData(
            overall=scores if overall else None, timeline=[period] if timeline else None
        )
        self.attempt(
            self.pair.server,
            "conversation_quality.updated",
            lambda: self.pair.server_sends("conversation_quality.updated", data),
        )

    @rule(on_segment=st.booleans())
    def server_error(self, on_segment: bool) -> None:
        sent = self.pair.server.segments_sent
        segment = sent[-1].index if on_segment and sent else None
        pair = self.pair
        self.attempt(
            pair.server,
            "error",
            lambda: pair.to_client.append(
                pair.server.fail("ih5004", timestamp=pair.timestamp, segment=segment)
            ),
        )

    @rule()
    def server_finishes(self) -> None:
        pair = self.pair
        draining = pair.server.state is ih.SessionState.DRAINING
        reason = None if draining else "max_duration"
        self.attempt(
            pair.server,
            "session.ended",
            lambda: pair.to_client.extend(
                pair.server.finish(timestamp=pair.timestamp, at=self.media_time, reason=reason)
            ),
        )

    @precondition(lambda self: self.pair.server.state in LIVE)
    @rule()
    def server_sends_an_unknown_type(self) -> None:
        self.pair.to_client.append(
            '{"type": "transcript.updated", "timestamp": "2026-05-20T14:00:00Z", "data": {}}'
        )

    # -- time and the network ---------------------------------------------------------------

    @rule(seconds=st.floats(min_value=0.5, max_value=40))
    def time_passes(self, seconds: float) -> None:
        self.pair.now += seconds
        self.media_time += seconds
        frames = self.pair.server.check_deadlines(self.pair.now, timestamp=self.pair.timestamp)
        if frames:
            # A fatal error, then the server closes the connection.
            self.pair.to_client.extend(frames)
            self.deliver_all()
            self.pair.lose(1008)

    @precondition(lambda self: self.pair.to_server)
    @rule()
    def deliver_to_server(self) -> None:
        self.pair.deliver_to_server()

    @precondition(lambda self: self.pair.to_client)
    @rule()
    def deliver_to_client(self) -> None:
        self.check_delivered(self.pair.deliver_to_client())

    @rule()
    def deliver_all(self) -> None:
        while self.pair.to_server or self.pair.to_client:
            while self.pair.to_server:
                self.pair.deliver_to_server()
            while self.pair.to_client:
                self.check_delivered(self.pair.deliver_to_client())

    @rule(code=st.sampled_from([1000, 1006, None]))
    def connection_lost(self, code: int | None) -> None:
        self.pair.lose(code)

    def check_delivered(self, message: object) -> None:
        if isinstance(message, ih.messages.ErrorMessage) and message.data.segment is not None:
            assert self.pair.client.segment_for(message) is not None

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def peers_agree_when_nothing_is_in_flight(self) -> None:
        if self.pair.client.state is ih.SessionState.CLOSED:
            # Frames in flight when the connection dropped are lost: the peers may have
            # seen different last frames, but both know the connection is gone.
            assert self.pair.server.state is ih.SessionState.CLOSED
        elif not self.pair.to_server and not self.pair.to_client:
            self.pair.agree()

    @invariant()
    def nothing_after_the_end(self) -> None:
        received = self.pair.received
        ends = [i for i, m in enumerate(received) if isinstance(m, ih.messages.SessionEnded)]
        if ends:
            assert ends == [len(received) - 1] or not received[ends[0] + 1 :]
            assert self.pair.client.state in (ih.SessionState.ENDED, ih.SessionState.CLOSED)
        if self.pair.client.state in (ih.SessionState.ENDED, ih.SessionState.CLOSED):
            assert self.pair.client.deadlines() == ()


SessionPair.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


TestSessionPair = SessionPair.TestCase
