# Hand-written runtime: edit codegen/runtime/testing/replay.py (regen copies it verbatim).
# ruff: noqa: E501, RUF100  (E501: the header above, which regen checks whole)

"""Play a recorded session back to a client: the server side of a JSONL recording.

    server = ReplayServer("session.jsonl")           # RecordingError unless it checks clean
    with server.running() as url:
        ...                                          # connect with the key "test-key"

The recording is the check CLI's format (what ClientConnection(record=...) writes; test
annotations such as "expect" are ignored). It is checked first with
`python -m interhuman_stream check`'s own check(): a recording that breaks the contract is
refused with the problems check reported. Then each connection gets the recorded server
messages ("recv" lines) in order, with the recorded session.ready's correlation id in
X-Correlation-ID. The client's frames are taken as they come (only counted and sized): with
follow_client (the default) each recorded message waits until the client has sent as many
frames as the recording shows before it (at most step_timeout_seconds, then it goes anyway),
so answers follow what they answer. The connection ends as recorded: a close with the
recorded code, or a drop without a close frame for 1006 or an unknown code. A recording
that starts with a `connect` line (a v2 session's) is served on that version's endpoint,
with the model in its URL (running() yields it).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from websockets.asyncio.server import Server, serve
from websockets.asyncio.server import ServerConnection as WebSocket
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ..__main__ import check
from .._handshake import ApiKey, Credential, credential_from_request, server_response_headers
from .._handshake_data import ENDPOINT_PATHS
from .._recording import ACTIONS, ANNOTATIONS
from .mock import _REDACT, LOGGER, abort, close, sanitize_response, serve_in_thread

__all__ = ["RecordingError", "ReplayServer", "ReplayStep"]

# Close codes a server cannot send in a close frame: the connection is dropped instead.
_NOT_SENDABLE: Final = frozenset({1005, 1006, 1015})


class RecordingError(ValueError):
    """The recording is not a legal session; `report` is what check printed."""

    def __init__(self, path: Path, report: str) -> None:
        super().__init__(f"{path} is not a legal session:\n{report}")
        self.path = path
        self.report = report


@dataclass(frozen=True)
class ReplayStep:
    """One recorded server message, and how many client frames the recording shows before."""

    frame: str
    client_frames_before: int


@dataclass
class ReplayRecord:
    """What one connection did (client frames: counts and sizes only)."""

    client_frames: int = 0
    segment_sizes: list[int] = field(default_factory=list)
    sent: int = 0
    close_code: int | None = None


class ReplayServer:
    """A server that plays one recorded session to every client that connects."""

    def __init__(
        self,
        recording: str | Path,
        *,
        api_key: str | None = "test-key",
        follow_client: bool = True,
        step_timeout_seconds: float = 5.0,
        write_timeout_seconds: float = 5.0,
        max_frame_bytes: int = 64 << 20,
    ) -> None:
        """api_key: the key a client must present (None: any credential will do)."""
        self.path = Path(recording)
        out = io.StringIO()
        if check(self.path, out) != 0:
            raise RecordingError(self.path, out.getvalue().strip())
        self.steps, self.lost_code, self.version, self.model = _read(self.path)
        self.correlation_id = _correlation_id(self.steps)
        self.api_key = api_key
        self._key = ApiKey(api_key) if api_key is not None else None
        if api_key is not None:
            _REDACT.keys.add(api_key)
        self.follow_client = follow_client
        self.step_timeout_seconds = step_timeout_seconds
        self.write_timeout_seconds = write_timeout_seconds
        self.max_frame_bytes = max_frame_bytes
        self.sessions: list[ReplayRecord] = []

    # -- the upgrade ------------------------------------------------------------------------

    def process_request(self, connection: WebSocket, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != ENDPOINT_PATHS[self.version]:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found.\n")
        credential = credential_from_request(request.headers.raw_items())
        if credential is None or (self._key is not None and credential.key != self._key):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        connection.interhuman = credential  # type: ignore[attr-defined]
        return None

    def select_subprotocol(
        self, connection: WebSocket, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        credential: Credential | None = getattr(connection, "interhuman", None)
        if credential is None or credential.accept_subprotocol is None:
            return None
        return Subprotocol(credential.accept_subprotocol)

    def process_response(
        self, connection: WebSocket, request: Request, response: Response
    ) -> Response | None:
        if response.status_code == HTTPStatus.SWITCHING_PROTOCOLS:
            for name, value in server_response_headers(self.correlation_id):
                response.headers[name] = value
        return sanitize_response(response)

    # -- a session --------------------------------------------------------------------------

    async def handler(self, websocket: WebSocket) -> None:
        record = ReplayRecord()
        self.sessions.append(record)
        arrived = asyncio.Condition()

        async def take() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for frame in websocket:
                    if isinstance(frame, bytes):
                        record.segment_sizes.append(len(frame))
                    del frame
                    async with arrived:
                        record.client_frames += 1
                        arrived.notify_all()

        reader = asyncio.create_task(take())
        try:
            for step in self.steps:
                if self.follow_client:
                    needed = step.client_frames_before

                    def caught_up(needed: int = needed) -> bool:
                        return record.client_frames >= needed

                    with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                        async with arrived:
                            await asyncio.wait_for(
                                arrived.wait_for(caught_up), self.step_timeout_seconds
                            )
                await asyncio.wait_for(websocket.send(step.frame), self.write_timeout_seconds)
                record.sent += 1
            if self.lost_code is None or self.lost_code in _NOT_SENDABLE:
                await abort(websocket)
            else:
                await close(websocket, self.lost_code, "", self.write_timeout_seconds)
        except (ConnectionClosed, TimeoutError, asyncio.TimeoutError):
            await abort(websocket)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            record.close_code = websocket.close_code

    # -- running ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Server:
        server: Server = await serve(
            self.handler,
            host,
            port,
            process_request=self.process_request,
            process_response=self.process_response,
            select_subprotocol=self.select_subprotocol,
            max_size=self.max_frame_bytes,
            ping_interval=None,
            close_timeout=self.write_timeout_seconds,
            logger=LOGGER,
        )
        return server

    @contextlib.contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve from a background thread; yields the ws:// URL (the recorded version's
        endpoint, with the recorded model as its query)."""
        path = ENDPOINT_PATHS[self.version]
        if self.model is not None:
            path += "?" + urlencode({"model": self.model})
        with serve_in_thread(self.start, host, port, "interhuman-replay", path=path) as url:
            yield url


