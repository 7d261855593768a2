"""interhuman_stream.testing: the mock server's scenarios, the replay server and the pytest
plugin, over real sockets on 127.0.0.1 (every wait bounded)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from harness import WEBM_HEAD
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import interhuman_stream as ih
from conftest import TRANSCRIPTS
from interhuman_stream.testing import MockServer, RecordingError, ReplayServer
from transports.asyncio_client import AsyncStreamSession

pytest_plugins = ["pytester"]

KEY = "test-key"
# The opening bytes of a WebM stream (an EBML header), then continuation clusters.
FIRST = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d") + bytes(200)
CLUSTER = bytes.fromhex("1f43b675") + bytes(100)
GRACEFUL = TRANSCRIPTS / "whole-session--graceful-close.jsonl"
# Installed with the package, pytest loads the plugin in every project; without the entry
# point a project enables it in its conftest.py.
REGISTERED = any(
    ep.value == "interhuman_stream.testing.plugin" for ep in entry_points(group="pytest11")
)
ENABLE = "" if REGISTERED else 'pytest_plugins = ["interhuman_stream.testing.plugin"]\n'


def chunks(n: int) -> list[bytes]:
    return [FIRST] + [CLUSTER] * (n - 1)


def run(session: AsyncStreamSession, timeout: float = 10) -> list[Any]:
    async def collect() -> list[Any]:
        return [message async for message in session]

    async def bounded() -> list[Any]:
        return await asyncio.wait_for(collect(), timeout)

    return asyncio.run(bounded())


def kinds(messages: list[Any]) -> list[str]:
    """Each message's envelope type."""
    return [
        m.type if isinstance(m, ih.UnknownMessage) else m.__struct_config__.tag for m in messages
    ]


def errors(messages: list[Any]) -> list[str]:
    return [m.data.code for m in messages if isinstance(m, ih.messages.ErrorMessage)]


# -- the mock and its scenarios --------------------------------------------------------------


def test_a_whole_session_keeps_only_sizes_and_counts() -> None:
    mock = MockServer()
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(4), include=["conversation_quality_overall"])
        messages = run(session)
    assert kinds(messages)[0] == "session.ready" and kinds(messages)[-1] == "session.ended"
    assert session.connection.violations == () and session.connection.close_code == 1000
    record = mock.sessions[0]
    assert record.finished.wait(5)
    assert record.segment_sizes == [len(c) for c in chunks(4)]
    assert record.text_frames_received == 2 and record.bytes_received == sum(map(len, chunks(4)))
    assert record.ended_by == "session.ended" and record.close_code == 1000
    assert not any(isinstance(value, bytes) for value in vars(record).values())


def test_idle_timeout() -> None:
    mock = MockServer.idle_timeout(0.3)
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(3), pace_seconds=1.0)
        messages = run(session)
    assert errors(messages) == ["ih6003"]
    assert session.connection.close_code == 1008
    assert mock.sessions[0].ended_by == "ih6003"


def test_maximum_duration() -> None:
    mock = MockServer.max_duration(0.6)
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(20), pace_seconds=0.1)
        messages = run(session)
    assert errors(messages) == ["ih6004"]
    assert session.connection.close_code == 1008
    assert len(mock.sessions[0].segment_sizes) < 20


def test_an_abrupt_drop_after_n_segments() -> None:
    mock = MockServer.drop_after(2)
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(6), pace_seconds=0.05)
        messages = run(session)
    assert "session.ended" not in kinds(messages)
    assert session.connection.close_code == 1006  # no close frame
    assert mock.sessions[0].ended_by == "dropped"
    assert len(mock.sessions[0].segment_sizes) == 2


