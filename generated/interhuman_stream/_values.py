# Hand-written runtime: edit codegen/runtime/_values.py (regen copies it verbatim).

"""Values the session engine hands out: sent segments, running deadlines, and what a
violation keeps of a message too large to keep whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from msgspec import Struct

from ._codec import UnknownMessage
from ._models import ServerMessage, SessionConfig
from ._segments import SEGMENT_INDEX_BASE


class FrameExcerpt(Struct, frozen=True, kw_only=True):
    """What a violation keeps of a message too large to keep whole: its type, its size as
    JSON in bytes, and its first bytes as text."""

    type: str
    size: int
    head: str


class SentSegment(Struct, frozen=True, kw_only=True):
    """A binary video frame: its index as error.segment counts it under segment index base
    `base`, its size, when it went (D8, D36)."""

    index: int
    size: int
    sent_at: float | None = None
    base: int = SEGMENT_INDEX_BASE


class Deadline(Struct, frozen=True, kw_only=True):
    """A running time limit: when it passes (same clock as `now`), the error the server
    sends then (None: it sends none), and what that means for the client."""

    id: str
    at: float
    error_code: str | None
    means: str


class OfferedConfig(Struct, frozen=True, kw_only=True):
    """What ClientConnection.send_offered_config sent: the text frame, the config in it, and
    each value it left out because the server does not offer it, by field."""

    frame: str
    config: SessionConfig | None
    left_out: Mapping[str, tuple[str, ...]]


Verdict = Literal["continues", "ends", "retry_later", "fatal", "segment_dropped", "unknown"]


class Change(Struct, frozen=True, kw_only=True):
    """What one received message changed, and what the transport does next.

    became_ready: session.ready arrived (start sending video). config: a config was
    acknowledged or refused (ih6001). closing: session.closing arrived: drain until
    session.ended, at the latest until `deadline` (the drain). ended: session.ended arrived,
    with its reason: close the WebSocket. error: the catalog's verdict on an error message
    (D41; `unknown` for a code it does not list), and `segment` the sent segment it names.
    deadline: the earliest running deadline after this message, whose `means` says what its
    passing means. violations: the contract breaches this message added.
    """

    became_ready: bool = False
    config: Literal["acknowledged", "refused"] | None = None
    closing: bool = False
    ended: str | None = None
    error: Verdict | None = None
    segment: SentSegment | None = None
    deadline: Deadline | None = None
    violations: int = 0


class Received(Struct, frozen=True, kw_only=True):
    """A received message and what it changed (ClientConnection.receive)."""

    message: ServerMessage | UnknownMessage
    change: Change
