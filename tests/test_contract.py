"""Contract transcripts: one recorded session per file, replayed by the conformance CLI and
played again by the server role.

Each line the strict replay must report carries what it must report, as its first key:
{"expect": ["rule", ...], "at": ..., "recv": {...}}. The replay must report exactly those
[line, rule] pairs, in order (tests/conftest.py reads the marks and hands the CLI a copy
without them, line for line), so a line inserted or removed moves no expectation. Every rule
of the contract has a conforming and a violating file.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import interhuman_stream as ih
import interhuman_stream.v2
from conftest import ROOT, transcript_marks, unmarked, unmarked_text
from interhuman_stream.__main__ import check
from interhuman_stream._versions import protocol_version

TRANSCRIPTS = sorted((ROOT / "tests" / "transcripts").glob("*.jsonl"))
REPORT = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<what>invalid line|[a-z0-9-]+)\b")
# Every version's rules: v2's are v1's with the ones it adds (D48, D56).
RULES_OF = {"v1": ih.RULES, "v2": interhuman_stream.v2.RULES}
# What a mark may name: a rule, or what the check says about a line that is not a message.
REPORTABLE = {*RULES_OF["v2"], "undecodable", "invalid line"}


def connected(path: Path) -> dict[str, Any]:
    """What the recording's `connect` line names (a session without one speaks v1)."""
    for text in unmarked_text(path).splitlines():
        if text.strip():
            entry = json.loads(text)
            if "connect" in entry:
                return dict(entry["connect"])
    return {"version": "v1"}


def replay(path: Path, directory: Path) -> tuple[int, list[list[object]], str]:
    """Check the transcript as the CLI does, on its copy without the marks."""
    out = io.StringIO()
    status = check(unmarked(path, directory), out)
    reported = []
    for line in out.getvalue().splitlines():
        match = REPORT.match(line)
        if match:
            reported.append([int(match["line"]), match["what"]])
    return status, reported, out.getvalue()


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, tmp_path: Path) -> None:
    expected = transcript_marks(path)
    status, reported, output = replay(path, tmp_path)
    assert reported == expected, output
    assert status == (1 if expected else 0), output


def test_expectations_are_marks_on_the_lines() -> None:
    for path in TRANSCRIPTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            entry = json.loads(line)
            # No line is an annotation of its own (the old first-line form is gone).
            assert set(entry) - {"expect"}, f"{path.name}:{number}: {line[:60]}"
        for number, rule in transcript_marks(path):
            assert rule in REPORTABLE, f"{path.name}:{number}: {rule!r}"


