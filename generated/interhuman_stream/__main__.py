# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/contract.json
# Template: codegen/templates/__main__.py.jinja2

"""Command line: python -m interhuman_stream check SESSION.jsonl

Replays a recorded session through a strict ClientConnection and prints every contract
violation with its line number. Each frame is applied before its breach is raised, and a frame
the recorded client should not have sent is reported and still counted (it was on the wire),
so later lines are judged against what really happened, not against the first mistake. Exit status: 0 when the session conforms, 1 when anything
broke the contract or did not decode, 2 when the file cannot be read.

One JSON object per line (blank lines are skipped):
  {"recv": {...}}                      a server message as received
  {"send": {...}}                      a client text frame as sent (config or session.close)
  {"segment": {"size": N, "head": "1a45dfa3..."}}
                                       a binary segment: its size and, optionally, its first
                                       bytes in hex (the rest is taken as zeros)
  {"lost": 1000}                       the connection closed, with its close code (or null)
Any line may carry "at": a monotonic time in seconds. With --summary it then prints the session folded into the upload API's result shape.
Lines that have only other keys
(for instance "expect", used by test transcripts) are skipped; a line that is not one of
these forms is reported as invalid, and the replay goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import msgspec

from ._client import ClientConnection
from ._codec import DecodeError
from ._contract import RULES
from ._errors import ProtocolError, RemoteProtocolError
from ._summary import SummaryFold, encode_summary

_ACTIONS = ("recv", "send", "segment", "lost")
# Recorded segments are rebuilt in memory to be checked; beyond this a line is refused.
_MAX_REPLAYED_SEGMENT = 256 * 1024 * 1024


class TranscriptError(ValueError):
    """A transcript line that is not one of the documented forms."""


def _lines(path: Path) -> Iterator[tuple[int, object]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError as error:
                yield number, TranscriptError(f"not JSON: {error}")


def _time(entry: dict[str, Any]) -> float | None:
    now = entry.get("at")
    if now is not None and (isinstance(now, bool) or not isinstance(now, (int, float))):
        raise TranscriptError('"at" must be a number of seconds')
    return now


def _segment(spec: object) -> bytes:
    if not isinstance(spec, dict):
        raise TranscriptError('"segment" must be an object with a "size"')
    size, head = spec.get("size"), spec.get("head", "")
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or not 0 <= size <= _MAX_REPLAYED_SEGMENT
    ):
        raise TranscriptError(f'"size" must be an integer from 0 to {_MAX_REPLAYED_SEGMENT}')
    if not isinstance(head, str):
        raise TranscriptError('"head" must be hex text')
    start = bytes.fromhex(head)
    if len(start) > size:
        raise TranscriptError('"head" is longer than "size"')
    return start + bytes(size - len(start))


def _replay(client: ClientConnection, entry: dict[str, Any], fold: SummaryFold) -> None:
    now = _time(entry)
    if "recv" in entry:
        if not isinstance(entry["recv"], dict):
            raise TranscriptError('"recv" must be a JSON object')
        try:
            fold.add(client.receive_message(json.dumps(entry["recv"]), now=now))
        except RemoteProtocolError as error:
            fold.add(error.received)  # type: ignore[arg-type]  # delivered all the same
            raise
    elif "send" in entry:
        frame = entry["send"]
        if not isinstance(frame, dict):
            raise TranscriptError('"send" must be a JSON object')
        if frame.get("type") == "session.close":
            client.send_close(now=now)
        elif "type" in frame:
            raise TranscriptError(f"send: unknown client frame type {frame['type']!r}")
        else:
            unknown = set(frame) - {"include", "goal_dimensions"}
            if unknown:
                raise TranscriptError(f"send: unknown config fields {sorted(unknown)}")
            client.send_config(frame.get("include"), frame.get("goal_dimensions"), now=now)
    elif "segment" in entry:
        client.send_segment(_segment(entry["segment"]), now=now)
    else:
        code = entry["lost"]
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise TranscriptError('"lost" must be a close code or null')
        fold.connection_lost()
        client.connection_lost(code)


def _report(path: Path, number: int, rule: str, says: str, out: TextIO) -> None:
    breaker = RULES[rule].breaker
    print(f"{path}:{number}: {rule} (broken by the {breaker}): {says}", file=out)


def check(path: Path, out: TextIO, *, summary: bool = False) -> int:
    """Replay one transcript; print each problem (and, with `summary`, the session folded
    into the upload result's shape); return the exit status."""
    # strict: every breach is raised (after the frame is applied, so the replay goes on from
    # what really happened); audit: the recorded client's own mistakes are reported too.
    client = ClientConnection(strict=True, audit=True)
    fold = SummaryFold()
    problems = 0
    try:
        for number, entry in _lines(path):
            if not isinstance(entry, dict):
                problems += 1
                reason = entry if isinstance(entry, TranscriptError) else "not a JSON object"
                print(f"{path}:{number}: invalid line: {reason}", file=out)
                continue
            if not any(action in entry for action in _ACTIONS):
                continue
            try:
                _replay(client, entry, fold)
            except RemoteProtocolError as error:
                for violation in error.violations:
                    problems += 1
                    _report(path, number, violation.rule, violation.says, out)
            except ProtocolError as error:
                problems += 1
                _report(path, number, error.rule, error.says, out)
            except DecodeError as error:
                problems += 1
                print(f"{path}:{number}: undecodable: {error}", file=out)
            except (ValueError, TypeError) as error:
                problems += 1
                print(f"{path}:{number}: invalid line: {error}", file=out)
    except (OSError, UnicodeError) as error:
        print(f"{path}: cannot read: {error}", file=sys.stderr)
        return 2
    print(f"{path}: {problems} problem(s), final state {client.state.value}", file=out)
    if summary:
        print(msgspec.json.format(encode_summary(fold.summary()), indent=2).decode(), file=out)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interhuman_stream")
    commands = parser.add_subparsers(dest="command", required=True)
    check_command = commands.add_parser(
        "check", help="check a recorded session against the contract"
    )
    check_command.add_argument("transcript", type=Path, help="JSON Lines file, one frame per line")
    check_command.add_argument(
        "--summary", action="store_true", help="also print the session in the upload result's shape"
    )
    args = parser.parse_args(argv)
    return check(args.transcript, sys.stdout, summary=args.summary)


if __name__ == "__main__":
    sys.exit(main())
