"""`nox -s soak`: many concurrent sessions, many segments each, against the mock on loopback.

Bounded in count and in time. Reports sessions, segments, events and errors, and checks that
nothing was lost: every error that names a segment maps to one the session sent, and every
session that closed gracefully got its final signal.ended events before session.ended.
Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import interhuman_stream as ih

from . import media
from .asyncio_client import AsyncStreamSession
from .mock_server import MockConfig, MockServer

MAX_SEGMENT = 200_000


@dataclass
class Totals:
    sessions: int = 0
    graceful: int = 0
    segments: int = 0
    events: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    final_signal_ends: int = 0
    problems: list[str] = field(default_factory=list)


async def one_session(
    url: str, key: str, chunks: list[bytes], number: int, *, totals: Totals, mock: MockServer
) -> None:
    # Every fifth session sends an oversized segment (the client's own check is off), so the
    # server's ih6002 path is soaked too.
    connection = ih.ClientConnection(check_segment_sizes=number % 5 != 0)
    oversized = {i for i, chunk in enumerate(chunks) if len(chunk) > MAX_SEGMENT}
    session = AsyncStreamSession(
        url, key, chunks, include=["conversation_quality_overall"], connection=connection
    )
    received: list[Any] = []
    draining = False
    async for message in session:
        received.append(message)
        draining = draining or isinstance(message, ih.messages.SessionClosing)
        if draining and isinstance(message, ih.messages.SignalEnded):
            totals.final_signal_ends += 1
        totals.events[type(message).__name__] += 1
    totals.sessions += 1
    totals.segments += len(connection.segments_sent)
    problems = _check(connection, received, oversized, totals)
    # Nothing lost on the way: the client got every frame the server sent, in order.
    record = next((r for r in mock.sessions if r.correlation_id == session.correlation_id), None)
    if record is None or len(record.sent) != len(received):
        problems.append("the client did not receive every frame the server sent")
    totals.problems += [f"session {number}: {problem}" for problem in problems]


def _check(
    connection: ih.ClientConnection,
    received: list[Any],
    oversized: set[int],
    totals: Totals,
) -> list[str]:
    # The contract's own rules (errors name sent segments, every signal ends before a graceful
    # session.ended, ...) come back as the connection's violations.
    problems = [v.rule for v in connection.violations]
    errors = [m for m in received if isinstance(m, ih.messages.ErrorMessage)]
    totals.errors += len(errors)
    # Each oversized segment got exactly one ih6002 naming it.
    named = sorted(
        e.data.segment
        for e in errors
        if e.data.code == "ih6002" and isinstance(e.data.segment, int)
    )
    if named != sorted(oversized):
        problems.append(
            f"ih6002 named segments {named}, the oversized ones were {sorted(oversized)}"
        )
    ended = any(isinstance(m, ih.messages.SessionEnded) for m in received)
    if connection.close_code == 1000 and ended:
        totals.graceful += 1
    else:
        problems.append(f"no graceful end (close code {connection.close_code})")
    return problems


async def soak(url: str, key: str, args: argparse.Namespace, mock: MockServer) -> Totals:
    sessions, segments, concurrency = args.sessions, args.segments, args.concurrency
    base = media.recorder_chunks("webm", 6.0)
    continuation = base[1:] or [b"\x1f\x43\xb6\x75" + bytes(1024)]
    chunks = [base[0]] + [continuation[i % len(continuation)] for i in range(segments - 1)]
    oversized = b"\x1f\x43\xb6\x75" + bytes(300_000)
    totals = Totals()
    gate = asyncio.Semaphore(concurrency)

    async def run(number: int) -> None:
        async with gate:
            # Varying lengths leave a signal open at the close in some sessions, so the drain
            # has final signal.ended events to deliver.
            mine = chunks[: len(chunks) - number % 3]
            if number % 5 == 0:
                mine.insert(len(mine) // 2, oversized)
            await one_session(url, key, mine, number, totals=totals, mock=mock)

    await asyncio.wait_for(
        asyncio.gather(*(run(n) for n in range(sessions))), timeout=args.budget_seconds
    )
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transports.soak", description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--segments", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--budget-seconds", type=float, default=300)
    args = parser.parse_args(argv)
    mock = MockServer(MockConfig(api_key="soak-key", max_segment_size_bytes=MAX_SEGMENT))
    started = time.monotonic()
    with mock.running() as url:
        try:
            totals = asyncio.run(soak(url, "soak-key", args, mock))
        except (TimeoutError, asyncio.TimeoutError):
            print(f"soak did not finish within {args.budget_seconds:g} s", file=sys.stderr)
            return 1
    elapsed = time.monotonic() - started
    print(
        f"sessions   {totals.sessions} ({totals.graceful} closed gracefully), "
        f"{args.concurrency} at a time"
    )
    print(f"segments   {totals.segments}")
    print(
        f"events     {sum(totals.events.values())}: "
        + ", ".join(f"{n} {k}" for k, n in totals.events.most_common())
    )
    print(f"errors     {totals.errors}")
    print(f"drained    {totals.final_signal_ends} final signal.ended before session.ended")
    print(f"time       {elapsed:.1f} s, {sum(totals.events.values()) / elapsed:,.0f} events/s")
    for problem in totals.problems[:20]:
        print(f"PROBLEM    {problem}")
    lost = totals.sessions != args.sessions or totals.problems
    print("result     " + ("FAILED" if lost else "nothing lost"))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