def test_a_line_inserted_above_moves_no_expectation(tmp_path: Path) -> None:
    original = ROOT / "tests" / "transcripts" / "signal-updated-active--violation.jsonl"
    expected = transcript_marks(original)
    assert len(expected) == 2
    lines = original.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith('{"expect"'))
    # A line a recording may hold anywhere: a message of a type this package does not know.
    recorded = json.loads(lines[0])["recv"]
    unknown = {"recv": {**recorded, "type": "transcript.updated", "data": {"text": "hi"}}}
    edited = tmp_path / "edited" / original.name
    edited.parent.mkdir()
    edited.write_text(
        "\n".join([*lines[:first], json.dumps(unknown), "", *lines[first:]]), encoding="utf-8"
    )
    moved = transcript_marks(edited)
    assert moved == [[line + 2, rule] for line, rule in expected]
    status, reported, output = replay(edited, tmp_path)
    assert (status, reported) == (1, moved), output


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('{"lost": 1000, "expect": ["connection-closed"]}', "first key"),
        ('{"expect": ["connection-closed"]}', "not on its own"),
        ('{"expect": [], "lost": 1000}', "[]"),
        ('{"expect": "connection-closed", "lost": 1000}', "first key"),
    ],
)
def test_a_misplaced_mark_is_refused(tmp_path: Path, line: str, complaint: str) -> None:
    transcript = tmp_path / "misplaced.jsonl"
    transcript.write_text('{"lost": 1000}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=re.escape("misplaced.jsonl:2: ")) as caught:
        transcript_marks(transcript)
    assert complaint in str(caught.value)


def test_the_unmarked_copy_is_the_recording_line_for_line(tmp_path: Path) -> None:
    for path in TRANSCRIPTS:
        marked = path.read_text(encoding="utf-8").split("\n")
        copy = unmarked(path, tmp_path).read_text(encoding="utf-8").split("\n")
        assert len(copy) == len(marked), path.name
        for number, (line, kept) in enumerate(zip(marked, copy, strict=True), 1):
            entry = json.loads(line) if line.strip() else None
            if entry is None or "expect" not in entry:
                assert kept == line, f"{path.name}:{number}"
            else:
                del entry["expect"]
                assert json.loads(kept) == entry, f"{path.name}:{number}"
                assert kept == "{" + line.split("], ", 1)[1], f"{path.name}:{number}"


def events_of_rule(rule: str, version: str = "v1") -> set[str]:
    """The events a rule is about: those it forbids in some state, and those it guards (a
    guard on `*` is about every event the server sends), on a protocol version."""
    from interhuman_stream._contract import EVENT_SENDERS, MOVES
    from interhuman_stream._versions import protocol_version

    guards = protocol_version(version).guards
    forbidden = {
        event
        for (event, _state), target in MOVES.items()
        if isinstance(target, ih.Rule) and target.id == rule
    }
    guarded: set[str] = set()
    for guard in guards:
        if guard.rule.id != rule:
            continue
        if guard.event == "*":
            guarded |= {event for event, sender in EVENT_SENDERS.items() if sender == "server"}
        else:
            assert guard.event in EVENT_SENDERS, (rule, guard.event)
            guarded.add(guard.event)
    return forbidden | guarded


def test_a_star_guard_is_about_every_server_event() -> None:
    from interhuman_stream._contract import EVENT_SENDERS, GUARDS

    starred = {guard.rule.id for guard in GUARDS if guard.event == "*"}
    assert starred  # one-correlation-id (D37): else this helper's branch is dead
    server_events = {event for event, sender in EVENT_SENDERS.items() if sender == "server"}
    for rule in starred:
        assert server_events <= events_of_rule(rule), rule


def line_events(path: Path) -> set[str]:
    found = set()
    for text in unmarked_text(path).splitlines():
        if not text.strip():
            continue
        entry = json.loads(text)
        if "recv" in entry:
            found.add(entry["recv"]["type"])
        elif "send" in entry:
            found.add("close" if entry["send"].get("type") == "session.close" else "config")
        elif "segment" in entry:
            found.add("segment")
        elif "lost" in entry:
            found.add("connection_lost")
    return found


def test_v2_adds_rules_and_rewords_one() -> None:
    v1, v2 = RULES_OF["v1"], RULES_OF["v2"]
    added = set(v2) - set(v1)
    assert added == {"model-before-media", "audio-format-fixed", "audio-format-audio-model"}
    assert all(v2[rule].breaker == "client" for rule in added)
    changed = {rule for rule in v1 if v2[rule] != v1[rule]}
    assert changed == {"signal-updated-changed"}  # v2 has no modality (D51)
    assert "modality" in v1["signal-updated-changed"].says
    assert "modality" not in v2["signal-updated-changed"].says


@pytest.mark.parametrize("version", sorted(RULES_OF))
def test_every_rule_is_covered_both_ways(version: str) -> None:
    names = {p.stem for p in TRANSCRIPTS}
    for rule in RULES_OF[version]:
        if version != "v1" and RULES_OF["v1"].get(rule) is not None:
            continue  # a rule v1 has too: its transcripts are v1 sessions
        assert f"{rule}--ok" in names, rule
        assert f"{rule}--violation" in names, rule
        violating = ROOT / "tests" / "transcripts" / f"{rule}--violation.jsonl"
        assert rule in {str(r) for _, r in transcript_marks(violating)}, rule
        conforming = ROOT / "tests" / "transcripts" / f"{rule}--ok.jsonl"
        assert transcript_marks(conforming) == [], rule
        # Both are sessions of the version whose rule it is.
        assert connected(violating)["version"] == connected(conforming)["version"] == version
        # The conforming session does what the rule is about, the right way.
        assert line_events(conforming) & events_of_rule(rule, version), rule


def test_cli_entry_point_reports_lines_and_exit_status(tmp_path: Path) -> None:
    violating = unmarked(ROOT / "tests" / "transcripts" / "ready-once--violation.jsonl", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(violating)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    (line, rule) = transcript_marks(ROOT / "tests" / "transcripts" / violating.name)[0]
    assert f"{violating}:{line}: {rule} (broken by the server)" in result.stdout

    missing = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2


# -- the same recordings, played by the server role ----------------------------------------

# Rules the server role cannot see broken in a recording made on the client side: the client
# broke them by what it knew (it had not yet seen session.ready, or had already sent its
# close), frames that crossed on the wire, things a ServerConnection answers itself
# (configs, malformed configs, closes, oversized segments) instead of reporting, or what a
# ServerConnection cannot emit at all (an envelope with another connection's correlation id).
SERVER_CANNOT_SEE = {
    "no-video-before-ready",
    "nothing-after-close",
    "session-over",
    "closing-answers-close",
    "ended-after-closing",
    "updated-answers-config",
    "segment-container",
    "segment-size",
    "config-supported",
    "config-well-formed",
    "config-backlog",  # the replayed server answers each config at once: none waits
    "one-correlation-id",
}


def test_rules_the_server_cannot_see_are_rules() -> None:
    assert not SERVER_CANNOT_SEE - set(ih.RULES), SERVER_CANNOT_SEE - set(ih.RULES)


def _tag(message: Any) -> Any:
    return type(message).__struct_config__.tag


class ServerReplay:
    """Play a recording as the server: emit each recorded server message through a
    ServerConnection, feed it each client frame, and collect what it refuses or records."""

    def __init__(self, path: Path) -> None:
        self.lines = [
            (number, json.loads(text))
            for number, text in enumerate(unmarked_text(path).splitlines(), 1)
            if text.strip()
        ]
        opened = connected(path)
        self.decode = protocol_version(opened["version"]).decode_server_message
        received = [self.decode(json.dumps(e["recv"])) for _, e in self.lines if "recv" in e]
        self.ready = next(m for m in received if _tag(m) == "session.ready")
        self.server = ih.ServerConnection(self.ready.data, self.ready.correlation_id, **opened)
        self.stamp = self.ready.timestamp
        self.reported: list[list[object]] = []
        self.held_close: int | None = None
        # The service sends session.ready as it accepts the upgrade, so the replayed server
        # starts first, unless the recording shows it breaking exactly that.
        self.starts_first = _tag(received[0]) == "session.ready"
        if self.starts_first:
            self.server.start(timestamp=self.stamp)

    def run(self, number: int, action: Any, *args: Any, **options: Any) -> None:
        seen = self.server.violation_count
        try:
            action(*args, timestamp=self.stamp, **options)
        except ih.LocalProtocolError as error:
            self.reported.append([number, error.rule])
        self.reported.extend([number, v.rule] for v in self.server.violations[seen:])

    def take_close(self) -> None:
        if self.held_close is not None:
            line, self.held_close = self.held_close, None
            self.run(line, self.server.receive_text, '{"type": "session.close"}')

    def recv(self, number: int, recorded: dict[str, Any], now: float | None) -> None:
        message = self.decode(json.dumps(recorded))
        if isinstance(message, ih.UnknownMessage):
            return
        self.stamp, kind = message.timestamp, _tag(message)
        if kind in ("session.closing", "session.ended"):
            self.take_close()  # the server took the close when it answered it
        answered = kind in ("session.updated", "session.closing") or (
            kind == "error" and message.data.code == "ih6001"
        )
        if answered or (kind == "session.ready" and self.starts_first and message == self.ready):
            return
        if kind == "session.ready":
            self.run(number, self.server.start, now=now)
        else:
            self.run(number, self.server.send, kind, message.data, now=now)

    def play(self) -> list[list[object]]:
        for number, entry in self.lines:
            now = entry.get("at")
            if "recv" in entry:
                self.recv(number, entry["recv"], now)
            elif "send" in entry and entry["send"].get("type") == "session.close":
                self.held_close = number
            elif "send" in entry:
                self.run(number, self.server.receive_text, json.dumps(entry["send"]), now=now)
            elif "segment" in entry:
                head = bytes.fromhex(entry["segment"].get("head", ""))
                data = head + bytes(entry["segment"]["size"] - len(head))
                self.run(number, self.server.receive_segment, data, now=now)
            elif "lost" in entry:
                self.take_close()
                try:
                    self.server.connection_lost(entry["lost"])
                except ih.LocalProtocolError as error:
                    self.reported.append([number, error.rule])
        return self.reported


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_the_server_role_sees_the_same_session(path: Path) -> None:
    expected = transcript_marks(path)
    reported = ServerReplay(path).play()
    if not expected:
        assert reported == []  # a conforming session conforms from both ends
        return
    line, rule = expected[0]
    if rule in SERVER_CANNOT_SEE:
        return
    assert reported and reported[0] == [line, rule], reported
