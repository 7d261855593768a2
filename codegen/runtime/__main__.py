# Hand-written runtime: edit codegen/runtime/__main__.py (regen copies it verbatim).

"""Command line: python -m interhuman_stream check SESSION.jsonl | stream MEDIA

`stream` streams a media file to the service with the asyncio client (an optional extra) over
as many sessions as it takes (a Conversation), printing each message and the one summary, and
can record the sessions for `check`.

`check` replays a recorded session through a strict ClientConnection and prints every contract
violation with its line number. The file format, how repeated violations are shown and the
exit status are documented once, in `check --help` (_HELP below).

Each frame is applied before its breach is raised, and a frame the recorded client should not
have sent is reported and still counted (it was on the wire), so later lines are judged
against what really happened, not against the first mistake. For the same reason every line
stands alone: the file is read as bytes, one line at a time, and a line that cannot be read,
parsed or replayed is reported with its number and a plain reason while the next line is
still checked. No input ends the command with a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Final, NamedTuple, NoReturn, TextIO

import msgspec
from msgspec import UNSET

from ._client import ClientConnection
from ._codec import DecodeError
from ._contract import MOVES, Rule, SessionState
from ._conversation import (
    DEFAULT_SEAM_TOLERANCE_SECONDS,
    SessionPart,
    stitch_summaries,
)
from ._errors import ProtocolError, RemoteProtocolError
from ._handshake import endpoint_url
from ._handshake_data import DEFAULT_URL
from ._models import SessionSummary
from ._recording import ACTIONS, ANNOTATIONS
from ._summary import SummaryFold, encode_summary
from ._versions import VERSIONS, opening_keys, protocol_version

# The format is defined once, with the recorder that writes it (ClientConnection(record=...)).
_ACTIONS: Final = ACTIONS
_ANNOTATIONS: Final = ANNOTATIONS
_FRAMES: Final = {"recv": "server message", "send": "client frame"}
_BOM: Final = b"\xef\xbb\xbf"
# Server text frames are a few KiB; a longer line is not a recording, and reading it whole
# would let one line use up memory.
_MAX_LINE = 16 * 1024 * 1024
# The largest payload a WebSocket frame can declare (RFC 6455: 63 bits), and what len() takes.
_MAX_SEGMENT_SIZE: Final = min(2**63 - 1, sys.maxsize)
# A segment is checked by its length and by sniffing its first bytes, which never reach past
# a few hundred; up to this size it is built whole, beyond it only this much is (see
# _DeclaredSegment).
_BUILT_SEGMENT_BYTES: Final = 64 * 1024

# A conforming session, shown in the help (and checked by the tests).
_EXAMPLE: Final = (
    '{"at": 0.0, "session": {"index": 0, "media_offset": 0.0}}',
    '{"at": null, "connect": {"version": "v1"}}',
    '{"at": 0.0, "recv": {"type": "session.ready", "timestamp": "2026-05-20T10:00:00Z", '
    '"correlation_id": "3f1ddab0-0902-5375-a2c6-09124476c33d", '
    '"data": {"session_idle_timeout_seconds": 300, "session_max_duration_seconds": 3600, '
    '"min_segment_size_bytes": 1, "max_segment_size_bytes": 33554432, '
    '"supported_session_config_options": {"include": ["conversation_quality_overall"]}}}}',
    '{"at": 0.1, "send": {"include": ["conversation_quality_overall"]}}',
    '{"at": 3.1, "segment": {"size": 524288, "head": "1a45dfa3"}}',
    '{"at": 3.5, "send": {"type": "session.close"}}',
    '{"at": 3.6, "recv": {"type": "session.closing", "timestamp": "2026-05-20T10:00:03.6Z", '
    '"correlation_id": "3f1ddab0-0902-5375-a2c6-09124476c33d", '
    '"data": {"max_drain_seconds": 30}}}',
    '{"at": 4.0, "recv": {"type": "session.ended", "timestamp": "2026-05-20T10:00:04Z", '
    '"correlation_id": "3f1ddab0-0902-5375-a2c6-09124476c33d", '
    '"data": {"reason": "client_shutdown"}}}',
    '{"at": 4.1, "lost": 1000}',
)
# Plain strings joined, not an f-string: the JSON's braces would need doubling, and the
# file is a jinja2 template, where a doubled brace is a variable.
_HELP: Final = (
    """\