def test_an_oversized_segment_gets_ih6002() -> None:
    mock = MockServer.oversized_segment(max_bytes=1024)
    frames = [FIRST, bytes.fromhex("1f43b675") + bytes(4000), CLUSTER]
    client = ih.ClientConnection(check_segment_sizes=False, sniff_containers=False)
    with mock.running() as url:
        messages = run(AsyncStreamSession(url, KEY, frames, connection=client))
    found = [
        (m.data.code, m.data.segment) for m in messages if isinstance(m, ih.messages.ErrorMessage)
    ]
    assert found == [("ih6002", 1)]
    assert kinds(messages)[-1] == "session.ended" and client.close_code == 1000


def test_an_unknown_envelope_type_mid_stream() -> None:
    mock = MockServer.unknown_message(after_segments=1, message_type="x-test.novel")
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(3), pace_seconds=0.05)
        messages = run(session)
    unknown = [m for m in messages if isinstance(m, ih.UnknownMessage)]
    assert len(unknown) == 1
    assert kinds(messages)[-1] == "session.ended" and session.connection.close_code == 1000


def test_a_slow_drain() -> None:
    mock = MockServer.slow_drain(0.6)
    arrived: dict[str, float] = {}
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(2))

        async def collect() -> None:
            async for message in session:
                arrived.setdefault(kinds([message])[0], time.monotonic())

        asyncio.run(asyncio.wait_for(collect(), 10))
    assert arrived["session.ended"] - arrived["session.closing"] >= 0.5
    assert session.connection.close_code == 1000


def test_a_refusal_before_session_ready() -> None:
    mock = MockServer.refuse()  # ih1003, then 1013
    with mock.running() as url:
        session = AsyncStreamSession(url, KEY, chunks(2))
        messages = run(session)
    assert kinds(messages) == ["error"] and errors(messages) == ["ih1003"]
    assert session.connection.close_code == 1013


def test_a_refusal_burst_then_service() -> None:
    # Two refusals, then a served session: what a Conversation's retries meet (D42). The
    # observed endings go to a Conversation, which retries twice and then streams.
    mock = MockServer.refusal_burst(2)
    conversation = ih.Conversation(rng=lambda: 0.0)
    seen = []
    with mock.running() as url:
        for attempt in range(3):
            conversation.start_session(now=float(attempt), media_offset=0.0)
            session = AsyncStreamSession(url, KEY, chunks(2))
            messages = run(session)
            seen.append((errors(messages), session.connection.close_code))
            if attempt < 2:
                action = conversation.session_ended(
                    float(attempt),
                    close_code=session.connection.close_code,
                    error=errors(messages)[0],
                )
                assert action.kind == "reconnect_at", action
    assert seen == [(["ih1003"], 1013), (["ih1003"], 1013), ([], 1000)]
    assert kinds(messages)[0] == "session.ready" and kinds(messages)[-1] == "session.ended"
    assert all(record.finished.wait(5) for record in mock.sessions)
    assert [record.ended_by for record in mock.sessions] == ["refused", "refused", "session.ended"]
    assert conversation.retries == 2


def test_refusal_burst_count_is_checked() -> None:
    with pytest.raises(ValueError, match="count is a whole number >= 0, not -1"):
        MockServer.refusal_burst(-1)


def test_deadlines_hold_for_a_client_that_does_not_read() -> None:
    # The client floods segments and never reads: the mock's writes stall, yet its own
    # timer ends the session within the maximum duration plus the write timeout.
    mock = MockServer.max_duration(0.5, write_timeout_seconds=0.5)

    async def flood(url: str) -> None:
        handshake = ih.client_handshake(KEY)
        async with connect(
            url, additional_headers=list(handshake.headers), max_queue=1, ping_interval=None
        ) as websocket:
            with pytest.raises(ConnectionClosed):
                await websocket.send(FIRST)
                while True:
                    await websocket.send(bytes.fromhex("1f43b675") + bytes(4096))

    with mock.running() as url:
        started = time.monotonic()
        asyncio.run(asyncio.wait_for(flood(url), 10))
        assert mock.sessions[0].finished.wait(5)
    assert time.monotonic() - started < 4
    assert mock.sessions[0].ended_by in {"ih6004", "write timeout"}


