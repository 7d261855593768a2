"""The `check` command line: its help, its input corpus of broken files, hostile lines, and its
limits.

Each file in tests/data/cli/ starts with {"expect": [[line, text], ...]}: every line the
check must print about the file, in order, as "FILE:LINE: text..." (a null line stands for a
"FILE: ... and N more" line); the exit status is 1 when anything is expected, 0 otherwise.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from harness import WEBM_HEAD, Pair, envelope, ready_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interhuman_stream as ih
import interhuman_stream.__main__ as cli
from conftest import ROOT, transcript_marks, unmarked, unmarked_text
from interhuman_stream.__main__ import check, main

CORPUS = sorted((ROOT / "tests" / "data" / "cli").glob("*.jsonl"))
TRANSCRIPTS = sorted((ROOT / "tests" / "transcripts").glob("*.jsonl"))
SUMMARIES = ROOT / "tests" / "summaries"


def run(path: Path, *, summary: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    status = check(path, out, summary=summary)
    return status, out.getvalue()


def reports(path: Path, output: str) -> list[tuple[int | None, str]]:
    """What the check said about the file's lines: (line, text), line None for a count."""
    found: list[tuple[int | None, str]] = []
    for text in output.splitlines():
        if text.startswith(f"{path}: ... and "):
            found.append((None, text.removeprefix(f"{path}: ")))
        elif match := re.match(rf"{re.escape(str(path))}:(\d+): (.*)", text):
            found.append((int(match[1]), match[2]))
    return found


def expectation(path: Path) -> list[tuple[int | None, str]]:
    first = path.read_bytes().removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    return [(line, text) for line, text in json.loads(first)["expect"]]


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) > 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_broken_input(path: Path) -> None:
    expected = expectation(path)
    status, output = run(path)
    got = reports(path, output)
    assert [line for line, _ in got] == [line for line, _ in expected], output
    for (_, text), (_, start) in zip(got, expected, strict=True):
        assert text.startswith(start), output
    assert status == (1 if expected else 0), output
    # The check went on to the end of the file: each corpus session is closed on its last line.
    assert output.splitlines()[-1].endswith("final state closed"), output


@pytest.mark.parametrize(
    "path",
    [CORPUS[0].parent / "nested-100000-brackets.jsonl", CORPUS[0].parent / "not-utf8.jsonl"],
    ids=["nested", "not-utf8"],
)
def test_no_traceback_from_the_command(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == ""
    assert f"{path}:4: invalid line: " in result.stdout


def help_text() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main(["check", "--help"])
    assert exited.value.code == 0
    return out.getvalue()


def test_help_describes_the_format_and_the_exit_status() -> None:
    text = help_text()
    for form in ('{"recv":', '{"send":', '{"segment": {"size": N, "head":', '{"lost":'):
        assert form in text
    assert '"at"' in text and "monotonic" in text
    assert '{"type": "session.close"}' in text and '"include"' in text
    assert '{"expect": ...} is a test annotation' in text and "ignored" in text
    assert f"longer than {cli._MAX_LINE // 2**20} MiB" in text
    assert "... and 12 more `ready-first` violations (lines 5-17)" in text
    exit_status = text[text.index("exit status:") :]
    assert re.search(r"^  0  the session conforms$", exit_status, re.MULTILINE)
    assert re.search(r"^  1  any problem", exit_status, re.MULTILINE)
    assert re.search(r"^  2  the file cannot be opened", exit_status, re.MULTILINE)


def test_the_help_example_is_a_conforming_session_of_every_form(tmp_path: Path) -> None:
    text = help_text()
    section = text[text.index("example (a conforming session):") : text.index("output:")]
    lines = [line.strip() for line in section.splitlines() if line.startswith("  {")]
    assert {key for line in lines for key in json.loads(line)} == {"at", *cli._ACTIONS}
    example = tmp_path / "example.jsonl"
    example.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, output = run(example)
    assert (status, output) == (0, f"{example}: 0 problem(s), final state closed\n")


def test_a_file_that_cannot_be_opened_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tmp_path / "missing.jsonl", io.StringIO()) == 2
    assert "missing.jsonl: cannot open" in capsys.readouterr().err
    assert check(tmp_path, io.StringIO()) == 2  # a directory
    assert f"{tmp_path}: cannot open" in capsys.readouterr().err


