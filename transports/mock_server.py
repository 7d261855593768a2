"""A reference mock of the Streaming Analyze v1 endpoint: `websockets` + ServerConnection.

It checks the credential (401 on the upgrade when it is wrong), returns X-Correlation-ID,
sends session.ready with configurable limits, answers oversized segments with ih6002, enforces
the idle and maximum-duration timeouts (ih6003/ih6004, then close), acknowledges configs, and
plays a deterministic scripted analysis driven by the segments it receives. Every frame it
sends goes through ServerConnection, so the mock cannot break the session contract.

Run it:  python -m transports.mock_server --port 8765 --api-key test-key
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

import interhuman_stream as ih

from .logs import LOGGER, keep_secret

SIGNAL_SCRIPT = ("interest", "agreement", "hesitation", "confidence")
ENGAGEMENT_SCRIPT: tuple[ih.messages.EngagementState, ...] = (
    "neutral",
    "engaged",
    "engaged",
    "disengaged",
)
# No source documents the close code after ih6003/ih6004 (D19); the mock uses "policy
# violation", and says which limit in the close reason.
TIMEOUT_CLOSE_CODE = 1008


@dataclass(frozen=True)
class MockConfig:
    """What the mock announces in session.ready, and how it behaves."""

    api_key: str = field(default="test-key", repr=False)
    idle_timeout_seconds: float = 300
    max_duration_seconds: float = 3600
    min_segment_size_bytes: int = 1
    max_segment_size_bytes: int = 33_554_432
    include: tuple[str, ...] = ("conversation_quality_overall", "conversation_quality_timeline")
    goal_dimensions: tuple[str, ...] | None = None
    segment_seconds: float = 3.0
    max_drain_seconds: float = 5

    def ready(self) -> ih.messages.SessionReadyData:
        # Integral limits go out as JSON integers, as the service documents them.
        def number(value: float) -> float:
            return int(value) if float(value).is_integer() else value

        return ih.messages.SessionReadyData(
            session_idle_timeout_seconds=number(self.idle_timeout_seconds),
            session_max_duration_seconds=number(self.max_duration_seconds),
            min_segment_duration_seconds=number(self.segment_seconds),
            min_segment_size_bytes=self.min_segment_size_bytes,
            max_segment_size_bytes=self.max_segment_size_bytes,
            supported_session_config_options=ih.messages.SessionOptions(
                include=list(self.include),
                goal_dimensions=(
                    list(self.goal_dimensions) if self.goal_dimensions is not None else None
                ),
                model=None,
            ),
        )


@dataclass
class SessionRecord:
    """What one connection did, in order, for tests and the soak run."""

    correlation_id: str
    frames: list[tuple[str, bytes | str]] = field(default_factory=list)
    close_code: int | None = None

    @property
    def sent(self) -> list[str]:
        """The text frames the server sent."""
        return [frame for side, frame in self.frames if side == "server"]  # type: ignore[misc]


class Analysis:
    """The deterministic script: what the 'analyzer' reports for the k-th accepted segment.

    It only proposes frames; ServerConnection decides whether they are allowed now.
    """

    def __init__(self, segment_seconds: float) -> None:
        self.segment_seconds = segment_seconds
        self.accepted = 0

    def step(self, server: ih.ServerConnection) -> list[tuple[str, Any]]:
        k, seconds = self.accepted, self.segment_seconds
        self.accepted += 1
        start = k * seconds
        frames: list[tuple[str, Any]] = []
        level = ENGAGEMENT_SCRIPT[k % len(ENGAGEMENT_SCRIPT)]
        if server.engagement is None or server.engagement.state != level:
            frames.append(
                ("engagement.updated", ih.messages.EngagementUpdatedData(state=level, start=start))
            )
        signal = SIGNAL_SCRIPT[(k // 3) % len(SIGNAL_SCRIPT)]
        active = server.active_signals.get(signal)
        phase = k % 3
        if phase == 0 and active is None:
            frames.append(
                (
                    "signal.detected",
                    ih.messages.SignalData(
                        signal_type=signal,
                        start=start + 0.5,
                        probability="medium",
                        rationale=f"Scripted {signal} in segment {k}.",
                        modality=["video"],
                    ),
                )
            )
        elif phase == 1 and active is not None:
            frames.append(
                (
                    "signal.updated",
                    ih.messages.SignalData(
                        signal_type=signal,
                        start=active.start,
                        probability="high",
                        rationale=f"Scripted {signal} grew stronger in segment {k}.",
                        modality=["video"],
                    ),
                )
            )
        elif phase == 2 and active is not None:
            frames.append(
                (
                    "signal.ended",
                    ih.messages.SignalEndedData(signal_type=signal, end=start + seconds - 0.5),
                )
            )
        frames.extend(self._quality(server, k, start))
        acknowledged = server.acknowledged_config
        if acknowledged and acknowledged.goal_dimensions and k % 4 == 3:
            goals = ", ".join(acknowledged.goal_dimensions)
            frames.append(
                (
                    "feedback.generated",
                    ih.messages.FeedbackGeneratedData(feedback=f"Work on {goals}."),
                )
            )
        return frames

    def _quality(self, server: ih.ServerConnection, k: int, start: float) -> list[tuple[str, Any]]:
        # One cadence period per two segments, closed at the end of every odd segment.
        acknowledged = server.acknowledged_config
        if k % 2 == 0 or acknowledged is None:
            return []
        include = set(acknowledged.include or ())  # absent: no flag in force (D16)
        if not include:
            return []
        period_start = start - self.segment_seconds
        period_end = start + self.segment_seconds

        def scores(seed: int) -> ih.messages.QualityScores:
            dims = [50 + ((seed * 7 + i * 11) % 31) for i in range(5)]
            return ih.messages.QualityScores(
                quality_index=sum(dims) / 5,
                clarity=dims[0],
                authority=dims[1],
                energy=dims[2],
                rapport=dims[3],
                learning=dims[4],
            )

        data = ih.messages.ConversationQualityData(
            overall=scores(k) if "conversation_quality_overall" in include else None,
            timeline=(
                [
                    ih.messages.QualityPeriod(
                        start=period_start, end=period_end, values=scores(k + 1)
                    )
                ]
                if "conversation_quality_timeline" in include
                else None
            ),
        )
        return [("conversation_quality.updated", data)]

    @property
    def media_time(self) -> float:
        return self.accepted * self.segment_seconds


class MockServer:
    """The mock endpoint. Use `run()` in an event loop, or `running()` from sync code."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.sessions: list[SessionRecord] = []
        self._key = keep_secret(ih.ApiKey(self.config.api_key))

    # -- the upgrade --------------------------------------------------------------------

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != ih.handshake.ENDPOINT_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found.\n")
        server = ih.ServerConnection(
            self.config.ready(), uuid.uuid4(), max_drain_seconds=self.config.max_drain_seconds
        )
        credential = server.accept_handshake(request.headers.raw_items())
        if credential is None or credential.key != self._key:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        connection.interhuman = server  # type: ignore[attr-defined]
        return None

    def select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        server: ih.ServerConnection | None = getattr(connection, "interhuman", None)
        if server is None or server.credential is None:
            return None
        accepted = server.credential.accept_subprotocol
        return Subprotocol(accepted) if accepted is not None else None

    def process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        server: ih.ServerConnection | None = getattr(connection, "interhuman", None)
        if server is not None and response.status_code == HTTPStatus.SWITCHING_PROTOCOLS:
            for name, value in server.response_headers():
                response.headers[name] = value

    # -- a session ----------------------------------------------------------------------

    async def handler(self, websocket: ServerConnection) -> None:
        server: ih.ServerConnection = websocket.interhuman  # type: ignore[attr-defined]
        record = SessionRecord(correlation_id=str(server.correlation_id))
        self.sessions.append(record)
        analysis = Analysis(self.config.segment_seconds)
        loop = asyncio.get_running_loop()

        async def send(*frames: str) -> None:
            for frame in frames:
                record.frames.append(("server", frame))
                await websocket.send(frame)

        def stamp() -> datetime:
            return datetime.now(timezone.utc)

        try:
            await send(*server.start(timestamp=stamp(), now=loop.time()))
            while server.state is not ih.SessionState.ENDED:
                deadline = server.next_deadline()
                wait = None if deadline is None else max(0.0, deadline.at - loop.time())
                try:
                    frame = await asyncio.wait_for(websocket.recv(), timeout=wait)
                except (TimeoutError, asyncio.TimeoutError):
                    expired = server.check_deadlines(loop.time(), timestamp=stamp())
                    await send(*expired)
                    reason = expired and ih.decode_server_message(expired[0])
                    code = (
                        reason.data.code
                        if isinstance(reason, ih.messages.ErrorMessage)
                        else "timeout"
                    )
                    await websocket.close(TIMEOUT_CLOSE_CODE, code)
                    break
                now = loop.time()
                record.frames.append(("client", frame))
                if isinstance(frame, bytes):
                    taken = server.receive_segment(frame, timestamp=stamp(), now=now)
                    await send(*taken.replies)
                    if taken.segment is not None and not taken.replies:
                        for event, data in analysis.step(server):
                            await send(server.send(event, data, timestamp=stamp(), now=now))
                    continue
                taken = server.receive_text(frame, timestamp=stamp(), now=now)
                await send(*taken.replies)  # session.updated / ih6001, or session.closing
                if server.state is ih.SessionState.DRAINING:
                    await send(*server.finish(timestamp=stamp(), at=analysis.media_time, now=now))
                    await websocket.close(1000, "session ended")
        except ConnectionClosed:
            pass
        finally:
            record.close_code = websocket.close_code
            server.connection_lost(websocket.close_code)

    # -- running ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Server:
        return await serve(
            self.handler,
            host,
            port,
            process_request=self.process_request,
            process_response=self.process_response,
            select_subprotocol=self.select_subprotocol,
            # Larger than the segment limit, so an oversized segment gets ih6002, not 1009.
            max_size=2 * self.config.max_segment_size_bytes + (1 << 20),
            ping_interval=None,
            logger=LOGGER,
        )

    @contextlib.contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve from a background thread (for sync code and fixtures); yields the ws:// URL."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="mock-server", daemon=True)
        thread.start()
        server = asyncio.run_coroutine_threadsafe(self.start(host, port), loop).result(10)
        bound_host, bound_port = next(iter(server.sockets)).getsockname()[:2]
        try:
            yield f"ws://{bound_host}:{bound_port}{ih.handshake.ENDPOINT_PATH}"
        finally:

            async def stop() -> None:
                server.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m transports.mock_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--idle-timeout", type=float, default=300)
    parser.add_argument("--max-duration", type=float, default=3600)
    parser.add_argument("--max-segment-size", type=int, default=33_554_432)
    parser.add_argument("--segment-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    mock = MockServer(
        MockConfig(
            api_key=args.api_key,
            idle_timeout_seconds=args.idle_timeout,
            max_duration_seconds=args.max_duration,
            max_segment_size_bytes=args.max_segment_size,
            segment_seconds=args.segment_seconds,
        )
    )

    async def serve_forever() -> None:
        server = await mock.start(args.host, args.port)
        host, port = next(iter(server.sockets)).getsockname()[:2]
        print(
            f"mock Streaming Analyze v1 on ws://{host}:{port}{ih.handshake.ENDPOINT_PATH}",
            flush=True,
        )
        await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever())


if __name__ == "__main__":
    main()