def _raw_upgrade(url: str, *headers: str) -> bytes:
    host, port = url.split("//")[1].split("/", maxsplit=1)[0].split(":")
    request = (
        f"GET {ih.handshake.ENDPOINT_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "".join(f"{h}\r\n" for h in headers)
        + "\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request.encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
            if b"\r\n\r\n" in response and response.startswith(b"HTTP/1.1 4"):
                head, _, body = response.partition(b"\r\n\r\n")
                length = next(
                    (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                     if line.lower().startswith(b"content-length")), 0)  # fmt: skip
                if len(body) >= length:
                    break
    return response


def test_no_key_reaches_the_logs_or_a_refusal(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="interhuman_stream.testing")
    mock = MockServer()
    with mock.running() as url:
        wrong = _raw_upgrade(url, "Authorization: Bearer unregistered-secret-1")
        bare = _raw_upgrade(url, "Sec-WebSocket-Protocol: unregistered-secret-2")
        # The right key, and a subprotocol header websockets cannot parse: its 400 and its
        # log line would quote the header.
        bad = _raw_upgrade(
            url, f"Authorization: Bearer {KEY}", "Sec-WebSocket-Protocol: x, secret@@three"
        )
    assert wrong.startswith(b"HTTP/1.1 401") and bare.startswith(b"HTTP/1.1 401")
    assert bad.startswith(b"HTTP/1.1 400") and b"secret@@three" not in bad
    assert caplog.records, "websockets logged nothing at DEBUG"
    text = caplog.text
    for secret in ("unregistered-secret-1", "unregistered-secret-2", "secret@@three", KEY):
        assert secret not in text
    assert mock.sessions == []


# -- replay ----------------------------------------------------------------------------------


def test_replay_plays_a_recorded_session_back() -> None:
    replay = ReplayServer(GRACEFUL)
    lines = [json.loads(line) for line in GRACEFUL.read_text().splitlines() if line.strip()]

    async def client(url: str) -> None:
        handshake = ih.client_handshake(KEY)
        async with connect(
            url, additional_headers=list(handshake.headers), ping_interval=None, max_size=None
        ) as websocket:
            headers = websocket.response.headers.raw_items()  # type: ignore[union-attr]
            assert ih.handshake.correlation_id_from_headers(headers) == replay.correlation_id
            for line in lines:
                if "send" in line:
                    await websocket.send(json.dumps(line["send"]))
                elif "segment" in line:
                    segment = line["segment"]
                    await websocket.send(
                        bytes.fromhex(segment["head"]).ljust(segment["size"], b"\0")
                    )
                elif "recv" in line:
                    assert json.loads(await websocket.recv()) == line["recv"]
                elif "lost" in line:
                    with pytest.raises(ConnectionClosed):
                        await websocket.recv()
                    assert websocket.close_code == line["lost"]

    with replay.running() as url:
        asyncio.run(asyncio.wait_for(client(url), 10))
    assert replay.sessions[0].client_frames == 8
    assert replay.sessions[0].sent == sum("recv" in line for line in lines)


def test_replay_serves_a_v2_recording_on_its_endpoint_and_model(tmp_path: Path) -> None:
    # A v2 session recorded by the sync client against the mock, then played back: the
    # replay serves v2's path with the recorded model, and the same client reads it again.
    from interhuman_stream.clients import sync
    from interhuman_stream.testing import MockConfig

    chunks = [WEBM_HEAD + bytes(2000), bytes(3000)]
    recording = tmp_path / "v2.jsonl"
    with MockServer(MockConfig(version="v2")).running() as url, recording.open("wb") as out:
        first = sync.stream(
            url + "?model=inter-2-audio", KEY, chunks, version="v2", record=out.write
        )
    replay = ReplayServer(recording)
    assert (replay.version, replay.model) == ("v2", "inter-2-audio")
    with replay.running() as url:
        assert url.endswith("/v2/stream/analyze?model=inter-2-audio")
        again = sync.stream(url, KEY, chunks, version="v2")
    assert again == first


def test_replay_puts_the_recorded_model_into_its_url_as_a_query(tmp_path: Path) -> None:
    from harness import envelope, ready_frame

    lines: list[bytes] = []
    client = ih.ClientConnection(version="v2", model="a&b=1", record=lines.append)
    client.receive_message(ready_frame(), now=0.0)
    client.send_close(now=1.0)
    client.receive_message(envelope("session.closing", {"max_drain_seconds": 5}), now=1.1)
    client.receive_message(envelope("session.ended", {"reason": "client_shutdown"}), now=1.2)
    client.connection_lost(1000)
    recording = tmp_path / "odd-model.jsonl"
    recording.write_bytes(b"".join(lines))
    with ReplayServer(recording).running() as url:
        assert url.endswith("/v2/stream/analyze?model=a%26b%3D1")


def test_replay_refuses_an_illegal_recording() -> None:
    with pytest.raises(RecordingError, match="ready-first") as refused:
        ReplayServer(TRANSCRIPTS / "ready-first--violation.jsonl")
    assert "problem(s)" in refused.value.report


# -- the pytest plugin, in a fresh project -----------------------------------------------------


def test_the_plugin_fixtures_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ENABLE)
    pytester.makepyfile(
        test_app=f"""
        import asyncio
        import websockets
        from websockets.asyncio.client import connect

        import interhuman_stream as ih
        from interhuman_stream.testing import MockConfig

        RECORDING = {str(GRACEFUL)!r}

        async def first(url, key, close=True):
            headers = list(ih.client_handshake(key).headers)
            async with connect(url, additional_headers=headers, ping_interval=None) as ws:
                frames = [await asyncio.wait_for(ws.recv(), 5)]
                if close and "session.ready" in frames[0]:
                    await ws.send(ih.encode_client_message(ih.messages.SessionClose()).decode())
                try:
                    async for frame in ws:
                        frames.append(frame)
                except websockets.ConnectionClosed:
                    pass
                decoded = [ih.decode_server_message(f) for f in frames]
                return [m.__struct_config__.tag for m in decoded], ws.close_code

        def test_mock(interhuman_mock):
            url, key, server = interhuman_mock
            types, code = asyncio.run(first(url, key))
            assert types == ["session.ready", "session.closing", "session.ended"] and code == 1000

        def test_config(interhuman_mock, interhuman_mock_config):
            assert interhuman_mock.server.config is interhuman_mock_config

        def test_factory(interhuman_mock_factory):
            url, key, server = interhuman_mock_factory("refuse", code="ih1003", close_code=1013)
            assert asyncio.run(first(url, key)) == (["error"], 1013)
            other = interhuman_mock_factory(MockConfig(api_key="other"))
            assert other.api_key == "other" and other.url != url

        def test_replay(interhuman_replay):
            url, key, server = interhuman_replay(RECORDING, follow_client=False)
            types, code = asyncio.run(first(url, key, close=False))
            assert types[0] == "session.ready" and types[-1] == "session.ended" and code == 1000
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=30)
    result.assert_outcomes(passed=4)


def test_the_plugin_imports_no_websockets_and_breaks_nothing_without_it(
    pytester: pytest.Pytester,
) -> None:
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, interhuman_stream.testing.plugin; print('websockets' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert loaded.stdout.strip() == "False"
    # A project without websockets: its own tests run, and a fixture says what to install.
    pytester.makeconftest(f"import sys\nsys.modules['websockets'] = None\n{ENABLE}")
    pytester.makepyfile(
        test_other="""
        def test_unrelated():
            assert True

        def test_uses_the_mock(interhuman_mock):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=30)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*interhuman-stream[[]testing[]]*"])