def _read(path: Path) -> tuple[tuple[ReplayStep, ...], int | None, str, str | None]:
    """The recorded server messages with their place among the client's frames, the
    recorded close code (None when none was recorded), and the version and model its
    `connect` line names (v1 and None without one). The file has passed check()."""
    steps: list[ReplayStep] = []
    client_frames = 0
    lost: int | None = None
    version, model = "v1", None
    with path.open("rb") as handle:
        for raw in handle:
            text = raw.decode("utf-8").removeprefix("\ufeff").strip()
            if not text:
                continue
            entry = json.loads(text)
            action = next((key for key in ACTIONS if key in entry), None)
            if action is None or all(key in ANNOTATIONS for key in entry):
                continue
            if action == "recv":
                steps.append(ReplayStep(json.dumps(entry["recv"]), client_frames))
            elif action in ("send", "segment"):
                client_frames += 1
            elif action == "lost":
                lost = entry["lost"]
            elif action == "connect":
                version, model = entry["connect"]["version"], entry["connect"].get("model")
    return tuple(steps), lost, version, model


def _correlation_id(steps: Sequence[ReplayStep]) -> str:
    for step in steps:
        value = json.loads(step.frame).get("correlation_id")
        if isinstance(value, str):
            return value
    return str(uuid.uuid4())
