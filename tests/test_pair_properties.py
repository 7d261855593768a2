"""Random whole sessions between a ClientConnection and a ServerConnection.

A hypothesis state machine plays both peers with random sends, config changes, oversized
segments, closes, timeouts and connection losses, delivering frames in random interleavings.
Invariants: a strict client never sees a contract breach from a server that emitted only
what its own side of the contract allowed; once nothing is in flight both peers know the same
session; every error names a segment that was sent; only documented errors are ever raised.
"""

from __future__ import annotations

from typing import Any

from harness import ALL_FLAGS, ALL_GOALS, WEBM_HEAD, Pair, ready_data
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
