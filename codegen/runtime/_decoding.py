# Hand-written runtime: edit codegen/runtime/_decoding.py (regen copies it verbatim).

"""What decoding frames needs whatever the protocol version: DecodeError and UnknownMessage,
the wording of msgspec's errors, and the correlation id check. Each version's _codec
(generated from its spec) imports them.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from ._segments import sniff_container


class DecodeError(ValueError):
    """A frame that is not a valid message.

    `path` is where in the JSON document the problem is (`$` for the whole frame,
    `$.data.start` for a field), `reason` says what is wrong, and `data` holds the frame
    exactly as it was passed in, so nothing is lost.
    """

    def __init__(self, reason: str, path: str, data: bytes | str) -> None:
        super().__init__(f"{reason} (at {path})")
        self.reason = reason
        self.path = path
        self.data = data


class UnknownMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A server envelope whose `type` this spec does not define (D6).

    `data` is the envelope's data member decoded without a schema; `timestamp` and
    `correlation_id` are passed through when they are strings; `raw` is the whole frame.
    """

    type: str
    timestamp: str | None
    correlation_id: str | None
    data: Any
    raw: bytes


_MSGSPEC_PATH_MARK: Final = " - at `"


def _error_from_msgspec(exc: Exception, data: bytes | str) -> DecodeError:
    # msgspec words a validation failure as "<reason> - at `<path>`"; the path is `$`-rooted.
    message = str(exc)
    reason, mark, path = message.rpartition(_MSGSPEC_PATH_MARK)
    if not mark:
        return DecodeError(message, "$", data)
    return DecodeError(reason, path.rstrip("`"), data)


def _unreadable(exc: Exception, data: bytes | str) -> DecodeError:
    if isinstance(data, (bytes, bytearray, memoryview)):
        container = sniff_container(bytes(data[:_SNIFFED_BYTES]))
        if container is not None:
            # A binary frame handed to the text decoder: say so, not "malformed JSON".
            return DecodeError(
                f"this is binary video ({container.name}), not a JSON text frame: video "
                "travels in binary frames (ClientConnection.send_segment, "
                "ServerConnection.receive_segment)",
                "$",
                data,
            )
    if isinstance(exc, UnicodeError):
        return DecodeError(f"not valid UTF-8 text: {exc}", "$", data)
    if isinstance(exc, RecursionError):
        return DecodeError("JSON nested too deeply", "$", data)
    return _error_from_msgspec(exc, data)


# Enough of a frame to recognise every container's packets (segments.json).
_SNIFFED_BYTES: Final = 4096


def _as_bytes(data: bytes | str | bytearray | memoryview) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


# A session repeats its correlation id on every message: each distinct value is checked once.
_checked_uuids: Final[set[str]] = set()
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
# Bounded (a peer cannot grow it without limit), and large enough that a process with many
# connections rarely checks an id twice; a miss costs one check, a few hundred ns, not a cliff.
_MAX_CHECKED_UUIDS: Final = 65536


def _check_uuid(value: str, path: str, data: bytes | str) -> None:
    # The canonical 8-4-4-4-12 hex form (RFC 9562), as JSON Schema's "uuid" format reads it,
    # checked with a few C-level operations (no Python loop).
    if not (
        len(value) == 36
        and value[8] == value[13] == value[18] == value[23] == "-"
        and _HEX_DIGITS.issuperset(value.replace("-", ""))
        and value.count("-") == 4
    ):
        raise DecodeError("Invalid UUID", path, data)
    if len(_checked_uuids) >= _MAX_CHECKED_UUIDS:
        _checked_uuids.clear()
    _checked_uuids.add(value)