class Unreadable(io.BytesIO):
    """A file whose reads fail after its first line (a disk or network error)."""

    def readline(self, size: int | None = -1, /) -> bytes:
        if self.tell():
            raise OSError(5, "Input/output error")
        return super().readline(size)


def test_a_file_that_stops_being_readable_exits_2_with_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session = unmarked_text(ROOT / "tests/transcripts/ready-once--violation.jsonl").encode()
    assert b'"session.ready"' in session.split(b"\n", 1)[0]
    monkeypatch.setattr(Path, "open", lambda self, mode="r": Unreadable(session))
    status, output = run(tmp_path / "session.jsonl", summary=True)
    assert status == 2
    assert "cannot read after line 1" in capsys.readouterr().err
    assert "0 problem(s), final state streaming" in output  # line 1 was replayed
    assert '"signals": []' in output  # the summary of what was read


def test_a_line_too_long_is_skipped_without_holding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_MAX_LINE", 100)
    transcript = tmp_path / "long.jsonl"
    transcript.write_text(
        '{"lost": ' + "1" * 350 + "}\n" + '{"lost": "x"}\n' + "x" * 100 + "\n", encoding="utf-8"
    )
    status, output = run(transcript)
    assert status == 1
    assert reports(transcript, output) == [
        (1, "invalid line: longer than 100 bytes"),
        (2, 'invalid line: "lost" must be a close code or null, not a string'),
        (3, "invalid line: not JSON: Expecting value at column 1"),  # exactly the limit
    ]


@pytest.mark.parametrize(
    "line",
    [
        '{"segment": 5}',
        '{"segment": {"size": -1}}',
        '{"segment": {"size": 1e12}}',
        '{"segment": {"size": 10, "head": "zz"}}',
        '{"segment": {"size": 1, "head": "0011"}}',
        '{"at": "x", "send": {"type": "session.close"}}',
        '{"lost": "later"}',
        '{"recv": "session.ready"}',
        '{"send": [1]}',
        "[1, 2]",
        '"just text"',
        "{not json",
    ],
)
def test_cli_reports_hostile_lines_and_goes_on(tmp_path: Path, line: str) -> None:
    transcript = tmp_path / "hostile.jsonl"
    transcript.write_text(line + "\n" + '{"lost": 1000}\n', encoding="utf-8")
    status, output = run(transcript)
    assert status == 1
    assert f"{transcript}:1: invalid line" in output, output
    assert "final state closed" in output  # the replay went on to line 2


def test_cli_reports_a_line_that_is_not_text(tmp_path: Path) -> None:
    transcript = tmp_path / "binary.jsonl"
    transcript.write_bytes(b"\xff\xfe\x00garbage")
    out = io.StringIO()
    assert check(transcript, out) == 1
    assert f"{transcript}:1: invalid line: not UTF-8" in out.getvalue()


def test_cli_reports_undecodable_and_malformed_lines(tmp_path: Path) -> None:
    transcript = tmp_path / "bad.jsonl"
    transcript.write_text(
        '{"recv": {"type": "signal.detected", "data": {}}}\n'
        '{"send": {"model": "inter-2"}}\n'
        "\n"
        '{"note": "an unknown key"}\n',
        encoding="utf-8",
    )
    status, output = run(transcript)
    assert status == 1
    assert [line for line, _ in reports(transcript, output)] == [1, 2, 4]
    assert "undecodable" in output and "invalid line" in output


# -- segments by their declared size -----------------------------------------------------


