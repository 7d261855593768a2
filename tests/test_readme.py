"""The README's code examples run as written, on every golden server frame."""

from __future__ import annotations

import re

from conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_examples_run() -> None:
    assert BLOCKS
    for frame_path in sorted((EXAMPLES / "server").glob("*.json")):
        for block in BLOCKS:
            exec(compile(block, "README.md", "exec"), {"frame": frame_path.read_bytes()})
