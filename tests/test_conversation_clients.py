"""Conversations end to end on loopback (issue 15): both installable clients stream media
several times longer than the mock's maximum session into one continuous summary, through
planned rollovers, an injected drop, refusals and a fatal refusal; a live source rolls over
on the wall clock before the server's maximum."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import WEBM_HEAD

import interhuman_stream as ih
from interhuman_stream.clients import aio, media, sync
from interhuman_stream.testing import MockConfig, MockServer
from transports.media import encode

CLIENTS = ("aio", "sync")


@pytest.fixture(scope="module")
def long_talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minute of video, a cluster a second: six times the mock's 10-second maximum."""
    path = tmp_path_factory.mktemp("media") / "minute.webm"
    path.write_bytes(encode("webm", 60.0, {"cluster_time_limit": "1000"}))
    return path


@pytest.fixture(scope="module")
def short_talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "short.webm"
    path.write_bytes(encode("webm", 6.0, {"cluster_time_limit": "1000"}))
    return path


def conversation(**options: Any) -> ih.Conversation:
    settings: dict[str, Any] = {
        "rng": random.Random(0),
        "rollover_margin_seconds": 1.0,
        "backoff_base_seconds": 0.05,
        "backoff_cap_seconds": 0.2,
    }
    settings.update(options)
    return ih.Conversation(**settings)


def run(client: str, url: str, key: str, source: Any, **options: Any) -> ih.SessionSummary:
    if client == "aio":
        return asyncio.run(aio.stream_conversation(url, key, source, **options))
    return sync.stream_conversation(url, key, source, **options)


def failure(client: str) -> type[Exception]:
    return aio.ConversationFailed if client == "aio" else sync.ConversationFailed


@pytest.mark.parametrize("client", CLIENTS)
def test_a_recording_longer_than_six_sessions_becomes_one_continuous_summary(
    client: str, long_talk: Path
) -> None:
    source = media.FileSource(long_talk)
    mock = MockServer.drop_after(2, connections=[2], max_duration_seconds=10)
    conv = conversation()
    with mock.running() as url:
        summary = run(client, url, mock.api_key, source, conversation=conv)
    records = conv.sessions
    # Every session held at most 9 s of media (10 s less the margin), so there are at least
    # seven, all but the dropped one complete; each began at the media the one before
    # stopped at.
    assert len(records) >= 7
    assert [r.graceful for r in records].count(False) == 1
    assert records[0].media_offset == 0.0
    offsets = [r.media_offset for r in records]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert all(r.summary.complete for r in records if r.graceful)
    dropped = next(r for r in records if not r.graceful)
    assert dropped.index == 2 and dropped.end_reason == "connection lost (1006)"
    retries = [d for d in conv.decisions if d.reason.startswith("retry")]
    assert len(retries) == 1
    # One summary, complete, covering the whole minute on one timeline.
    assert summary.complete and not summary.partial
    # (The mock times each segment as 3 s, whatever it holds: the file's last chunk is
    # 0.03 s long, so the mock's timeline may run up to a segment past the file's.)
    assert source.duration <= summary.last_time <= source.duration + 3.0
    assert summary.errors == []
    # Every seam is listed where the next session began; the drop is the only one not
    # joined gracefully, and what it lost is a gap from the last report to the restart.
    assert [g.end for g in summary.coverage] == offsets[1:]
    reasons = [g.reason for g in summary.coverage]
    assert reasons.count("drop") == 1 and reasons.count("seam") == len(records) - 2
    drop = summary.coverage[reasons.index("drop")]
    assert drop.end == records[3].media_offset and drop.start <= drop.end
    assert all(g.start == g.end for g in summary.coverage if g.reason == "seam")
    # Times never go back: engagement intervals follow each other, touching across every
    # graceful seam and leaving only the drop's gap open.
    engagement = summary.engagement_state
    for first, second in itertools.pairwise(engagement):
        assert first.start <= first.end <= second.start
        if first.end < second.start:
            assert (first.end, second.start) == (drop.start, drop.end)
    assert engagement[0].start == 0.0 and engagement[-1].end == summary.last_time
    for interval in summary.signals:
        assert 0.0 <= interval.start <= interval.end <= summary.last_time
    # Each session's own summary is on its own timeline, from 0.
    assert all(r.summary.last_time <= 10.0 for r in records)


