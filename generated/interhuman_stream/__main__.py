# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json
# Template: codegen/templates/__main__.py.jinja2

"""Command line: python -m interhuman_stream check SESSION.jsonl

Replays a recorded session through a strict ClientConnection and prints every contract
violation with its line number. A frame the recorded client should not have sent is reported
and still counted as sent (it was on the wire), so later frames are judged against what the
server really saw. Exit status: 0 when the session conforms, 1 when anything
broke the contract or did not decode, 2 when the file cannot be read.

One JSON object per line (blank lines are skipped):
  {"recv": {...}}                      a server message as received
  {"send": {...}}                      a client text frame as sent (config or session.close)
  {"segment": {"size": N, "head": "1a45dfa3..."}}
                                       a binary segment: its size and, optionally, its first
                                       bytes in hex (the rest is taken as zeros)
  {"lost": 1000}                       the connection closed, with its close code (or null)
Any line may carry "at": a monotonic time in seconds. Lines that have only other keys
(for instance "expect", used by test transcripts) are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from ._client import ClientConnection
from ._codec import DecodeError
from ._contract import RULES
from ._errors import ProtocolError

_ACTIONS = ("recv", "send", "segment", "lost")


class TranscriptError(ValueError):
    """A transcript line that is not one of the documented forms."""


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as error:
                raise TranscriptError(f"line {number}: not JSON: {error}") from None
            if not isinstance(entry, dict):
                raise TranscriptError(f"line {number}: not a JSON object")
            yield number, entry


def _replay(client: ClientConnection, entry: dict[str, Any]) -> None:
    now = entry.get("at")
    if "recv" in entry:
        client.receive_message(json.dumps(entry["recv"]), now=now)
    elif "send" in entry:
        frame = entry["send"]
        if not isinstance(frame, dict):
            raise TranscriptError("send: expected a JSON object")
        if frame.get("type") == "session.close":
            client.send_close(now=now)
        elif "type" in frame:
            raise TranscriptError(f"send: unknown client frame type {frame['type']!r}")
        else:
            unknown = set(frame) - {"include", "goal_dimensions"}
            if unknown:
                raise TranscriptError(f"send: unknown config fields {sorted(unknown)}")
            client.send_config(**frame, now=now)
    elif "segment" in entry:
        segment = entry["segment"]
        head = bytes.fromhex(segment.get("head", ""))
        size = segment["size"]
        client.send_segment(head[:size] + bytes(max(0, size - len(head))), now=now)
    elif "lost" in entry:
        client.connection_lost(entry["lost"])


def _report(path: Path, number: int, rule: str, says: str, out: TextIO) -> None:
    breaker = RULES[rule].breaker
    print(f"{path}:{number}: {rule} (broken by the {breaker}): {says}", file=out)


def check(path: Path, out: TextIO) -> int:
    """Replay one transcript; print each problem; return the exit status."""
    client = ClientConnection(strict=True)
    client._audit = True  # report the recorded client's own mistakes instead of refusing them
    problems = 0
    try:
        for number, entry in _lines(path):
            if not any(action in entry for action in _ACTIONS):
                continue
            seen = len(client.violations)
            try:
                _replay(client, entry)
            except ProtocolError as error:
                problems += 1
                _report(path, number, error.rule, error.says, out)
            except DecodeError as error:
                problems += 1
                print(f"{path}:{number}: undecodable: {error}", file=out)
            except (TranscriptError, ValueError, TypeError, KeyError) as error:
                problems += 1
                print(f"{path}:{number}: invalid line: {error}", file=out)
            for violation in client.violations[seen:]:
                problems += 1
                _report(path, number, violation.rule, violation.says, out)
    except (OSError, TranscriptError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    print(f"{path}: {problems} problem(s), final state {client.state.value}", file=out)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interhuman_stream")
    commands = parser.add_subparsers(dest="command", required=True)
    check_command = commands.add_parser(
        "check", help="check a recorded session against the contract"
    )
    check_command.add_argument("transcript", type=Path, help="JSON Lines file, one frame per line")
    args = parser.parse_args(argv)
    return check(args.transcript, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