file format (JSON Lines):
  UTF-8 text, one JSON object per line, each saying what happened on the WebSocket, in
  order. Blank lines are skipped and a byte order mark at the start of the file is ignored.
  A line has exactly one of these keys:
    {"recv": {...}}            a server text frame as received (the whole message)
    {"send": {...}}            a client text frame as sent: a config
                               ({"include": [...], "goal_dimensions": [...]}, either may
                               be left out) or {"type": "session.close"}
    {"segment": {"size": N, "head": "1a45dfa3"}}
                               a binary video frame: its size in bytes (0 to 2**63-1) and,
                               optionally, its first bytes in hex; the rest counts as
                               zeros (it is not built: a large size costs nothing)
    {"lost": 1000}             the WebSocket closed, with its close code (null if unknown)
    {"session": {"index": 1, "media_offset": 54.0}}
                               a Conversation's next session begins (its index, and where
                               its media starts in the conversation, in seconds): the lines
                               after it are checked as a new session
    {"connect": {"version": "v2", "model": "inter-2"}}
                               the protocol version the session speaks and, on v2, the
                               model it opened on (the upgrade's ?model=, inter-2 if left
                               out), before the session's first frame (after its "session"
                               line); a session without one speaks v1
  and may also have "at": when it happened, in seconds on any monotonic clock (null if
  unknown): the replayed session's clocks follow it (check itself reports no deadline).
  A line {"expect": ...} is a test annotation (the CLI's own test files start with one)
  and is ignored; an "expect" key beside an action (how tests/transcripts/ mark the lines
  they expect a breach on) is ignored too.
  Anything else is an invalid line and is reported: a key not listed here, a line that is
  not a JSON object, a value of the wrong type, text that is not UTF-8, JSON that is not
  JSON (NaN, Infinity, a number out of range), a line longer than """
    + str(_MAX_LINE // 2**20)
    + """ MiB.

example (a conforming session):
  """
    + "\n  ".join(_EXAMPLE)
    + """

output:
  One line per problem, FILE:LINE: and then either a contract rule broken (its id, who
  broke it, what the rule says), "undecodable" (a frame that is not a valid message) or
  "invalid line" (see above). Every line is checked, whatever happened on the lines
  before it.
  A move the session's state forbids, made again while the session is still in the state
  it was first made in (the usual sign that the repeats follow from that first breach: with
  no session.ready, every later message breaks ready-first), is printed once, at its first
  line; when the session leaves that state, or the file ends, one line counts the repeats.
  A rule about a frame's content is printed every time, with the value that broke it:
    FILE:3: ready-first (broken by the server): session.ready must be the first ...
    FILE: ... and 12 more `ready-first` violations (lines 5-17)
  Then one line with the number of problems and the state the session ended in (and how
  many sessions the file held, when more than one), and with --summary the session folded
  into the upload API's result shape, from every line that could be replayed (the sessions
  of a conversation on one timeline, as Conversation.summary() stitches them).

exit status:
  0  the session conforms
  1  any problem: a rule broken, an undecodable frame, an invalid line
  2  the file cannot be opened (or stops being readable; what was read is still reported)
"""
)


class TranscriptError(ValueError):
    """A transcript line that is not one of the documented forms."""


class _Line(NamedTuple):
    action: str
    value: Any
    at: float | None


class _DeclaredSegment(bytes):
    """A segment's first bytes that report the recorded size as their len().

    Checking a segment needs only its length and its first bytes, and the engine takes them
    with len() and bytes.startswith(), so this stands in for a recorded segment of any size
    without building it: a 256 MiB segment costs 64 KiB. Everything else - the size checks
    against session.ready, the recorded segments, the sizes in violations - sees the
    recorded size, so the reports are the ones the whole bytes would give (test_cli.py holds
    the two side by side).
    """

    size: int

    def __new__(cls, start: bytes, size: int) -> _DeclaredSegment:
        segment = super().__new__(cls, start)
        segment.size = size
        return segment

    def __len__(self) -> int:
        return self.size


def _kind(value: object) -> str:
    """How a wrong JSON value is named in a reason."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        shown = json.dumps(value)
        return shown if len(shown) <= 24 else "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _names(keys: list[str]) -> str:
    return ", ".join(json.dumps(key) for key in keys)


