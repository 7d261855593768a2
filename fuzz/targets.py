"""What the fuzzers feed the package, and what they check: nothing but the documented errors
may escape decode_server_message or a strict ClientConnection, whatever the bytes.

Inputs are either raw bytes or structure-aware: a golden message parsed, a few members
replaced by hostile JSON values, serialized again. A session is a ready golden followed by
fuzzed frames, so the contract engine sees them in a live session.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
from pathlib import Path
from typing import Any

import interhuman_stream as ih

EXAMPLES = Path(__file__).resolve().parent.parent / "spec" / "examples" / "server"
GOLDENS: list[bytes] = sorted(path.read_bytes() for path in EXAMPLES.glob("*.json"))
READY: bytes = (EXAMPLES / "session.ready--reference.json").read_bytes()
DOCUMENTED = (ih.DecodeError, ih.RemoteProtocolError)

HOSTILE: list[Any] = [
    None, True, False, 0, -1, 2**63, -(2**64), 1e308, -0.0, 3.0, 0.5, "", " ", "\u0000",
    "\ud7ff", "😀" * 50, "x" * 5000, [], [[[[[]]]]], {}, {"type": "error"}, "2025-02-29T00:00:00Z",
    "550e8400-e29b-41d4-a716-446655440000", "session.ended", "signal.detected", "high",
    "conversation_quality_overall", [None] * 50, {"a": {"b": {"c": None}}},
]  # fmt: skip
TYPES = [*sorted(ih.messages.KNOWN_MESSAGE_TYPES), "", "unknown.type", "SESSION.READY"]


def members(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member path inside a JSON value."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found += members(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((*prefix, index))
            found += members(child, (*prefix, index))
    return found


def member_at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at a member path (the document itself for the empty path)."""
    for step in path:
        document = document[step]
    return document


def mutate(document: Any, rng: random.Random, edits: int) -> Any:
    """The document with `edits` members replaced, dropped, or its type changed."""
    for _ in range(edits):
        paths = members(document)
        if not paths or rng.random() < 0.05:
            return copy.deepcopy(rng.choice(HOSTILE))
        path = rng.choice(paths)
        parent = member_at(document, path[:-1])
        roll = rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.3 and path == ("type",):
            parent["type"] = rng.choice(TYPES)
        elif roll < 0.4 and isinstance(parent, dict):
            parent[rng.choice(["extra", "data", "type", "timestamp"])] = copy.deepcopy(
                rng.choice(HOSTILE)
            )
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(HOSTILE))
    return document


def structured_input(rng: random.Random) -> bytes:
    document = json.loads(rng.choice(GOLDENS))
    changed = mutate(document, rng, rng.randint(1, 4))
    text = json.dumps(changed, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.1:  # and sometimes break the JSON itself
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + rng.choice(["", "}", "\\", '"', "\x00", "\udcff"]) + text[cut:]
    return text.encode("utf-8", "surrogatepass")


def raw_input(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.randbytes(rng.randint(0, 300))
    golden = bytearray(rng.choice(GOLDENS))
    for _ in range(rng.randint(1, 8)):
        golden[rng.randrange(len(golden))] = rng.randrange(256)
    return bytes(golden)


def check_frame(frame: bytes) -> None:
    """decode_server_message on one frame: a message, or a DecodeError; nothing else."""
    with contextlib.suppress(ih.DecodeError):
        ih.decode_server_message(frame)


def check_session(frames: list[bytes]) -> int:
    """A strict client fed a ready contract then `frames`: only documented errors, and an
    undecodable frame changes nothing. Returns how many frames were fed."""
    client = ih.ClientConnection(strict=True)
    client.receive_message(READY)
    for frame in frames:
        before = (client.state, client.active_signals, client.engagement, client.violation_count)
        try:
            client.receive_message(frame)
        except ih.DecodeError:
            after = (client.state, client.active_signals, client.engagement, client.violation_count)
            assert after == before, "an undecodable frame changed the session"
        except ih.RemoteProtocolError:
            pass
        # ih.LocalProtocolError cannot happen here: the connection is never reported lost.
    return len(frames) + 1
