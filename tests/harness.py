"""An in-memory client/server pair: whole sessions with no sockets.

Frames go into a queue per direction and are delivered in order when asked, so tests can
interleave the two peers the way a network does. `agree()` compares what both sides know.
Also the server frames tests feed a ClientConnection by hand: `envelope()`, `ready_frame()`.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

import interhuman_stream as ih

EPOCH = datetime(2026, 5, 20, 14, 0, tzinfo=timezone.utc)
WEBM_HEAD = bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01" + bytes(64)
ALL_FLAGS = ["conversation_quality_overall", "conversation_quality_timeline"]
ALL_GOALS = ["clarity", "authority", "energy", "rapport", "learning"]
CID = str(uuid.UUID(int=7))


def envelope(kind: str, data: dict[str, Any], correlation_id: str = CID) -> str:
    """A server message as its text frame (every one stamped 2026-05-20T14:00:00Z)."""
    return json.dumps(
        {
            "type": kind,
            "timestamp": "2026-05-20T14:00:00Z",
            "correlation_id": correlation_id,
            "data": data,
        }
    )


def envelope_bytes(kind: str, data: dict[str, Any]) -> bytes:
    """The same frame as bytes, as a transport may hand it over."""
    return envelope(kind, data).encode()


def ready_frame(max_segment_size_bytes: int = 34000, **options: Any) -> str:
    """A session.ready frame; `options` are its supported_session_config_options (both
    include flags when none are given)."""
    return envelope(
        "session.ready",
        {
            "session_idle_timeout_seconds": 300,
            "session_max_duration_seconds": 3600,
            "min_segment_size_bytes": 1,
            "max_segment_size_bytes": max_segment_size_bytes,
            "supported_session_config_options": options or {"include": list(ALL_FLAGS)},
        },
    )


def ready_data(*, messages: Any = ih.messages, **overrides: Any) -> Any:
    """session.ready's data, of `messages` (a version's namespace; v1's by default)."""
    fields: dict[str, Any] = {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_duration_seconds": 3,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 4096,
        "supported_session_config_options": messages.SessionOptions(include=list(ALL_FLAGS)),
    }
    fields.update(overrides)
    return messages.SessionReadyData(**fields)


class Pair:
    """A ClientConnection and a ServerConnection joined by two in-order queues."""

    def __init__(
        self,
        ready: ih.messages.SessionReadyData | None = None,
        version: str = "v1",
        model: str | None = None,
        **client_options: Any,
    ) -> None:
        self.client = ih.ClientConnection(
            strict=True, version=version, model=model, **client_options
        )
        self.server = ih.ServerConnection(
            ready or ready_data(), uuid.UUID(int=7), strict=True, version=version, model=model
        )
        self.to_server: deque[tuple[str, bytes | str]] = deque()
        self.to_client: deque[str] = deque()
        self.received: list[Any] = []
        self.now = 0.0

    @property
    def timestamp(self) -> datetime:
        return EPOCH + timedelta(seconds=self.now)

    # -- sending --------------------------------------------------------------------------

    def server_sends(self, event: str, data: msgspec.Struct) -> None:
        self.to_client.append(self.server.send(event, data, timestamp=self.timestamp, now=self.now))

    def start(self) -> None:
        self.to_client.extend(self.server.start(timestamp=self.timestamp, now=self.now))

    def client_config(self, **fields: Any) -> None:
        self.to_server.append(("text", self.client.send_config(**fields, now=self.now)))

    def client_segment(self, data: bytes) -> None:
        self.to_server.append(("binary", self.client.send_segment(data, now=self.now)))

    def client_close(self) -> None:
        self.to_server.append(("text", self.client.send_close(now=self.now)))

    # -- delivery -------------------------------------------------------------------------

    def deliver_to_server(self) -> ih.ServerReceived:
        kind, frame = self.to_server.popleft()
        if kind == "binary":
            assert isinstance(frame, bytes)
            taken = self.server.receive_segment(frame, timestamp=self.timestamp, now=self.now)
        else:
            taken = self.server.receive_text(frame, timestamp=self.timestamp, now=self.now)
        self.to_client.extend(taken.replies)
        return taken

    def deliver_to_client(self) -> Any:
        message = self.client.receive_message(self.to_client.popleft(), now=self.now)
        self.received.append(message)
        return message

    def flush(self) -> None:
        """Deliver everything in flight, server-bound first, until both queues are empty."""
        while self.to_server or self.to_client:
            while self.to_server:
                self.deliver_to_server()
            while self.to_client:
                self.deliver_to_client()

    def lose(self, code: int | None = 1000) -> None:
        self.to_server.clear()
        self.to_client.clear()
        self.client.connection_lost(code)
        self.server.connection_lost(code)

    # -- invariants -----------------------------------------------------------------------

    def agree(self) -> None:
        """Once nothing is in flight, both peers know the same session."""
        assert not self.to_server and not self.to_client
        client, server = self.client, self.server
        assert client.state is server.state
        if client.state is not ih.SessionState.ENDED:
            # After session.ended the server drops client frames that crossed it on the wire,
            # so only what the server reports must still agree.
            assert [(s.index, s.size) for s in client.segments_sent] == [
                (s.index, s.size) for s in server.segments_sent
            ]
            assert client.pending_configs == server.pending_configs
        assert client.acknowledged_config == server.acknowledged_config
        assert client.active_signals == server.active_signals
        assert client.engagement == server.engagement
        assert client.ready == server.ready
        assert not client.violations and not server.violations


