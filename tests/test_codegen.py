"""Codegen: committed output has no drift, output is deterministic, --check reports drift."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "generated" / "interhuman_stream"


def run_codegen(*args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_package_has_no_drift() -> None:
    result = run_codegen("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_regen_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "4242"):
        target = tmp_path / f"seed-{seed}"
        result = run_codegen("--output", str(target), seed=seed)
        assert result.returncode == 0, result.stderr
        outputs.append(files_of(target))
    assert outputs[0] == outputs[1]
    assert outputs[0] == files_of(PACKAGE)


def test_every_generated_module_says_do_not_edit_and_names_its_sources() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert modules
    for module in modules:
        head = module.read_text(encoding="utf-8").splitlines()[:3]
        assert head[0].startswith("# Generated - do not edit."), module.name
        assert head[1].startswith("# Sources: spec/"), module.name
        assert head[2].startswith("# Template: codegen/templates/"), module.name
    assert (PACKAGE / "py.typed").exists()


def test_check_reports_drift_and_the_fix(tmp_path: Path) -> None:
    target = tmp_path / "interhuman_stream"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    codec = target / "_codec.py"
    codec.write_text(codec.read_text(encoding="utf-8") + "\n# hand edit\n", encoding="utf-8")
    (target / "_stale.py").write_text("x = 1\n", encoding="utf-8")
    (target / "_models.py").unlink()

    result = run_codegen("--check", "--output", str(target))
    assert result.returncode == 1
    assert "+# hand edit" not in result.stdout and "-# hand edit" in result.stdout
    assert "_stale.py (stale)" in result.stdout
    assert "_models.py (missing)" in result.stdout
    assert "nox -s regen" in result.stderr

    assert run_codegen("--output", str(target)).returncode == 0
    assert files_of(target) == files_of(PACKAGE)
    assert run_codegen("--check", "--output", str(target)).returncode == 0


def test_a_broken_spec_is_reported_not_generated(tmp_path: Path) -> None:
    from codegen import SpecError, load_spec

    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec)
    errors = spec / "errors.json"
    errors.write_text(errors.read_text().replace('"ih6002"', '"6002"'), encoding="utf-8")
    with pytest.raises(SpecError, match=r"errors\.json"):
        load_spec(spec)