def test_ten_256_mib_segments_take_no_time_and_no_memory() -> None:
    path = CORPUS[0].parent / "segments-of-256-mib.jsonl"
    tracemalloc.start()
    try:
        started = time.perf_counter()
        status, output = run(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 1 and "10 problem(s)" in output, output
    assert elapsed < 2.0
    assert peak < 50 * 2**20


SNIFFED_HEADS = {
    "webm": "1a45dfa39f4286810142f7810142f2810442f381084282847765626d",
    "mp4": "0000001866747970" + "69736f6d",
    "mpeg-ts": ("47" + "00" * 187) * 3,
    "mpeg-ts, one packet": "47" + "00" * 187,
    "m2ts": ("00000000" + "47" + "00" * 187) * 3,
    "avi": "52494646" + "00000000" + "41564920",
    "continuation": "1f43b675",
    "nothing": "",
}


def ready_line(max_size: int) -> str:
    lines = unmarked_text(ROOT / "tests/transcripts/segment-size--ok.jsonl").split("\n")
    ready = next(json.loads(line) for line in lines if '"session.ready"' in line)
    ready["recv"]["data"].update(min_segment_size_bytes=70_000, max_segment_size_bytes=max_size)
    return json.dumps(ready["recv"])


def replayed(segments: list[bytes], max_size: int) -> tuple[Any, ...]:
    client = ih.ClientConnection(audit=True)
    client.receive_message(ready_line(max_size))
    for data in segments:
        client.send_segment(data)
    return client.segments_sent, [(v.rule, v.received) for v in client.violations]


@pytest.mark.parametrize("head", SNIFFED_HEADS.values(), ids=SNIFFED_HEADS.keys())
@pytest.mark.parametrize("size", [65_536, 65_537, 69_999, 70_000, 200_000, 200_001, 3_000_000])
def test_a_declared_segment_is_checked_as_its_whole_bytes(head: str, size: int) -> None:
    # Only the declared size and the head are real; everything the contract says about the
    # segment must come out as it does for the whole bytes, on a first and on a later segment.
    whole = bytes.fromhex(head) + bytes(size - len(head) // 2)
    declared = cli._segment({"size": size, "head": head})
    assert len(declared) == size
    if size > cli._BUILT_SEGMENT_BYTES:
        assert isinstance(declared, cli._DeclaredSegment)
    assert replayed([declared, declared], 200_000) == replayed([whole, whole], 200_000)


def test_a_small_segment_is_built_whole() -> None:
    data = cli._segment({"size": 600, "head": "1a45dfa3"})
    assert type(data) is bytes and data == bytes.fromhex("1a45dfa3") + bytes(596)


# -- how problems are printed ------------------------------------------------------------


def test_a_violation_detail_is_printed_after_the_rule(tmp_path: Path) -> None:
    # Each violation names the offending value and the set it broke (D35).
    marked = ROOT / "tests/transcripts/documented-values--violation.jsonl"
    line = next(n for n, broken in transcript_marks(marked) if broken == "documented-values")
    path = unmarked(marked, tmp_path)
    _status, output = run(path)
    rule = ih.RULES["documented-values"]
    detail = "probability 'very_high' is not one of ['high', 'low', 'medium']"
    assert f"{path}:{line}: documented-values (broken by the server): {rule.says} ({detail})\n" in (
        output
    )


def test_repeats_in_one_state_are_counted_then_a_new_state_starts_over(tmp_path: Path) -> None:
    lines = unmarked_text(ROOT / "tests/transcripts/nothing-after-ended--violation.jsonl").split(
        "\n"
    )
    ended = next(i for i, line in enumerate(lines) if '"session.ended"' in line)
    extra = lines[ended + 1]
    assert '"recv"' in extra  # the message that breaks nothing-after-ended
    transcript = tmp_path / "after-ended.jsonl"
    session = [*lines[: ended + 1], extra, extra, extra, '{"lost": 1000}', extra, extra]
    transcript.write_text("\n".join(session) + "\n", encoding="utf-8")
    status, output = run(transcript)
    first = ended + 2
    assert status == 1
    assert [(line, text.split(" (")[0]) for line, text in reports(transcript, output)] == [
        (first, "nothing-after-ended"),
        (None, "... and 2 more `nothing-after-ended` violations"),
        (first + 4, "connection-closed"),
        (None, "... and 1 more `connection-closed` violation"),
    ]
    assert "5 problem(s), final state closed" in output


def test_the_summary_is_printed_even_when_lines_fail(tmp_path: Path) -> None:
    golden = SUMMARIES / "graceful--whole-session.jsonl"
    lines = golden.read_text(encoding="utf-8").split("\n")
    expected = json.loads(lines[0])["summary"]
    broken = tmp_path / "broken.jsonl"
    noise = ['{"foo": 1}', "[" * 2000, '{"recv": {"type": "signal.detected", "data": {}}}']
    broken.write_bytes(
        "\n".join([lines[0], *noise, *lines[1:3], *noise, *lines[3:]]).encode() + b"\n\xff\n"
    )
    status, output = run(broken, summary=True)
    assert status == 1
    assert json.loads(output[output.index("\n{") :]) == expected


# -- no input ends the check ------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
known_words = st.sampled_from(
    [
        "recv",
        "send",
        "segment",
        "lost",
        "at",
        "expect",
        "size",
        "head",
        "type",
        "include",
        "goal_dimensions",
        "session.close",
        "data",
    ]
)
lines_of_words = st.dictionaries(
    known_words,
    json_values | st.dictionaries(known_words, json_values, max_size=3),
    max_size=3,
)
real_lines = [
    line
    for path in TRANSCRIPTS[:12]
    for line in unmarked_text(path).encode().split(b"\n")
    if line.strip()
]


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            lines.append(draw(st.sampled_from(real_lines)))
        elif kind == 1:
            lines.append(json.dumps(draw(lines_of_words)).encode())
        elif kind == 2:
            real = bytearray(draw(st.sampled_from(real_lines)))
            for _ in range(draw(st.integers(1, 4))):
                real[draw(st.integers(0, len(real) - 1))] = draw(st.integers(0, 255))
            lines.append(bytes(real).replace(b"\n", b" "))
        else:
            lines.append(draw(st.binary(max_size=40)).replace(b"\n", b" "))
    return b"\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_files())
def test_no_input_ends_the_check(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    transcript = tmp_path_factory.mktemp("hostile") / "session.jsonl"
    transcript.write_bytes(data)
    status, output = run(transcript, summary=True)
    assert status in (0, 1)
    assert "could not be checked" not in output, output
    assert re.search(rf"{re.escape(str(transcript))}: \d+ problem\(s\), final state", output)


def test_the_summary_follows_what_the_client_applied(tmp_path: Path) -> None:
    # A session.ended before session.ready is refused by the client, so the summary must
    # not go final on it: the signals after it are still in the summary.
    cid = "5b0e4f7e-2f6a-5d0c-9a43-0c1f6a7b8c9d"

    def recv(kind: str, data: dict[str, Any]) -> str:
        envelope = {"type": kind, "timestamp": "2026-05-20T10:00:00Z", "correlation_id": cid}
        return json.dumps({"recv": {**envelope, "data": data}})

    ready = {
        "session_idle_timeout_seconds": 300,
        "session_max_duration_seconds": 3600,
        "min_segment_size_bytes": 1,
        "max_segment_size_bytes": 33554432,
        "supported_session_config_options": {"include": []},
    }
    path = tmp_path / "early-end.jsonl"
    path.write_text(
        "\n".join(
            [
                recv("session.ended", {"reason": "server_shutdown"}),
                recv("session.ready", ready),
                recv("signal.detected", {"signal_type": "interest", "start": 1}),
                recv("signal.ended", {"signal_type": "interest", "end": 4}),
                json.dumps({"lost": 1006}),
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    status = cli.check(path, out, summary=True)
    output = out.getvalue()
    assert status == 1 and f"{path}:1: ready-first" in output
    summary = json.loads(output[output.index("\n{") :])
    assert [s["type"] for s in summary["signals"]] == ["interest"]
    assert summary["partial"] is True and summary["complete"] is False


@pytest.mark.parametrize(
    "name",
    [
        "ready-first--violation",
        "documented-values--violation",
        "whole-session--trailing-results-after-closing",
    ],
)
def test_a_marked_transcript_checks_as_it_is(name: str) -> None:
    # The marks ("expect" beside an action) are ignored by the CLI, so a transcript from
    # tests/transcripts/ can be checked by hand as it is, and reports its marked lines.
    path = ROOT / "tests" / "transcripts" / f"{name}.jsonl"
    _status, output = run(path)
    found = [[line, text.split(" ", 1)[0]] for line, text in reports(path, output)]
    assert found == transcript_marks(path), output


def test_a_recording_is_what_check_reads(tmp_path: Path) -> None:
    # A connection records its frames in the check CLI's format: a whole session recorded
    # in memory checks clean, and folds into the summary the live connection folded.
    lines: list[bytes] = []
    fold = ih.SummaryFold()
    pair = Pair()
    pair.client = ih.ClientConnection(strict=True, fold=fold, record=lines.append)
    pair.start()
    pair.client_config(include=["conversation_quality_overall"])
    pair.flush()
    pair.client_segment(WEBM_HEAD + bytes(200))
    pair.server_sends("signal.detected", ih.messages.SignalData(signal_type="interest", start=1.0))
    pair.flush()
    pair.client_close()
    pair.flush()
    pair.to_client.extend(pair.server.finish(timestamp=pair.timestamp, at=3.0))
    pair.flush()
    pair.client.connection_lost(1000)
    path = tmp_path / "session.jsonl"
    path.write_bytes(b"".join(lines))
    status, output = run(path, summary=True)
    assert status == 0, output
    assert f"{path}: 0 problem(s), final state closed" in output
    replayed = json.loads(output[output.index("\n{") :])
    assert replayed == json.loads(ih.encode_summary(fold.summary()))
    segment = json.loads(lines[[b'"segment"' in line for line in lines].index(True)])
    assert segment["segment"]["size"] == len(WEBM_HEAD) + 200
    assert len(bytes.fromhex(segment["segment"]["head"])) == 64


def test_stream_a_file_from_the_shell_and_check_its_recording(tmp_path: Path) -> None:
    # The main user job from the shell: stream a media file to the (mock) service, print
    # the events and the summary, record the session; the recording checks clean.
    from interhuman_stream.testing import MockServer
    from transports.media import encode

    talk = tmp_path / "talk.webm"
    talk.write_bytes(encode("webm", 10.0, {"cluster_time_limit": "1000"}))
    recording = tmp_path / "session.jsonl"
    env = {**os.environ, "INTERHUMAN_API_KEY": "test-key"}
    with MockServer().running() as url:
        result = subprocess.run(
            [sys.executable, "-m", "interhuman_stream", "stream", str(talk), "--url", url,
             "--record", str(recording)],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("session.ready ")
    summary = json.loads(result.stdout[result.stdout.index("\n{") :])
    assert summary["complete"] is True and summary["signals"]
    assert "test-key" not in result.stdout + result.stderr
    status, output = run(recording)
    assert status == 0, output


def test_the_shell_streams_a_file_longer_than_a_session_into_one_summary(
    tmp_path: Path,
) -> None:
    # 20 s of media against a 10-second maximum: the command rolls over (the default 60 s
    # margin is cut to half the maximum) and prints one summary; the recording holds every
    # session, each checked clean.
    from interhuman_stream.testing import MockServer
    from transports.media import encode

    talk = tmp_path / "long.webm"
    talk.write_bytes(encode("webm", 20.0, {"cluster_time_limit": "1000"}))
    recording = tmp_path / "conversation.jsonl"
    env = {**os.environ, "INTERHUMAN_API_KEY": "test-key"}
    with MockServer.max_duration(10.0).running() as url:
        result = subprocess.run(
            [sys.executable, "-m", "interhuman_stream", "stream", str(talk), "--url", url,
             "--record", str(recording)],
            capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("session.ready ") >= 4
    summary = json.loads(result.stdout[result.stdout.index("\n{") :])
    assert summary["complete"] is True and summary["last_time"] >= 20.0
    assert len(summary["coverage"]) == result.stdout.count("session.ready ") - 1
    assert {gap["reason"] for gap in summary["coverage"]} == {"seam"}
    status, output = run(recording, summary=True)
    assert status == 0, output
    assert f"{result.stdout.count('session.ready ')} sessions" in output.split("\n", 1)[0]
    assert json.loads(output.split("\n", 1)[1]) == summary


def test_the_shell_streams_on_v2_with_the_model_of_the_url(tmp_path: Path) -> None:
    from interhuman_stream.testing import MockConfig, MockServer
    from transports.media import encode

    talk = tmp_path / "talk.webm"
    talk.write_bytes(encode("webm", 6.0, {"cluster_time_limit": "1000"}))
    recording = tmp_path / "v2.jsonl"
    env = {**os.environ, "INTERHUMAN_API_KEY": "test-key"}
    with MockServer(MockConfig(version="v2")).running() as url:
        result = subprocess.run(
            [sys.executable, "-m", "interhuman_stream", "stream", str(talk), "--api-version",
             "v2", "--url", url + "?model=inter-2-audio", "--record", str(recording)],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"model":"inter-2-audio"' in result.stdout  # session.updated names it
    summary = json.loads(result.stdout[result.stdout.index("\n{") :])
    assert summary["complete"] is True
    session, connect = map(json.loads, recording.read_text(encoding="utf-8").splitlines()[:2])
    assert session["session"] == {"index": 0, "media_offset": 0.0}
    assert connect == {"at": None, "connect": {"version": "v2", "model": "inter-2-audio"}}
    status, output = run(recording)
    assert status == 0, output


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--model", "inter-2", "--url", "ws://127.0.0.1:1/v2/stream/analyze"], "put ?model="),
        (["--api-version", "v2", "--model", "inter-2-deep"], "inter-2-deep"),
        (["--model", "inter-2"], "v1"),
    ],
)
def test_the_shell_refuses_a_model_it_cannot_use(
    tmp_path: Path, arguments: list[str], complaint: str
) -> None:
    env = {**os.environ, "INTERHUMAN_API_KEY": "test-key"}
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "stream", str(tmp_path / "x.webm"), *arguments],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and complaint in result.stderr, result.stderr


def test_stream_without_a_key_says_where_it_goes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "INTERHUMAN_API_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "interhuman_stream", "stream", str(tmp_path / "x.webm")],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "INTERHUMAN_API_KEY" in result.stderr


def _conversation_recording() -> tuple[bytes, ih.SessionSummary]:
    """Two sessions of a Conversation recorded into one file: a planned rollover's seam."""
    lines: list[bytes] = []
    conv = ih.Conversation(connection_options={"record": lines.append})
    for index, offset in enumerate((0.0, 9.0)):
        connection = conv.start_session(10.0 * index, media_offset=offset)
        conv.receive(ready_frame(), 10.0 * index)
        connection.send_segment(WEBM_HEAD, now=10.0 * index + 1)
        conv.receive(
            envelope("engagement.updated", {"state": "engaged", "start": 0.0}), 10.0 * index + 2
        )
        connection.send_close(now=10.0 * index + 3)
        conv.receive(envelope("session.closing", {"max_drain_seconds": 5}), 10.0 * index + 3)
        conv.receive(envelope("session.ended", {"reason": "client_close"}), 10.0 * index + 4)
        if index:
            conv.finish()
        conv.session_ended(10.0 * index + 4, close_code=1000)
    return b"".join(lines), conv.summary()


def test_a_conversation_recording_is_checked_session_by_session(tmp_path: Path) -> None:
    data, expected = _conversation_recording()
    assert data.count(b'"session":') == 2
    transcript = tmp_path / "conversation.jsonl"
    transcript.write_bytes(data)
    status, output = run(transcript, summary=True)
    assert status == 0, output
    head, _, body = output.partition("\n")
    assert head == f"{transcript}: 0 problem(s), final state closed, 2 sessions"
    assert json.loads(body) == json.loads(ih.encode_summary(expected))
    # Without its session line the second session's frames come after the first was lost.
    transcript.write_bytes(
        b"".join(line + b"\n" for line in data.split(b"\n")[1:] if b'"session":' not in line)
    )
    status, output = run(transcript)
    assert status == 1 and "connection-closed" in output


def test_a_one_session_conversation_is_summarised_as_the_conversation_does(
    tmp_path: Path,
) -> None:
    lines: list[bytes] = []
    conv = ih.Conversation(connection_options={"record": lines.append})
    connection = conv.start_session(0.0, media_offset=0.0)
    conv.receive(ready_frame(), 0.0)
    connection.send_segment(WEBM_HEAD, now=1.0)
    conv.receive(envelope("error", {"code": "ih5001", "message": "no video"}), 2.0)
    conv.receive(envelope("session.ended", {"reason": "client_close"}), 3.0)
    conv.finish()
    conv.session_ended(3.0, close_code=1000)
    transcript = tmp_path / "one.jsonl"
    transcript.write_bytes(b"".join(lines))
    status, output = run(transcript, summary=True)
    assert status == 0, output
    summary = json.loads(output.split("\n", 1)[1])
    assert summary == json.loads(ih.encode_summary(conv.summary()))
    assert summary["errors"][0]["session"] == 0  # stitched: the error names its session


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('"x"', '"session" must be an object with "index" and "media_offset" only, not a string'),
        ('{"index": 0}', 'only, not an object with "index"'),
        ('{"index": -1, "media_offset": 0}', '"index" must be a whole number >= 0, not -1'),
        ('{"index": 1, "media_offset": true}', '"media_offset" must be a number of seconds'),
        ('{"index": 1, "media_offset": 0}', '"index" 1 is not the next session\'s, 0'),
    ],
)
def test_a_bad_session_line_is_an_invalid_line(tmp_path: Path, value: str, reason: str) -> None:
    transcript = tmp_path / "bad.jsonl"
    transcript.write_text('{"at": 0.0, "session": ' + value + "}\n", encoding="utf-8")
    status, output = run(transcript)
    assert status == 1
    assert reason in output


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('"v2"', '"connect" must be an object with "version" and (v2) "model" only, not a string'),
        ("{}", "not an empty object"),
        ('{"version": "v2", "x": 1}', 'only, not an object with "version", "x"'),
        ('{"version": "v3"}', '"version" must be one of "v1", "v2", not "v3"'),
        ('{"version": 2}', '"version" must be one of "v1", "v2", not 2'),
        ('{"version": "v2", "model": 7}', '"model": model is a non-empty model id, not 7'),
        ('{"version": "v1", "model": "inter-2"}', '"model": v1 has no models'),
    ],
)
def test_a_bad_connect_line_is_an_invalid_line(tmp_path: Path, value: str, reason: str) -> None:
    transcript = tmp_path / "bad.jsonl"
    transcript.write_text('{"at": null, "connect": ' + value + "}\n", encoding="utf-8")
    status, output = run(transcript)
    assert (status, output.count("invalid line")) == (1, 1), output
    assert reason in output


def v2_session_lines(model: str = "inter-2-audio") -> list[str]:
    """A whole v2 session on `model`, recorded by a ClientConnection (its connect line first)."""
    lines: list[bytes] = []
    client = ih.ClientConnection(version="v2", model=model, record=lines.append)
    client.receive_message(ready_frame(), now=0.0)
    client.send_segment(WEBM_HEAD + bytes(100), now=1.0)
    client.send_close(now=2.0)
    client.receive_message(envelope("session.closing", {"max_drain_seconds": 5}), now=2.1)
    client.receive_message(envelope("session.ended", {"reason": "client_shutdown"}), now=2.2)
    client.connection_lost(1000)
    return [line.decode().rstrip("\n") for line in lines]


def test_a_connect_line_after_frames_is_refused_and_the_session_goes_on(tmp_path: Path) -> None:
    lines = v2_session_lines()
    moved = [lines[1], lines[0], *lines[2:]]  # session.ready before the connect line
    transcript = tmp_path / "late.jsonl"
    transcript.write_text("\n".join(moved) + "\n", encoding="utf-8")
    status, output = run(transcript)
    assert status == 1
    assert f'{transcript}:2: invalid line: "connect" comes before the first frame' in output
    assert "(the session goes on as v1)" in output


def test_each_session_of_a_recording_speaks_what_its_connect_line_says(tmp_path: Path) -> None:
    # A Conversation's recording: each session after its `session` line; one without a
    # connect line speaks v1, whatever the one before spoke.
    v2_lines = v2_session_lines()
    first = ['{"at": 0.0, "session": {"index": 0, "media_offset": 0.0}}', *v2_lines]
    second = ['{"at": 3.0, "session": {"index": 1, "media_offset": 1.0}}', *v2_lines]
    transcript = tmp_path / "two.jsonl"
    transcript.write_text("\n".join(first + second) + "\n", encoding="utf-8")
    status, output = run(transcript)
    assert status == 0, output
    assert "2 sessions" in output
    # Without its connect line the second session is v1, whatever the first spoke: a config
    # naming a model, which only v2 has, is undecodable there.
    v1_second = ['{"at": 3.0, "session": {"index": 1, "media_offset": 1.0}}', *v2_lines[1:]]
    config = json.dumps({"at": 1.5, "send": {"model": "inter-2-audio"}})
    v1_second.insert(3, config)
    transcript.write_text("\n".join(first + v1_second) + "\n", encoding="utf-8")
    status, output = run(transcript)
    assert status == 1
    line = len(first) + 4
    assert f"{transcript}:{line}: undecodable client frame" in output, output
