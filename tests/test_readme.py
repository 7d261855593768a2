"""The README's code examples run as written."""

from __future__ import annotations

import re

from conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def run(block: str, namespace: dict[str, object]) -> None:
    exec(compile(block, "README.md", "exec"), namespace)


def test_readme_examples_run_in_order() -> None:
    assert len(BLOCKS) >= 4
    golden = (EXAMPLES / "server/signal.detected--reference.json").read_bytes()
    namespace: dict[str, object] = {"frame": golden}
    for block in BLOCKS:
        run(block, namespace)


def test_the_decode_example_handles_every_golden_frame() -> None:
    decode_example, summary_example = [b for b in BLOCKS if "decode_server_message(frame)" in b]
    for frame_path in sorted((EXAMPLES / "server").glob("*.json")):
        namespace: dict[str, object] = {"frame": frame_path.read_bytes()}
        run(decode_example, namespace)
        run(summary_example, namespace)
