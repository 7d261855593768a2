"""`nox -s extras`: each optional extra as a pip user gets it, in a venv that has only it.

Given the extra's name (asyncio or sync): the README's first example for that client streams
a recording against the testing kit's mock and prints the summary; then a project that has
only the package installed uses the pytest plugin's fixtures.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import av

from interhuman_stream.testing import MockServer

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
PLUGIN_TEST = """
def test_the_mock_fixture(interhuman_mock):
    assert interhuman_mock.url.startswith("ws://127.0.0.1")
"""


def webm(path: Path) -> None:
    """Ten seconds of a plain pattern, as a WebM recording."""
    with av.open(str(path), "w", format="webm", options={"cluster_time_limit": "1000"}) as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(100):
            frame = av.VideoFrame(64, 48, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index % 256]) * plane.buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main(extra: str) -> int:
    block = next(b for b in BLOCKS if "from interhuman_stream.clients import" in b and
                 (("aio" in b) if extra == "asyncio" else ("sync" in b)))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, MockServer().running() as url:
        work = Path(folder)
        webm(work / "talk.webm")
        env = {**os.environ, "INTERHUMAN_URL": url, "INTERHUMAN_API_KEY": "test-key"}
        done = subprocess.run(
            [sys.executable, "-"], input=block, text=True, cwd=work, env=env,
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        print(done.stdout[-400:], done.stderr[-2000:])
        if done.returncode or '"complete":true' not in done.stdout:
            return 1
        (work / "test_plugin.py").write_text(PLUGIN_TEST, encoding="utf-8")
        plugin = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plugin.py"],
            cwd=work, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        print(plugin.stdout[-600:])
        return plugin.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