# JSON itself has no NaN, no Infinity and no limit on numbers; Python's json module takes
# the first two and gives 1e999 as inf, which would only fail later with a confusing message.
def _no_constant(name: str) -> NoReturn:
    raise TranscriptError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise TranscriptError(f"number out of range: {text[:24]}")
    return number


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # longer than Python converts (sys.get_int_max_str_digits)
        raise TranscriptError(f"number out of range: {len(text)} digits") from None


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Each line's number and bytes; None for a line longer than _MAX_LINE, which is
    skipped in pieces rather than held."""
    number = 0
    while line := handle.readline(_MAX_LINE + 1):
        number += 1
        if len(line) <= _MAX_LINE or line.endswith(b"\n"):
            yield number, line
            continue
        while (rest := handle.readline(_MAX_LINE)) and not rest.endswith(b"\n"):
            pass
        yield number, None


def _parse(raw: bytes | None, number: int) -> _Line | None:
    """The line's action, its value and its time; None for a blank line or an annotation."""
    if raw is None:
        raise TranscriptError(f"longer than {_MAX_LINE} bytes")
    if number == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranscriptError(
            f"not UTF-8 text: byte {raw[error.start]:#04x} at column {error.start + 1} "
            f"({error.reason})"
        ) from None
    try:
        entry = json.loads(
            text, parse_constant=_no_constant, parse_float=_finite, parse_int=_integer
        )
    except json.JSONDecodeError as error:
        raise TranscriptError(f"not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(entry, dict):
        raise TranscriptError(f"a line must be a JSON object, not {_kind(entry)}")
    if any(key in entry for key in _ACTIONS):
        # A test may mark the line it expects a breach on ({"expect": [...], "recv": ...}).
        entry = {key: value for key, value in entry.items() if key not in _ANNOTATIONS}
    elif any(key in entry for key in _ANNOTATIONS):
        if len(entry) > 1:
            raise TranscriptError(
                f"a test annotation ({_names(list(_ANNOTATIONS))}) has no other key"
            )
        return None
    unknown = sorted(set(entry) - {*_ACTIONS, "at"})
    actions = [key for key in _ACTIONS if key in entry]
    if unknown or len(actions) != 1:
        if unknown:
            found = f"unknown key {_names(unknown)}"
        else:
            found = f"more than one action ({_names(actions)})" if actions else "no action"
        raise TranscriptError(
            f'{found}: a line has one of {_names(list(_ACTIONS))}, and may have "at"'
        )
    at = entry.get("at")
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float))):
        raise TranscriptError(f'"at" must be a number of seconds, not {_kind(at)}')
    return _Line(actions[0], entry[actions[0]], at)


def _segment(spec: object) -> bytes:
    if not isinstance(spec, dict):
        raise TranscriptError(f'"segment" must be an object with a "size", not {_kind(spec)}')
    unknown = sorted(set(spec) - {"size", "head"})
    if unknown:
        raise TranscriptError(
            f'unknown key {_names(unknown)} in "segment" (it has "size" and may have "head")'
        )
    size, head = spec.get("size"), spec.get("head", "")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= _MAX_SEGMENT_SIZE:
        raise TranscriptError(
            f'"size" must be a whole number of bytes from 0 to {_MAX_SEGMENT_SIZE}, '
            f"not {_kind(size)}"
        )
    if not isinstance(head, str):
        raise TranscriptError(f'"head" must be hex text, not {_kind(head)}')
    try:
        start = bytes.fromhex(head)
    except ValueError:
        raise TranscriptError('"head" must be hex digits, two per byte') from None
    if len(start) > size:
        raise TranscriptError(f'"head" holds {len(start)} bytes, more than "size"')
    built = min(size, max(len(start), _BUILT_SEGMENT_BYTES))
    data = start + bytes(built - len(start))
    return data if built == size else _DeclaredSegment(data, size)