@pytest.mark.parametrize("client", CLIENTS)
def test_the_recorded_conversation_checks_and_stitches_the_same(
    client: str, short_talk: Path, tmp_path: Path
) -> None:
    recording = tmp_path / "conversation.jsonl"
    mock = MockServer.max_duration(4.0)
    with recording.open("wb") as out, mock.running() as url:
        conv = conversation(connection_options={"record": out.write})
        summary = run(client, url, mock.api_key, media.FileSource(short_talk), conversation=conv)
    assert len(conv.sessions) >= 2  # a 4-second maximum: a 3-second chunk a session
    out_text = _check(recording)
    head, _, body = out_text.partition("\n")
    assert head == f"{recording}: 0 problem(s), final state closed, {len(conv.sessions)} sessions"
    assert body.strip() == _summary_text(summary)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_refusal_burst_is_waited_out(client: str, short_talk: Path) -> None:
    mock = MockServer.refusal_burst(2)
    conv = conversation()
    with mock.running() as url:
        summary = run(client, url, mock.api_key, media.FileSource(short_talk), conversation=conv)
    assert summary.complete
    assert [r.ready_at is None for r in conv.sessions] == [True, True, False]
    assert [d.reason.split(": ", 1)[-1] for d in conv.decisions[:2]] == [
        "error ih1003 (retry_later)"
    ] * 2
    # The refusals are kept, with the session they came from; they take no place on the
    # timeline.
    assert [(e.code, e.session) for e in summary.errors] == [("ih1003", 0), ("ih1003", 1)]
    assert summary.coverage == []


@pytest.mark.parametrize("client", CLIENTS)
def test_refusals_beyond_the_retry_budget_stop_the_conversation(
    client: str, short_talk: Path
) -> None:
    mock = MockServer.refuse()
    conv = conversation(retry_budget=2)
    with mock.running() as url, pytest.raises(failure(client)) as raised:
        run(client, url, mock.api_key, media.FileSource(short_talk), conversation=conv)
    error: Any = raised.value
    assert error.reason == "retry budget 2 spent; last: error ih1003 (retry_later)"
    assert len(conv.sessions) == 3 and not error.summary.complete
    assert error.conversation is conv


@pytest.mark.parametrize("client", CLIENTS)
def test_a_key_that_is_refused_stops_at_once(client: str, short_talk: Path) -> None:
    mock = MockServer()
    conv = conversation()
    with mock.running() as url, pytest.raises(failure(client)) as raised:
        run(client, url, "not-the-key", media.FileSource(short_talk), conversation=conv)
    error: Any = raised.value
    assert error.reason == "handshake refused with HTTP 401"
    assert len(conv.sessions) == 1
    rejected = aio.HandshakeRejected if client == "aio" else sync.HandshakeRejected
    assert isinstance(error.__cause__, rejected)
    assert "not-the-key" not in str(error) and "not-the-key" not in repr(error.__cause__)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_live_source_rolls_over_on_the_clock_before_the_servers_maximum(client: str) -> None:
    # The mock ends a session 1.5 s after it began (ih6004); the conversation rolls over
    # 0.5 s before, on the wall clock alone, and a new recording starts each time.
    config = MockConfig(max_duration_seconds=1.5, segment_seconds=0.1)
    mock = MockServer(config)
    recordings: list[float] = []
    stopped: list[float] = []
    stop_at = time.monotonic() + 3.2

    def frames() -> Iterator[bytes]:
        recordings.append(time.monotonic())
        try:
            for index in itertools.count():
                if time.monotonic() >= stop_at:
                    return
                yield (WEBM_HEAD if index == 0 else b"") + bytes(100)
                time.sleep(0.1)
        finally:
            stopped.append(time.monotonic())

    async def async_frames() -> AsyncIterator[bytes]:
        recordings.append(time.monotonic())
        try:
            for index in itertools.count():
                if time.monotonic() >= stop_at:
                    return
                yield (WEBM_HEAD if index == 0 else b"") + bytes(100)
                await asyncio.sleep(0.1)
        finally:
            stopped.append(time.monotonic())

    source = media.LiveSource(async_frames if client == "aio" else frames, chunk_seconds=0.1)
    conv = conversation(rollover_margin_seconds=0.5, count_media_time=False)
    with mock.running() as url:
        summary = run(client, url, mock.api_key, source, conversation=conv)
    records = conv.sessions
    assert len(records) >= 3 and len(recordings) == len(records)
    # Each recording stopped at its seam, before the next one started.
    assert len(stopped) == len(recordings)
    assert all(a <= b for a, b in zip(stopped, recordings[1:], strict=False))
    assert all(r.end_reason == "planned rollover" for r in records[:-1])
    assert all(r.ended_at is not None and r.ready_at is not None for r in records)
    assert all(r.ended_at - r.ready_at < 1.5 for r in records)  # type: ignore[operator]
    assert summary.complete and summary.errors == []  # no ih6004: never reached
    # The live offsets are the conversation's clock: what was recorded while a session
    # drained and the next connected is a gap at each seam.
    offsets = [r.media_offset for r in records]
    assert offsets[0] < 0.1 and offsets == sorted(offsets)
    assert [g.end for g in summary.coverage] == offsets[1:]


