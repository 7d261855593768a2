"""The README's code examples run as written: each block on its own, in a fresh process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a reader runs the examples: beside spec/ and transports/ (a clone), with a
    recording to stream."""
    from transports.media import encode

    folder = tmp_path_factory.mktemp("reader")
    for name in ("spec", "transports"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "talk.webm").write_bytes(encode("webm", 9.0, {"cluster_time_limit": "1000"}))
    return folder


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_a_readme_block_runs_on_its_own(index: int, workdir: Path) -> None:
    from interhuman_stream.testing import MockServer

    with MockServer().running() as url:
        env = {**os.environ, "INTERHUMAN_URL": url, "INTERHUMAN_API_KEY": "test-key"}
        result = subprocess.run(
            [sys.executable, "-"],
            input=BLOCKS[index],
            capture_output=True,
            text=True,
            cwd=workdir,
            env=env,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, f"block {index}:\n{BLOCKS[index]}\n{result.stderr}"


def test_the_first_examples_stream_a_file_and_print_the_summary() -> None:
    assert README.index("## Stream a file") < README.index("## Using it")
    section = README[README.index("## Stream a file") : README.index("## Using it")]
    first = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(first) == 2 and all(len(b.strip().splitlines()) <= 25 for b in first)
    assert all("clients import" in b and "FileSource" in b for b in first)
    assert README.index(first[0]) < README.index(first[1]) < README.index("## Using it")


def test_the_decode_example_handles_every_golden_frame() -> None:
    decode_example, summary_example = [b for b in BLOCKS if "decode_server_message(frame)" in b]
    # The examples define their own frame; here every golden frame takes its place.
    decode_example = re.sub(r"frame = b'.*?\n(frame \+= .*?\n)*", "", decode_example)
    summary_example = re.sub(r"frame = Path\(.*?\n", "", summary_example)
    assert "frame = " not in decode_example + summary_example
    for frame_path in sorted((EXAMPLES / "server").glob("*.json")):
        namespace: dict[str, object] = {"frame": frame_path.read_bytes()}
        exec(compile(decode_example, "README.md", "exec"), namespace)
        exec(compile(summary_example, "README.md", "exec"), namespace)
