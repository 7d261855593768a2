"""`nox -s demo`: the mock server on a free loopback port, the sample video streamed through the
asyncio client, one readable line per event as it arrives, and a summary."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import interhuman_stream as ih

from . import media
from .asyncio_client import AsyncStreamSession
from .mock_server import MockConfig, MockServer


def describe(message: ih.ServerMessage | ih.UnknownMessage) -> str:
    """One line a person can read."""
    match message:
        case ih.messages.SessionReady(data=data):
            return (
                f"session ready: idle timeout {data.session_idle_timeout_seconds:g} s, "
                f"max {data.session_max_duration_seconds:g} s, segments up to "
                f"{data.max_segment_size_bytes:,} bytes"
            )
        case ih.messages.SessionUpdated(data=data):
            return f"config acknowledged: include {', '.join(data.include or ()) or 'nothing'}"
        case ih.messages.SignalDetected(data=data):
            likelihood, why = data.probability or "?", data.rationale or ""
            return f"{data.signal_type} detected at {data.start:g} s ({likelihood}): {why}"
        case ih.messages.SignalUpdated(data=data):
            return f"{data.signal_type} now {data.probability or '?'}: {data.rationale or ''}"
        case ih.messages.SignalEnded(data=data):
            return f"{data.signal_type} ended at {data.end:g} s"
        case ih.messages.EngagementUpdated(data=data):
            return f"engagement {data.state} from {data.start:g} s"
        case ih.messages.ConversationQualityUpdated(data=data):
            parts = []
            if data.overall:
                parts.append(f"overall {data.overall.quality_index:.0f}")
            if data.timeline:
                period = data.timeline[0]
                parts.append(f"{period.start:g}-{period.end:g} s {period.values.quality_index:.0f}")
            return "conversation quality: " + ", ".join(parts)
        case ih.messages.ErrorMessage(data=data):
            return f"error {data.code} (segment {data.segment}): {data.message}"
        case ih.messages.SessionClosing(data=data):
            return f"closing: draining for at most {data.max_drain_seconds:g} s"
        case ih.messages.SessionEnded(data=data):
            return f"session ended: {data.reason}"
        case ih.UnknownMessage(type=kind):
            return f"(a message type this version does not know: {kind})"
        case _:
            return type(message).__name__


async def run(url: str, api_key: str, chunks: list[bytes]) -> AsyncStreamSession:
    session = AsyncStreamSession(
        url,
        api_key,
        chunks,
        include=["conversation_quality_overall", "conversation_quality_timeline"],
        pace_seconds=0.05,
    )
    started = time.monotonic()
    counts: Counter[str] = Counter()
    fold = ih.SummaryFold()
    async for message in session:
        counts[type(message).__name__] += 1
        fold.add(message)
        print(f"{time.monotonic() - started:7.3f}s  {describe(message)}")
    fold.connection_lost()
    connection = session.connection
    print("\nsummary")
    print(f"  correlation id   {session.correlation_id}")
    sent = connection.segments_sent
    print(f"  segments sent    {len(sent)} ({sum(s.size for s in sent):,} bytes)")
    print(
        f"  events           {sum(counts.values())}: "
        + ", ".join(f"{n} {k}" for k, n in counts.most_common())
    )
    print(f"  violations       {len(connection.violations)}")
    print(f"  closed with      {connection.close_code}")
    print_summary(fold.summary())
    return session


def print_summary(summary: ih.SessionSummary) -> None:
    """The session in the upload API's shape (ih.encode_summary gives it as JSON)."""
    state = "complete" if summary.complete else "partial" if summary.partial else "live"
    print(f"\nsession summary ({state}, up to {summary.last_time:g} s)")
    for signal in summary.signals:
        flag = " (unended)" if signal.unended else ""
        print(
            f"  {signal.type:12} {signal.start:6.2f}-{signal.end:6.2f} s  "
            f"{signal.probability or '?':6} {len(signal.history)} reading(s){flag}"
        )
    for interval in summary.engagement_state:
        print(f"  engagement   {interval.start:6.2f}-{interval.end:6.2f} s  {interval.state}")
    quality = summary.conversation_quality
    if quality and quality.overall:
        overall, periods = quality.overall.quality_index, len(quality.timeline)
        print(f"  quality      overall {overall:.0f}, {periods} period(s)")


def main() -> None:
    print("making a 15 s WebM sample (PyAV) and cutting it like a browser recorder ...")
    chunks = media.recorder_chunks("webm", 15.0)
    print(f"{len(chunks)} chunks: {', '.join(f'{len(c):,}' for c in chunks)} bytes\n")
    mock = MockServer(MockConfig(api_key="demo-key"))
    with mock.running() as url:
        print(f"mock server at {url}\n")
        asyncio.run(run(url, "demo-key", chunks))


if __name__ == "__main__":
    main()
