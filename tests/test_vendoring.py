"""The generated package works when copied into another project with only msgspec."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import msgspec

from conftest import EXAMPLES, ROOT

PACKAGE = ROOT / "generated" / "interhuman_stream"

SCRIPT = """
import sys
sys.path.insert(0, {vendor!r})
import interhuman_stream as ih
frame = open({golden!r}, "rb").read()
message = ih.decode_server_message(frame)
assert type(message).__name__ == "SignalDetected", message
assert ih.encode_client_message(ih.messages.SessionClose()) == b'{{"type":"session.close"}}'
try:
    ih.decode_server_message(b"{{")
except ValueError as error:
    assert error.path == "$"
else:
    raise AssertionError("no DecodeError")
import interhuman_stream.v2 as v2  # the v2 subpackage travels with it, on the same terms
signal = v2.decode_server_message(open({golden_v2!r}, "rb").read())
assert type(signal).__module__ == "interhuman_stream.v2._models", signal
third_party = sorted(
    name for name in sys.modules
    if name.partition(".")[0] not in sys.stdlib_module_names
    and name.partition(".")[0] not in ("interhuman_stream", "msgspec", "__main__")
)
assert not third_party, third_party
print("vendored ok")
"""


def test_vendored_copy_needs_only_msgspec(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    shutil.copytree(
        PACKAGE, vendor / "interhuman_stream", ignore=shutil.ignore_patterns("__pycache__")
    )
    # msgspec is the one dependency; copy the installed one beside the package.
    msgspec_dir = Path(msgspec.__file__).parent
    shutil.copytree(msgspec_dir, vendor / "msgspec", ignore=shutil.ignore_patterns("__pycache__"))
    script = SCRIPT.format(
        vendor=str(vendor),
        golden=str(EXAMPLES / "server/signal.detected--reference.json"),
        golden_v2=str(EXAMPLES / "v2/server/signal.detected--no-modality.json"),
    )
    # -I: ignore PYTHON* variables and the user site; -S: no site-packages at all.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "vendored ok"


# Modules the package keeps off its import path (import budget, README "Benchmarks"): each
# is imported where it is first needed. msgspec itself brings inspect, datetime and decimal.
DEFERRED = ("random", "hashlib", "hmac", "asyncio")


def test_import_leaves_deferred_modules_unloaded() -> None:
    script = (
        f"import sys, interhuman_stream\nprint(sorted(m for m in {DEFERRED!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"imported at package import: {result.stdout.strip()}"