class _Sessions:
    """The sessions a recording holds: one, or a Conversation's, each after its `session`
    line; each is replayed by a strict client of its own."""

    def __init__(self) -> None:
        self.parts: list[tuple[float, ClientConnection, SummaryFold]] = []
        self.used = False  # whether the current session replayed a line yet
        self.named = False  # whether the recording has `session` lines (a Conversation's)
        self.begin(0.0)

    def begin(
        self, media_offset: float, version: str = VERSIONS[0], model: str | None = None
    ) -> None:
        """A new session, speaking `version` (a session without a `connect` line: v1)."""
        # strict: every breach is raised (after the frame is applied, so the replay goes on
        # from what really happened); audit: the recorded client's own mistakes count too.
        fold = SummaryFold()
        client = ClientConnection(strict=True, audit=True, fold=fold, version=version, model=model)
        self.parts.append((media_offset, client, fold))
        self.used = False

    @property
    def rules(self) -> Mapping[str, Rule]:
        """The rules of the protocol version the current session speaks."""
        return protocol_version(self.client.version).rules

    def connect(self, value: object) -> None:
        """A `connect` line: the session speaks this version (and model) from its first frame."""
        if not isinstance(value, dict) or not {"version"} <= set(value) <= {"version", "model"}:
            given = f" with {_names(sorted(value))}" if isinstance(value, dict) and value else ""
            raise TranscriptError(
                '"connect" must be an object with "version" and (v2) "model" only, not '
                + ("an empty object" if value == {} else _kind(value))
                + given
            )
        if self.used:
            raise TranscriptError(
                '"connect" comes before the first frame of its session (the session goes on '
                f"as {self.client.version})"
            )
        version, model = value["version"], value.get("model")
        if version not in VERSIONS:
            shown = json.dumps(version) if isinstance(version, str) else _kind(version)
            raise TranscriptError(f'"version" must be one of {_names(list(VERSIONS))}, not {shown}')
        try:
            opening_keys(version, model)
        except ValueError as error:
            raise TranscriptError(f'"model": {error}') from None
        offset = self.parts.pop()[0]
        self.begin(offset, version, model)

    @property
    def client(self) -> ClientConnection:
        return self.parts[-1][1]

    def session(self, value: object) -> None:
        if not isinstance(value, dict) or set(value) != {"index", "media_offset"}:
            raise TranscriptError(
                '"session" must be an object with "index" and "media_offset" only, '
                f"not {_kind(value)}"
                + (f" with {_names(sorted(value))}" if isinstance(value, dict) else "")
            )
        index, offset = value["index"], value["media_offset"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise TranscriptError(f'"index" must be a whole number >= 0, not {_kind(index)}')
        if isinstance(offset, bool) or not isinstance(offset, (int, float)) or offset < 0:
            raise TranscriptError(
                f'"media_offset" must be a number of seconds >= 0, not {_kind(offset)}'
            )
        expected = len(self.parts) if self.used else len(self.parts) - 1
        if index != expected:
            raise TranscriptError(f'"index" {index} is not the next session\'s, {expected}')
        if offset < self.parts[-1][0]:
            raise TranscriptError(
                f'"media_offset" {offset} is before the previous session\'s {self.parts[-1][0]}'
            )
        self.named = True
        if self.used:
            self.begin(float(offset))
        else:  # the recording's first session, named
            self.parts[-1] = (float(offset), *self.parts[-1][1:])

    def summary(self) -> SessionSummary:
        if not self.named:
            return self.parts[0][2].summary()
        parts = []
        for offset, client, fold in self.parts:
            part = fold.summary()
            # Graceful, as the Conversation judges it: session.ended, then a normal close.
            graceful = part.complete and client.close_code in (None, 1000)
            parts.append(SessionPart(offset, part, graceful, client.ready is not None))
        return stitch_summaries(parts, DEFAULT_SEAM_TOLERANCE_SECONDS)


def _replay(sessions: _Sessions, line: _Line) -> None:
    action, value, now = line
    if action in _FRAMES and not isinstance(value, dict):
        raise TranscriptError(
            f'"{action}" must be a JSON object ({_FRAMES[action]}), not {_kind(value)}'
        )
    if action == "session":
        sessions.session(value)
        return
    if action == "connect":
        sessions.connect(value)
        return
    sessions.used = True
    client = sessions.client
    if action == "recv":
        # The fold is attached to the client: it gets what the client applied, also when
        # the strict client raises after applying.
        client.receive_message(json.dumps(value), now=now)
    elif action == "send":
        # Decoded as a server would: the shape, the closed value sets and unknown fields are
        # checked for both frames, the way the spec says, before the contract is.
        if _shapeless_config(value):
            # Not decodable as a config, but what a caller can hand send_config: the
            # contract names it (config-well-formed).
            client.send_config(value.get("include"), value.get("goal_dimensions"), now=now)
            return
        bundle = protocol_version(client.version)
        frame = bundle.decode_client_message(json.dumps(value))
        if isinstance(frame, bundle.models.SessionClose):
            client.send_close(now=now)
        else:
            # v2's sticky keys (D52) are replayed as sent; a v1 config has neither.
            model = getattr(frame, "model", UNSET)
            audio_format = getattr(frame, "audio_format", UNSET)
            client.send_config(
                None if frame.include is UNSET else frame.include,
                None if frame.goal_dimensions is UNSET else frame.goal_dimensions,
                now=now,
                model=None if model is UNSET else model,
                audio_format=None if audio_format is UNSET else audio_format,
            )
    elif action == "segment":
        client.send_segment(_segment(value), now=now)
    else:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TranscriptError(f'"lost" must be a close code or null, not {_kind(value)}')
        client.connection_lost(value)  # finalises the attached fold


def _shapeless_config(value: Any) -> bool:
    """A config frame whose fields are there but are not lists (a bare string, say)."""
    fields = ("include", "goal_dimensions")
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= set(fields)
        and any(value[name] is not None and not isinstance(value[name], list) for name in value)
    )