def started(**client_options: Any) -> Pair:
    """A pair whose client has received the server's session.ready."""
    pair = Pair(**client_options)
    pair.start()
    pair.flush()
    return pair


def present(value: Any) -> Any:
    """Plain JSON-like values with absent and null members dropped: what the vendor SDK's
    models (which write every field, null when absent) and ours compare on."""
    if isinstance(value, dict):
        return {k: present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [present(v) for v in value]
    return value


# Fields our spec has that interhumanai 1.3.4 does not model (D30): it drops them.
SDK_DOES_NOT_MODEL = {"session.ready": ("min_segment_duration_seconds",)}


async def run_sdk_session(
    client: Any, chunks: list[bytes], include: list[str], audio_format: Any = None
) -> tuple[list[Any], Any]:
    """A whole session of the vendor SDK's StreamClient (made by the caller, for its
    endpoint): connect, session.ready, a config, every chunk, close; its events and how
    the WebSocket closed. With `audio_format` (its RawAudioFormat) the config declares it
    and the chunks go as raw PCM (send_audio), else as video (send_video)."""
    await client.connect()
    await client.wait_for_session_ready()
    if audio_format is None:
        await client.update_config(include=include)
    else:
        await client.update_config(include=include, audio_format=audio_format)
    send = client.send_video if audio_format is None else client.send_audio
    for chunk in chunks:
        await send(chunk)
    await client.request_close()
    events = [event async for event in client]
    return events, await client.wait_closed()


def sdk_data(event: Any) -> Any:
    """An SDK event's data as we compare it: present members, less what it does not model."""
    data = present(event.data.model_dump(mode="json"))
    for field in SDK_DOES_NOT_MODEL.get(event.type, ()):
        data.pop(field, None)
    return data


def assert_sdk_agrees(events: list[Any], decoded: list[Any]) -> None:
    """The SDK's events and the messages our core decoded agree, frame by frame."""
    from interhumanai.stream import UnknownEvent

    assert len(events) == len(decoded)
    for event, message in zip(events, decoded, strict=True):
        assert not isinstance(event, UnknownEvent)
        assert event.type == type(message).__struct_config__.tag
        assert event.correlation_id == str(message.correlation_id)
        assert event.timestamp == message.timestamp
        ours = present(msgspec.to_builtins(message.data))
        for field in SDK_DOES_NOT_MODEL.get(event.type, ()):
            ours.pop(field, None)
        assert sdk_data(event) == ours, event.type
