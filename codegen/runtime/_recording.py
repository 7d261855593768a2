# Hand-written runtime: edit codegen/runtime/_recording.py (regen copies it verbatim).

"""The recording format: one JSON object per line, as the check CLI reads it and a
ClientConnection(record=...) writes it. Both use the names defined here.

    {"at": 0.0, "recv": {...}}                   a server message, as received
    {"at": 1.2, "send": {...}}                   a client text frame, as sent
    {"at": 3.1, "segment": {"size": N, "head": "1a45dfa3..."}}
                                                 a binary segment: its size and first bytes
    {"at": 9.0, "lost": 1000}                    the connection went away (close code or null)
    {"at": 9.5, "session": {"index": 1, "media_offset": 54.0}}
                                                 a Conversation's next session begins: the
                                                 lines after it are that session's
    {"at": null, "connect": {"version": "v2", "model": "inter-2-audio"}}
                                                 the protocol version (and model) the
                                                 session speaks, before its first frame; a
                                                 session without one speaks v1

"at" is the `now` the connection was given (null when none was). A segment keeps only its
first SEGMENT_HEAD_BYTES bytes (what the core's checks read), so a recording of an hour of
video stays small; the check CLI takes the rest as zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import msgspec

ACTIONS: Final = ("recv", "send", "segment", "lost", "session", "connect")
"""The key that says what a line records; each line has exactly one."""
ANNOTATIONS: Final = ("expect",)
"""Keys a test may add (a line of its own, or beside an action); the CLI ignores them."""
TIME_KEY: Final = "at"
SEGMENT_HEAD_BYTES: Final = 64
"""How many first bytes of a segment a recording keeps: more than any container signature
reads (segments.json)."""

Record = Callable[[bytes], object]
"""Where a connection writes its recording: called with each line (UTF-8 JSON and a newline),
for example a binary file's write method."""

_encoder: Final = msgspec.json.Encoder()
_untyped: Final = msgspec.json.Decoder()


def _line(action: str, value: object, at: float | None) -> bytes:
    return _encoder.encode({TIME_KEY: at, action: value}) + b"\n"


def received_line(frame: bytes | str, at: float | None) -> bytes:
    """A server text frame as received. A frame that is not a JSON object is recorded as its
    text, which the CLI then reports as it would report the frame."""
    try:
        value: object = _untyped.decode(frame)
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        value = frame if isinstance(frame, str) else bytes(frame).decode("utf-8", "replace")
    return _line("recv", value, at)


def sent_line(frame: str, at: float | None) -> bytes:
    """A client text frame as sent (a config or the close)."""
    return _line("send", _untyped.decode(frame), at)


def segment_line(data: bytes, at: float | None) -> bytes:
    """A binary segment: its size and its first bytes in hex."""
    head = bytes(data[:SEGMENT_HEAD_BYTES]).hex()
    return _line("segment", {"size": len(data), "head": head}, at)


def lost_line(code: int | None) -> bytes:
    """The connection went away, with its close code."""
    return _line("lost", code, None)


def session_line(index: int, media_offset: float, at: float | None) -> bytes:
    """A Conversation's session `index` begins, its media starting `media_offset` seconds
    into the conversation (a recording of several sessions is checked one at a time and
    summarised on one timeline)."""
    return _line("session", {"index": index, "media_offset": media_offset}, at)


def connect_line(version: str, model: str | None) -> bytes:
    """The protocol version the session speaks and (v2) the model it opened on: the first line
    of a session recorded on any version but v1 (the check CLI replays it on that version)."""
    value: dict[str, str] = {"version": version}
    if model is not None:
        value["model"] = model
    return _line("connect", value, None)