_STATE_RULES: Final = frozenset(
    target.id for target in MOVES.values() if not isinstance(target, SessionState)
)


class _Run:
    """Repeats of one rule, broken in one state, not printed one by one."""

    __slots__ = ("count", "first", "last", "state")

    def __init__(self, state: str) -> None:
        self.state = state
        self.count = 0
        self.first = self.last = 0


class _Report:
    """Prints each problem with its line as it is found, counting repeated breaches of a
    rule instead (see "output" in _HELP)."""

    def __init__(self, path: Path, out: TextIO) -> None:
        self.path = path
        self.out = out
        self.problems = 0
        self._runs: dict[str, _Run] = {}

    def problem(self, number: int, what: str) -> None:
        self.problems += 1
        print(f"{self.path}:{number}: {what}", file=self.out)

    def breach(
        self, number: int, rule: str, says: str, state: str, *, detail: str, breaker: str
    ) -> None:
        run = self._runs.get(rule)
        # Only a move the table forbids follows from the state an earlier breach left; a
        # breach of a content rule is its own, with its own value, and is always printed.
        if run is not None and run.state == state and rule in _STATE_RULES:
            self.problems += 1
            run.count += 1
            run.first = run.first or number
            run.last = number
            return
        self._close(rule)
        self._runs[rule] = _Run(state)
        text = f"{rule} (broken by the {breaker}): {says}"
        self.problem(number, f"{text} ({detail})" if detail else text)

    def settle(self, state: str) -> None:
        """After each line: the runs of a state the session has left are over."""
        for rule in [rule for rule, run in self._runs.items() if run.state != state]:
            self._close(rule)

    def finish(self) -> None:
        for rule in list(self._runs):
            self._close(rule)

    def _close(self, rule: str) -> None:
        run = self._runs.pop(rule, None)
        if run is None or not run.count:
            return
        if run.count == 1:
            more = f"1 more `{rule}` violation (line {run.first})"
        else:
            more = f"{run.count} more `{rule}` violations (lines {run.first}-{run.last})"
        print(f"{self.path}: ... and {more}", file=self.out)


