"""The sans-IO core: both roles, strict and lenient modes, deadlines, server answers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from harness import ALL_FLAGS, EPOCH, WEBM_HEAD, Pair, ready_data

import interhuman_stream as ih

T = EPOCH


def started(**client_options: Any) -> Pair:
    pair = Pair(**client_options)
    pair.start()
    pair.flush()
    return pair


def envelope(kind: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "type": kind,
            "timestamp": "2026-05-20T14:00:00Z",
            "correlation_id": str(uuid.UUID(int=7)),
            "data": data,
        }
    )


READY_FRAME = envelope(
    "session.ready",
    {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 4096,
        "supported_session_config_options": {"include": ALL_FLAGS},
    },
)
DETECTED = envelope(
    "signal.detected", {"signal_type": "interest", "start": 3, "probability": "high"}
)


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


def test_server_answers_an_undecodable_config_with_ih6001() -> None:
    pair = started()
    taken = pair.server.receive_text(b'{"include": [7]}', timestamp=T)
    assert taken.message is None
    (reply,) = taken.replies
    error = ih.decode_server_message(reply)
    assert isinstance(error, ih.messages.ErrorMessage)
    assert error.data.code == "ih6001" and error.data.segment is None


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


def test_handshake_bearer_and_subprotocol_forms() -> None:
    key = "ih_live_abcdef0123456789"
    bearer = ih.client_handshake(key, client_request_id="req-42")
    assert bearer.headers == (("Authorization", f"Bearer {key}"), ("X-Client-Request-Id", "req-42"))
    assert bearer.subprotocols == ()
    pair_form = ih.client_handshake(key, method="subprotocol")
    assert pair_form.subprotocols == ("access_token", key)
    bare = ih.client_handshake(key, method="subprotocol", subprotocol_form="bare")
    assert bare.subprotocols == (key,)

    read = ih.handshake.credential_from_request(dict(bearer.headers))
    assert read is not None and read.key == ih.ApiKey(key) and read.method == "bearer"
    read = ih.handshake.credential_from_request([], pair_form.subprotocols)
    assert read is not None and read.accept_subprotocol == "access_token" and read.form == "pair"
    read = ih.handshake.credential_from_request(
        [(b"sec-websocket-protocol", f"access_token, {key}".encode())]
    )
    assert read is not None and read.key.reveal() == key
    read = ih.handshake.credential_from_request({}, bare.subprotocols)
    assert read is not None and read.accept_subprotocol == key and read.form == "bare"
    assert ih.handshake.credential_from_request({}) is None
    assert ih.handshake.credential_from_request({"Authorization": "Basic abc"}) is None
    assert ih.handshake.credential_from_request({}, ["access_token"]) is None

    server = ih.ServerConnection(ready_data(), uuid.UUID(int=9))
    assert server.accept_handshake(dict(bearer.headers)) is not None
    headers = server.response_headers()
    assert ih.handshake.correlation_id_from_headers(headers) == str(uuid.UUID(int=9))
    assert ih.handshake.correlation_id_from_headers({"x-correlation-id": " abc "}) == "abc"


@pytest.mark.parametrize("bad", ["", "two words", "line\nbreak", "a,b"])
def test_unusable_keys_are_refused_without_showing_them(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        ih.ApiKey(bad)
    if bad:
        assert bad not in str(caught.value)


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


@pytest.mark.parametrize("data", ["text", [1, 2], 42, None])
def test_a_segment_must_be_binary(data: object) -> None:
    pair = started()
    with pytest.raises(TypeError, match="binary"):
        pair.client.send_segment(data)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary"):
        pair.server.receive_segment(data, timestamp=T)  # type: ignore[arg-type]
    assert pair.client.segments_sent == () and pair.server.segments_sent == ()


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


def test_an_expired_deadline_is_reported_once() -> None:
    pair = Pair(ready=ready_data(session_idle_timeout_seconds=1, session_max_duration_seconds=2))
    pair.start()
    pair.flush()
    assert len(pair.server.check_deadlines(1.5, timestamp=T)) == 1
    assert pair.server.check_deadlines(2.5, timestamp=T) == ()


def test_the_server_does_not_answer_a_too_small_segment_with_too_large() -> None:
    server = ih.ServerConnection(ready_data(min_segment_size_bytes=10), uuid.UUID(int=3))
    server.start(timestamp=T)
    taken = server.receive_segment(b"tiny", timestamp=T)
    assert taken.replies == ()
    assert [v.rule for v in server.violations] == ["segment-size"]
    assert server.segments_sent[0].size == 4  # counted all the same (D8)
    assert server.violations[0].received == server.segments_sent[0]


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


def test_a_message_refused_after_connection_lost_is_not_lost() -> None:
    client = ih.ClientConnection()
    client.connection_lost(1006)
    with pytest.raises(ih.LocalProtocolError) as caught:
        client.receive_message(DETECTED)
    assert isinstance(caught.value.received, ih.messages.SignalDetected)


def test_headers_may_be_a_one_shot_iterator() -> None:
    pairs = iter([("Host", "x"), ("Sec-WebSocket-Protocol", "access_token, k1")])
    credential = ih.handshake.credential_from_request(pairs)
    assert credential is not None and credential.key.reveal() == "k1"


def test_a_bad_request_id_is_refused_before_the_key_is_read() -> None:
    with pytest.raises(ValueError, match="client_request_id"):
        ih.client_handshake("ih_live_key", client_request_id="two\nlines")
    with pytest.raises(ValueError, match="unknown method"):
        ih.client_handshake("ih_live_key", method="cookie")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"G" + bytes(100), None),  # under two packets: not a transport stream
        ((b"G" + bytes(187)) * 3, "mpeg-ts"),
        ((bytes(4) + b"G" + bytes(187)) * 3, "mpeg-2-ts"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x08mdat", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86", "mkv"),
        (b"", None),
    ],
)
def test_container_sniffing(data: bytes, found: str | None) -> None:
    container = ih.segments.sniff_container(data)
    assert (container.name if container else None) == found


def test_the_core_does_no_io_and_reads_no_clock() -> None:
    import ast
    from pathlib import Path

    forbidden = {"asyncio", "socket", "threading", "time", "select", "selectors", "websockets",
                 "wsproto", "trio", "subprocess", "multiprocessing"}  # fmt: skip
    package = Path(ih.__file__).parent
    modules = sorted(package.glob("_*.py"))
    assert len(modules) > 10, modules
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.partition(".")[0] not in forbidden, (path.name, name)
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "monotonic"}:
                assert not (
                    isinstance(node.value, ast.Name) and node.value.id in {"datetime", "time"}
                )
