"""Contract transcripts: one recorded session per file, replayed by the conformance CLI.

Each file's first line is {"expect": [[line, rule], ...]}: the violations the strict replay
must report, in order. Every rule of the contract has a conforming and a violating file.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import interhuman_stream as ih
from conftest import ROOT
from interhuman_stream.__main__ import check

TRANSCRIPTS = sorted((ROOT / "tests" / "transcripts").glob("*.jsonl"))
REPORT = re.compile(r"^(?P<path>.+):(?P<line>\d+): (?P<what>[a-z0-9-]+)\b")


def expectation(path: Path) -> list[list[object]]:
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"expect"}, f"{path.name}: the first line must be the expectation"
    expected: list[list[object]] = first["expect"]
    return expected


def replay(path: Path) -> tuple[int, list[list[object]], str]:
    out = io.StringIO()
    status = check(path, out)
    reported = []
    for line in out.getvalue().splitlines():
        match = REPORT.match(line)
        if match:
            reported.append([int(match["line"]), match["what"]])
    return status, reported, out.getvalue()


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path) -> None:
    expected = expectation(path)
    status, reported, output = replay(path)
    assert reported == expected, output
    assert status == (1 if expected else 0), output


def test_every_rule_is_covered_both_ways() -> None:
    names = {p.stem for p in TRANSCRIPTS}
    for rule in ih.RULES:
        assert f"{rule}--ok" in names, rule
        assert f"{rule}--violation" in names, rule
        violating = ROOT / "tests" / "transcripts" / f"{rule}--violation.jsonl"
        assert rule in {str(r) for _, r in expectation(violating)}, rule
        conforming = ROOT / "tests" / "transcripts" / f"{rule}--ok.jsonl"
        assert expectation(conforming) == [], rule


def test_cli_entry_point_reports_lines_and_exit_status(tmp_path: Path) -> None:
    violating = ROOT / "tests" / "transcripts" / "ready-once--violation.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(violating)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    (line, rule) = expectation(violating)[0]
    assert f"{violating}:{line}: {rule} (broken by the server)" in result.stdout

    missing = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2


def test_cli_reports_undecodable_and_malformed_lines(tmp_path: Path) -> None:
    transcript = tmp_path / "bad.jsonl"
    transcript.write_text(
        '{"recv": {"type": "signal.detected", "data": {}}}\n'
        '{"send": {"model": "inter-2"}}\n'
        "\n"
        '{"note": "skipped"}\n',
        encoding="utf-8",
    )
    status, reported, output = replay(transcript)
    assert status == 1
    assert [line for line, _ in reported] == [1, 2]
    assert "undecodable" in output and "invalid line" in output