def _check_line(sessions: _Sessions, report: _Report, number: int, raw: bytes | None) -> None:
    action = "line"
    try:
        line = _parse(raw, number)
        if line is None:
            return
        action = line.action
        _replay(sessions, line)
    except RemoteProtocolError as error:
        for violation in error.violations:
            detail = getattr(violation, "detail", "")
            breaker = sessions.rules[violation.rule].breaker
            report.breach(
                number,
                violation.rule,
                violation.says,
                violation.state,
                detail=detail,
                breaker=breaker,
            )
    except ProtocolError as error:
        detail = getattr(error, "detail", "")
        breaker = sessions.rules[error.rule].breaker
        report.breach(number, error.rule, error.says, error.state, detail=detail, breaker=breaker)
    except DecodeError as error:
        report.problem(number, f"undecodable {_FRAMES.get(action, 'frame')}: {error}")
    except TranscriptError as error:
        report.problem(number, f"invalid line: {error}")
    except RecursionError:
        report.problem(number, "invalid line: JSON nested too deeply")
    except Exception as error:
        # Every input above has a reason of its own; this is for the one nobody thought of,
        # so that it is still one line of the report and not the end of the check.
        report.problem(
            number,
            f"could not be checked ({type(error).__name__}: {error}); "
            "this is a bug in interhuman_stream, please report it",
        )


def check(path: Path, out: TextIO, *, summary: bool = False) -> int:
    """Replay one transcript; print each problem (and, with `summary`, the session folded
    into the upload result's shape); return the exit status."""
    sessions = _Sessions()
    report = _Report(path, out)
    try:
        handle = path.open("rb")
    except OSError as error:
        print(f"{path}: cannot open: {error.strerror or error}", file=sys.stderr)
        return 2
    status = 0
    number = 0
    with handle:
        try:
            for number, raw in _lines(handle):
                _check_line(sessions, report, number, raw)
                report.settle(sessions.client.state.value)
        except OSError as error:
            print(f"{path}: cannot read after line {number}: {error}", file=sys.stderr)
            status = 2
    report.finish()
    count = len(sessions.parts)
    held = f", {count} sessions" if count > 1 else ""
    state = sessions.client.state.value
    print(f"{path}: {report.problems} problem(s), final state {state}{held}", file=out)
    if summary:
        print(msgspec.json.format(encode_summary(sessions.summary()), indent=2).decode(), file=out)
    return status or (1 if report.problems else 0)


KEY_VARIABLE: Final = "INTERHUMAN_API_KEY"


def stream_file(
    source: str,
    *,
    url: str,
    record: Path | None,
    method: str,
    include: list[str] | None,
    goal_dimensions: list[str] | None,
    out: TextIO,
    version: str = "v1",
) -> int:
    """Stream a media file (or stdin, "-") to the service over as many sessions as it takes
    (a Conversation: rollovers before the server's maximum, retries after a drop); print
    each message as it arrives and the one summary at the end. The key comes from
    INTERHUMAN_API_KEY. `version` is the protocol version the URL's endpoint speaks; on v2
    the model is the URL's `model` query parameter."""
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        print(f"set {KEY_VARIABLE} to your API key (it is never printed)", file=sys.stderr)
        return 2
    try:
        import asyncio  # noqa: PLC0415 - only this command needs it

        from .clients import aio, media  # noqa: PLC0415 - an optional extra
        from .clients._common import default_conversation  # noqa: PLC0415 - with the clients
    except ImportError as error:
        print(
            f'streaming needs the asyncio client: pip install "interhuman-stream[asyncio]" '
            f"({error.name} is missing)",
            file=sys.stderr,
        )
        return 2
    try:
        if source == "-":
            file_source = media.FileSource(sys.stdin.buffer.read())
        else:
            file_source = media.FileSource(Path(source))
    except (OSError, media.MediaError) as error:
        print(f"{source}: {error}", file=sys.stderr)
        return 2

    def show(message: object) -> None:
        print(_one_line(message), file=out, flush=True)

    recording = record.open("wb") if record is not None else None
    record_to = None if recording is None else recording.write
    conversation = default_conversation(url, {"version": version}, record_to)
    try:
        summary = asyncio.run(
            aio.stream_conversation(
                url,
                key,
                file_source,
                include="offered" if include is None else include,
                goal_dimensions=goal_dimensions,
                method=method,  # type: ignore[arg-type]
                conversation=conversation,
                on_message=show,
                version=version,
            )
        )
    except media.MediaError as error:  # a file that cannot restart at a seam
        print(f"{source}: {error}", file=sys.stderr)
        return 2
    except aio.StreamError as error:
        print(f"stream failed: {error}", file=sys.stderr)
        partial = getattr(error, "summary", None)
        if partial is not None:
            print(msgspec.json.format(encode_summary(partial), indent=2).decode(), file=out)
        return 1
    finally:
        if recording is not None:
            recording.close()
    print(msgspec.json.format(encode_summary(summary), indent=2).decode(), file=out)
    return 0


