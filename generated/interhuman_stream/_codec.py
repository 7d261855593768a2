# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json
# Template: codegen/templates/_codec.py.jinja2

"""Decoding server frames and encoding client frames: this version's message classes, its
typed decoder and its encode checks. What does not depend on the version (DecodeError,
UnknownMessage, the slow path for frames the typed decoder refuses, the exact check of a frame
to send) is the runtime's, in _decoding.py, which also says how decoding works.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import msgspec
from msgspec import UNSET

from . import _decoding  # encode checks off the usual path (not every version uses each)
from ._decoding import DecodeError as DecodeError  # noqa: PLC0414 - re-exported
from ._decoding import ServerFrames, _decode_client, _encode, _unreadable
from ._decoding import UnknownMessage as UnknownMessage  # noqa: PLC0414 - re-exported
from ._decoding import _check_uuid as _check_uuid  # noqa: PLC0414 - re-exported
from ._decoding import _checked_uuids as _checked_uuids  # noqa: PLC0414 - re-exported
from ._models import (
    ConversationQualityUpdated,
    CoverageDegraded,
    CoverageDropped,
    EngagementUpdated,
    ErrorMessage,
    FeedbackGenerated,
    ServerMessage,
    SessionClose,
    SessionClosing,
    SessionConfig,
    SessionEnded,
    SessionReady,
    SessionUpdated,
    SignalDetected,
    SignalEnded,
    SignalUpdated,
)
from ._vocab import GOAL_DIMENSIONS, INCLUDE_FLAGS, KNOWN_MESSAGE_TYPES

ClientMessage: TypeAlias = SessionConfig | SessionClose
"""Any client text frame."""

MESSAGE_CLASSES: Final[dict[str, type[ServerMessage]]] = {
    "session.ready": SessionReady,
    "session.updated": SessionUpdated,
    "signal.detected": SignalDetected,
    "signal.updated": SignalUpdated,
    "signal.ended": SignalEnded,
    "engagement.updated": EngagementUpdated,
    "conversation_quality.updated": ConversationQualityUpdated,
    "error": ErrorMessage,
    "session.closing": SessionClosing,
    "session.ended": SessionEnded,
    "coverage.dropped": CoverageDropped,
    "coverage.degraded": CoverageDegraded,
    "feedback.generated": FeedbackGenerated,
}
"""Server envelope type -> the message class that decodes it."""


_server_decoder: Final = msgspec.json.Decoder(ServerMessage)
_SERVER_FRAMES: Final[ServerFrames[ServerMessage]] = ServerFrames(
    _server_decoder,
    MESSAGE_CLASSES.values(),
    KNOWN_MESSAGE_TYPES,
    ("correlation_id",),
)
_slow_path: Final = _SERVER_FRAMES.slow_path  # bound once, not looked up per frame
_CLIENT_TAGGED: Final[dict[str, type[ClientMessage]]] = {
    "session.close": SessionClose,
}
_CLIENT_UNTAGGED: Final = SessionConfig


def decode_server_message(data: bytes | str) -> ServerMessage | UnknownMessage:
    """Decode one server text frame.

    Returns the typed message for a known envelope type and an UnknownMessage for any other
    type. Raises DecodeError for everything else: invalid JSON or UTF-8, a frame that is not
    an object, a missing or non-string type, or a known type whose fields break the spec.
    """
    try:
        message: ServerMessage = _server_decoder.decode(data)
    except msgspec.ValidationError as exc:
        return _slow_path(data, exc)
    except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
        raise _unreadable(exc, data) from None
    if message.correlation_id not in _checked_uuids:
        _check_uuid(message.correlation_id, "$.correlation_id", data)
    return message


def decode_client_message(data: bytes | str) -> ClientMessage:
    """Decode one client text frame (what a server receives).

    A frame with a `type` must be one of the tagged client frames; a frame without one is a
    session config. Unknown fields are rejected (D20). Raises DecodeError with the JSON path.
    """
    return _decode_client(data, _CLIENT_TAGGED, _CLIENT_UNTAGGED)


def encode_client_message(message: ClientMessage) -> bytes:
    """Encode a client text frame to the UTF-8 JSON bytes to send.

    The frame is checked against the spec first, since Struct constructors do not validate:
    an invalid value raises ValueError naming the field.
    """
    if type(message) is SessionConfig:
        include = message.include
        goal_dimensions = message.goal_dimensions
        # Each field is absent or an array of strings (of a closed value set, or any: D34).
        # The usual case is read item by item (no set to build); anything else takes the
        # exact check below, which a set comparison does in C.
        usual = True
        if include is not UNSET:
            if type(include) is list:
                for value in include:
                    if type(value) is not str:
                        usual = False
                        break
            else:
                usual = False
        if goal_dimensions is not UNSET:
            if type(goal_dimensions) is list:
                for value in goal_dimensions:
                    if type(value) is not str:
                        usual = False
                        break
            else:
                usual = False
        if not usual:
            try:
                invalid = (
                    include is not msgspec.UNSET
                    and (
                        type(include) is not list
                        or not (
                            INCLUDE_FLAGS.issuperset(include)
                            or _decoding._STRINGS.issuperset(map(type, include))
                        )
                    )
                ) or (
                    goal_dimensions is not msgspec.UNSET
                    and (
                        type(goal_dimensions) is not list
                        or not (
                            GOAL_DIMENSIONS.issuperset(goal_dimensions)
                            or _decoding._STRINGS.issuperset(map(type, goal_dimensions))
                        )
                    )
                )
            except TypeError:  # an unhashable item
                invalid = True
            if invalid:
                _decoding._invalid(message)
        return _encode(message)
    if type(message) is SessionClose:
        return _SESSIONCLOSE_FRAME
    raise TypeError(f"not a client message: {type(message).__name__}")


_SESSIONCLOSE_FRAME: Final = _encode(SessionClose())
