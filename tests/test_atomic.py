"""Every refusal is atomic: a call of either role that raises LocalProtocolError, TypeError or
ValueError leaves every observable attribute as it was, and nothing but the documented
exceptions escapes (LocalProtocolError; RemoteProtocolError from a strict connection, after
the frame was applied, by design; DecodeError; TypeError or ValueError with a message).

A hypothesis state machine drives a client and a server joined by two queues with random
calls of their callers and peers (the actions of fuzz/targets.py, which `nox -s fuzz` runs
with a large budget). The engine bugs it found are fixed, and reproduced below.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import interhuman_stream as ih
from fuzz import targets
from fuzz.targets import EPOCH, TICK, WEBM_HEAD, Interleaving, Setup, observed, ready_data

NOW = st.one_of(st.just(TICK), st.sampled_from(targets.NOWS))
STAMP = st.one_of(st.just(TICK), st.sampled_from(targets.TIMESTAMPS))


class Interleavings(RuleBasedStateMachine):
    """Both roles, every mode: random calls, each checked by Interleaving._attempt."""

    world: Interleaving

    @initialize(setup=st.sampled_from(targets.SETUPS))
    def connect(self, setup: Setup) -> None:
        self.world = Interleaving(setup)

    # -- the client's caller and peer ------------------------------------------------------

    @rule(
        include=st.sampled_from(targets.INCLUDES),
        goal_dimensions=st.sampled_from(targets.GOALS),
        now=NOW,
    )
    def send_config(self, include: Any, goal_dimensions: Any, now: Any) -> None:
        self.world.client_config(include, goal_dimensions, now)

    @rule(data=st.sampled_from(targets.SEGMENTS), now=NOW)
    def send_segment(self, data: Any, now: Any) -> None:
        self.world.client_segment(data, now)

    @rule(now=NOW)
    def send_close(self, now: Any) -> None:
        self.world.client_close(now)

    @rule(now=NOW)
    def deliver_to_client(self, now: Any) -> None:
        self.world.deliver_to_client(now)

    @rule(frame=st.sampled_from(targets.HOSTILE_FRAMES), now=NOW)
    def hostile_frame(self, frame: Any, now: Any) -> None:
        self.world.hostile_to_client(frame, now)

    @rule(code=st.sampled_from(targets.CLOSE_CODES))
    def client_connection_lost(self, code: Any) -> None:
        self.world.client_lost(code)

    @rule(now=NOW)
    def client_reads(self, now: Any) -> None:
        self.world.client_reads(now)

    # -- the server's caller and peer ------------------------------------------------------

    @rule(timestamp=STAMP, now=NOW)
    def start(self, timestamp: Any, now: Any) -> None:
        self.world.server_start(timestamp, now)

    @rule(choice=st.sampled_from(targets.SEND_CHOICES), timestamp=STAMP, now=NOW)
    def send(self, choice: tuple[Any, Any], timestamp: Any, now: Any) -> None:
        self.world.server_send(*choice, timestamp, now)

    @rule(
        code=st.sampled_from(targets.FAIL_CODES),
        segment=st.sampled_from(targets.FAIL_SEGMENTS),
        timestamp=STAMP,
        now=NOW,
    )
    def fail(self, code: Any, segment: Any, timestamp: Any, now: Any) -> None:
        self.world.server_fail(code, segment, timestamp, now)

    @rule(
        at=st.sampled_from(targets.FINISH_ATS),
        reason=st.sampled_from(targets.FINISH_REASONS),
        timestamp=STAMP,
        now=NOW,
    )
    def finish(self, at: Any, reason: Any, timestamp: Any, now: Any) -> None:
        self.world.server_finish(at, reason, timestamp, now)

    @rule(now=NOW, timestamp=STAMP)
    def check_deadlines(self, now: Any, timestamp: Any) -> None:
        self.world.server_check_deadlines(now, timestamp)

    @rule(timestamp=STAMP, now=NOW)
    def deliver_to_server(self, timestamp: Any, now: Any) -> None:
        self.world.deliver_to_server(timestamp, now)

    @rule(data=st.sampled_from(targets.SERVER_TEXTS), timestamp=STAMP, now=NOW)
    def junk_text(self, data: Any, timestamp: Any, now: Any) -> None:
        self.world.junk_to_server(False, data, timestamp, now)

    @rule(data=st.sampled_from(targets.SEGMENTS), timestamp=STAMP, now=NOW)
    def junk_segment(self, data: Any, timestamp: Any, now: Any) -> None:
        self.world.junk_to_server(True, data, timestamp, now)

    @rule(code=st.sampled_from(targets.CLOSE_CODES))
    def server_connection_lost(self, code: Any) -> None:
        self.world.server_lost(code)

    @rule(seconds=st.sampled_from(targets.ADVANCES))
    def advance(self, seconds: float) -> None:
        self.world.advance(seconds)

    @invariant()
    def every_refusal_was_atomic_and_documented(self) -> None:
        world = getattr(self, "world", None)
        if world is not None and world.findings:
            raise AssertionError("\n".join(finding.report() for finding in world.findings))


Interleavings.TestCase.settings = settings(
    max_examples=600,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestInterleavings = Interleavings.TestCase


def test_a_small_budget_of_random_interleavings() -> None:
    """The `nox -s fuzz` loop, seeded, with a budget for every run of the suite."""
    rng = random.Random(20261124)
    steps = 0
    reached: set[str] = set()
    while steps < 100_000:
        world = targets.random_interleaving(rng)
        for _ in range(rng.randint(1, 120)):
            targets.random_step(world, rng)
            steps += 1
        assert not world.findings, world.findings[0].report()
        reached |= {call for (call, outcome) in world.outcomes if outcome == "reached"}
    # The loop gets everywhere: both roles in every state.
    assert reached == {
        f"{role} in {state.value}" for role in ("client", "server") for state in ih.SessionState
    }


# -- engine bugs this machine found, fixed (each reproducer failed before the fix) ---------


def refused_atomically(connection: Any, call: Callable[[], Any]) -> None:
    """call() either succeeds, or raises a documented refusal that changed nothing."""
    before = observed(connection)
    try:
        call()
    except (ih.LocalProtocolError, TypeError, ValueError) as error:
        assert str(error)
        assert observed(connection) == before, f"{type(error).__name__} after a change: {error}"


def streaming_server(**options: Any) -> ih.ServerConnection:
    server = ih.ServerConnection(ready_data(), uuid.UUID(int=7), **options)
    server.start(timestamp=EPOCH)
    return server


CLOSE = '{"type":"session.close"}'


@pytest.mark.parametrize(
    "frame",
    ['{"include": ["conversation_quality_overall"]}', '{"include": ["x"]}', CLOSE, WEBM_HEAD * 100],
    ids=["config-answered", "config-refused", "close", "oversized-segment"],
)
def test_a_server_answer_with_a_bad_timestamp_changes_nothing(frame: Any) -> None:
    server = streaming_server()
    receive = server.receive_segment if isinstance(frame, bytes) else server.receive_text
    naive = datetime(2026, 5, 20, 14, 0)
    refused_atomically(server, lambda: receive(frame, timestamp=naive))


@pytest.mark.parametrize("drain", [-1.0, math.nan])
@pytest.mark.parametrize("close_before_ready", [False, True])
def test_a_bad_max_drain_seconds_changes_nothing(drain: float, close_before_ready: bool) -> None:
    # It used to be taken, and session.closing built from it failed after the close (or
    # session.ready) was applied; now it is refused where it is given.
    with pytest.raises(ValueError, match="max_drain_seconds"):
        ih.ServerConnection(ready_data(), uuid.UUID(int=7), max_drain_seconds=drain)
    server = ih.ServerConnection(ready_data(), uuid.UUID(int=7), max_drain_seconds=0.0)
    if close_before_ready:
        server.receive_text(CLOSE, timestamp=EPOCH)
        frames = server.start(timestamp=EPOCH)
    else:
        server.start(timestamp=EPOCH)
        frames = server.receive_text(CLOSE, timestamp=EPOCH).replies
    assert isinstance(ih.decode_server_message(frames[-1]), ih.messages.SessionClosing)


@pytest.mark.parametrize(
    "include", [["\ud800"], [targets.Unencodable()]], ids=["surrogate", "object"]
)
def test_an_audit_client_config_that_cannot_be_encoded_changes_nothing(include: Any) -> None:
    client = ih.ClientConnection(audit=True)
    refused_atomically(client, lambda: client.send_config(include=include))


def test_answers_stay_with_their_config_when_ready_is_sent_without_start() -> None:
    server = ih.ServerConnection(ready_data(), uuid.UUID(int=7))
    server.receive_text('{"include": ["conversation_quality_overall"]}', timestamp=EPOCH)
    server.send("session.ready", ready_data(), timestamp=EPOCH)
    # The waiting config is answered first, then the new one: answers pair with configs in
    # order (an ih6001 used to remove the waiting config instead of the one it answered).
    taken = server.receive_text('{"include": ["transcript"]}', timestamp=EPOCH)
    answers = [ih.decode_server_message(frame) for frame in taken.replies]
    assert [type(a).__name__ for a in answers] == ["SessionUpdated", "ErrorMessage"]
    assert answers[0].data.include == ["conversation_quality_overall"]  # type: ignore[union-attr]
    assert server.pending_configs == ()
    refused_atomically(server, lambda: server.receive_text("{}", timestamp=EPOCH))
    assert server.violations == ()