def _one_line(message: object) -> str:
    kind = getattr(message, "type", None) or type(message).__struct_config__.tag  # type: ignore[attr-defined]
    data = getattr(message, "data", None)
    shown = msgspec.json.encode(data).decode() if data is not None else ""
    return f"{kind} {shown[:200]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interhuman_stream")
    commands = parser.add_subparsers(dest="command", required=True)
    check_command = commands.add_parser(
        "check",
        help="check a recorded session against the contract",
        description="Replay a recorded session (JSON Lines) as the client saw it and report "
        "every contract violation, undecodable frame and invalid line, with its line number.",
        epilog=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_command.add_argument("transcript", type=Path, help="JSON Lines file, one frame per line")
    check_command.add_argument(
        "--summary", action="store_true", help="also print the session in the upload result's shape"
    )
    stream_command = commands.add_parser(
        "stream",
        help="stream a media file to the service and print what it finds",
        description="Stream a media file (or stdin: -) to the Streaming Analyze endpoint, "
        "print each message as it arrives and the summary at the end. Media longer than a "
        "session goes over successive sessions (rolled over before the server's maximum, "
        "retried after a drop) into one summary on one timeline; --record writes them all "
        "to one file, each after its own session line, which check replays. The key "
        f"comes from the environment variable {KEY_VARIABLE}. WebM and fragmented MP4 are "
        "cut as they are; other media is remuxed with PyAV (the [media] extra). Needs the "
        'asyncio client: pip install "interhuman-stream[asyncio]".',
    )
    stream_command.add_argument("media", help="a media file, or - for stdin")
    stream_command.add_argument(
        "--url", help=f"the endpoint (default {DEFAULT_URL}, or v2's with --api-version v2)"
    )
    stream_command.add_argument(
        "--api-version",
        choices=VERSIONS,
        default=VERSIONS[0],
        help="the protocol version the endpoint speaks (default %(default)s)",
    )
    stream_command.add_argument(
        "--model",
        help="v2: the model to open the session on (default inter-2); with --url, give it "
        "there (?model=...)",
    )
    stream_command.add_argument(
        "--record", type=Path, help="also write the session as JSONL for `check`"
    )
    stream_command.add_argument(
        "--method", choices=("bearer", "subprotocol"), default="bearer", help="how the key travels"
    )
    stream_command.add_argument(
        "--include", action="append", help="an include flag (default: every one offered)"
    )
    stream_command.add_argument("--goal", action="append", help="a goal dimension")
    args = parser.parse_args(argv)
    if args.command == "stream":
        if args.model is not None and args.url is not None:
            parser.error("--model builds the default URL: with --url, put ?model= in it")
        try:
            url = args.url or endpoint_url(args.api_version, model=args.model)
        except ValueError as error:
            parser.error(str(error))
        return stream_file(
            args.media,
            version=args.api_version,
            url=url,
            record=args.record,
            method=args.method,
            include=args.include,
            goal_dimensions=args.goal,
            out=sys.stdout,
        )
    return check(args.transcript, sys.stdout, summary=args.summary)


if __name__ == "__main__":
    sys.exit(main())