def test_a_source_without_media_is_a_value_error(tmp_path: Path) -> None:
    source = media.LiveSource(lambda: iter(()))
    with MockServer().running() as url, pytest.raises(ValueError, match="no media"):
        sync.stream_conversation(url, "test-key", source)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_client_drives_only_a_new_connection_of_yours(client: str) -> None:
    module: Any = aio if client == "aio" else sync
    url = "ws://127.0.0.1:9/v1/stream/analyze"
    fresh = ih.ClientConnection(fold=ih.SummaryFold())
    assert module.StreamClient(url, "k", connection=fresh).fold is fresh.fold
    with pytest.raises(ValueError, match="fold belong to that connection"):
        module.StreamClient(url, "k", connection=fresh, fold=ih.SummaryFold())
    with pytest.raises(ValueError, match="needs a SummaryFold attached"):
        module.StreamClient(url, "k", connection=ih.ClientConnection())
    used = ih.ClientConnection(fold=ih.SummaryFold())
    used.connection_lost(1006)
    with pytest.raises(ValueError, match="not one in state 'closed'"):
        module.StreamClient(url, "k", connection=used)


def _check(recording: Path) -> str:
    import io

    from interhuman_stream.__main__ import check

    out = io.StringIO()
    assert check(recording, out, summary=True) == 0, out.getvalue()
    return out.getvalue()


def _summary_text(summary: ih.SessionSummary) -> str:
    import msgspec

    return msgspec.json.format(ih.encode_summary(summary), indent=2).decode().strip()


@pytest.mark.parametrize("client", CLIENTS)
def test_the_servers_own_maximum_opens_the_next_session_at_once(client: str) -> None:
    # The mock ends each session 0.6 s after it began with ih6004 and close 1008, while
    # session.ready announces an hour: the conversation goes on at once, spending no retry,
    # and the ending's error is kept with its session. The first two recordings run until
    # their session ends; the third has two chunks, so its session ends gracefully, long
    # before the mock's limit.
    recordings = itertools.count()

    def frames() -> Iterator[bytes]:
        last = next(recordings) == 2
        for index in itertools.count():
            if last and index == 2:
                return
            yield (WEBM_HEAD if index == 0 else b"") + bytes(100)
            time.sleep(0.05)

    mock = MockServer.ends_early(0.6, segment_seconds=0.05)
    conv = conversation(retry_budget=0)  # any retry would stop it
    with mock.running() as url:
        summary = run(
            client,
            url,
            mock.api_key,
            media.LiveSource(frames, chunk_seconds=0.05),
            conversation=conv,
        )
    records = conv.sessions
    assert len(records) == 3
    assert all(
        r.end_reason == "error ih6004 (the session reached its maximum)" for r in records[:-1]
    )
    assert conv.retries == 0 and summary.complete
    assert {e.code for e in summary.errors} == {"ih6004"}
    assert [e.session for e in summary.errors] == list(range(len(records) - 1))


@pytest.mark.parametrize("client", CLIENTS)
def test_a_chunk_the_session_refuses_leaves_no_session_live(client: str, tmp_path: Path) -> None:
    # 100 KiB of media against a 1 KiB segment limit: LocalProtocolError, nothing sent, and
    # the Conversation is told the session is over.
    class Big:
        live = False

        def restart(self, at: float) -> media.MediaStream:
            return media.MediaStream(at, [media.Chunk(WEBM_HEAD + bytes(100_000), at, at + 3)])

    mock = MockServer.oversized_segment(1024)
    conv = conversation()
    with mock.running() as url, pytest.raises(ih.LocalProtocolError, match="1,024"):
        run(client, url, mock.api_key, Big(), conversation=conv)
    assert conv.connection is None and conv.sessions[0].ended_at is not None


def test_a_blocking_live_source_does_not_stall_the_event_loop() -> None:
    # A recorder whose chunks come from blocking reads, streamed by the asyncio client: the
    # reads run in a worker thread, so the loop goes on meanwhile.
    stop_at = time.monotonic() + 1.0
    ticks: list[float] = []

    def frames() -> Iterator[bytes]:
        for index in itertools.count():
            if time.monotonic() >= stop_at:
                return
            time.sleep(0.2)  # a blocking read
            yield (WEBM_HEAD if index == 0 else b"") + bytes(100)

    async def main(url: str, key: str) -> ih.SessionSummary:
        async def tick() -> None:
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        ticker = asyncio.get_running_loop().create_task(tick())
        try:
            source = media.LiveSource(frames, chunk_seconds=0.2)
            return await aio.stream_conversation(url, key, source, conversation=conversation())
        finally:
            ticker.cancel()

    mock = MockServer()
    with mock.running() as url:
        summary = asyncio.run(main(url, mock.api_key))
    assert summary.complete
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.15  # never blocked 0.2 s
