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


def readme_copy(tmp_path: Path) -> Path:
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "README.md", readme)
    return readme


def test_regen_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    readme = readme_copy(tmp_path)
    for seed in ("1", "4242"):
        target = tmp_path / f"seed-{seed}"
        result = run_codegen(
            "--output", str(target), "--readme", str(readme),
            "--asyncapi", str(tmp_path / f"asyncapi-{seed}.yaml"), seed=seed,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(files_of(target))
    assert outputs[0] == outputs[1]
    assert outputs[0] == files_of(PACKAGE)
    documents = [(tmp_path / f"asyncapi-{seed}.yaml").read_bytes() for seed in ("1", "4242")]
    assert documents[0] == documents[1] == (ROOT / "generated" / "asyncapi.yaml").read_bytes()


def test_every_generated_module_says_do_not_edit_and_names_its_sources() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    runtime_dir = ROOT / "codegen" / "runtime"
    runtime = {path.relative_to(runtime_dir).as_posix() for path in runtime_dir.rglob("*.py")}
    assert modules and runtime
    for module in modules:
        text = module.read_text(encoding="utf-8")
        head = text.splitlines()[:3]
        name = module.relative_to(PACKAGE).as_posix()
        if name in runtime:
            # A verbatim copy of the hand-written module, whose first line names it.
            source = runtime_dir / name
            assert text == source.read_text(encoding="utf-8"), name
            assert head[0] == (
                f"# Hand-written runtime: edit codegen/runtime/{name} (regen copies it verbatim)."
            )
            continue
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

    readme = readme_copy(tmp_path)
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("awaiting_ready --> streaming", "awaiting_ready --> ended"))

    result = run_codegen("--check", "--output", str(target), "--readme", str(readme))
    assert result.returncode == 1
    assert "+# hand edit" not in result.stdout and "-# hand edit" in result.stdout
    assert "_stale.py (stale)" in result.stdout
    assert "_models.py (missing)" in result.stdout
    assert "+    awaiting_ready --> streaming" in result.stdout
    assert "nox -s regen" in result.stderr

    asyncapi = tmp_path / "asyncapi.yaml"
    assert run_codegen(
        "--output", str(target), "--readme", str(readme), "--asyncapi", str(asyncapi)
    ).returncode == 0  # fmt: skip
    assert files_of(target) == files_of(PACKAGE)
    assert readme.read_text(encoding="utf-8") == text
    assert run_codegen(
        "--check", "--output", str(target), "--readme", str(readme), "--asyncapi", str(asyncapi)
    ).returncode == 0  # fmt: skip


def test_the_readme_needs_its_diagram_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n", encoding="utf-8")
    result = run_codegen("--check", "--readme", str(readme))
    assert result.returncode == 2
    assert "markers" in result.stderr


def test_a_broken_spec_is_reported_not_generated(tmp_path: Path) -> None:
    from codegen import SpecError, load_spec

    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec)
    errors = spec / "errors.json"
    errors.write_text(errors.read_text().replace('"ih6002"', '"6002"'), encoding="utf-8")
    with pytest.raises(SpecError, match=r"errors\.json"):
        load_spec(spec)


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (lambda c: c["moves"]["segment"].pop("draining"), "must name every state"),
        (lambda c: c["moves"]["config"].update(streaming="!no-such-rule"), "no rule"),
        (lambda c: c["moves"]["config"].update(streaming="nowhere"), "no state"),
        (
            lambda c: (
                c["events"].pop("coverage.dropped")
                and c["event_groups"]["results"].remove("coverage.dropped")
            ),
            "server events",
        ),
        (lambda c: c["event_groups"]["results"].append("signal.paused"), "no event"),
        (
            lambda c: (
                c["moves"].update(error=c["moves"]["results"])
                or c["event_groups"]["results"].append("error")
            ),
            "two rows",
        ),
        (lambda c: c["guards"][0].update(event="signal.paused"), "unknown event"),
        (lambda c: c["effects"][3].update(codes=["ih0000"]), "codes not in errors.json"),
        (lambda c: c["deadlines"][0].update(limit="idle_seconds"), "no session.ready field"),
        (
            lambda c: c["rules"].update({"spare-rule": dict(c["rules"]["ready-once"])}),
            "never applied",
        ),
    ],
)
def test_an_inconsistent_contract_is_reported(tmp_path: Path, edit: object, complaint: str) -> None:
    import json

    from codegen import SpecError, load_spec

    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec)
    contract = json.loads((spec / "contract.json").read_text(encoding="utf-8"))
    edit(contract)  # type: ignore[operator]
    (spec / "contract.json").write_text(json.dumps(contract), encoding="utf-8")
    with pytest.raises(SpecError, match=complaint):
        load_spec(spec)


@pytest.mark.parametrize(
    ("edit", "complaint"),
    [
        (
            lambda c, d: (
                c["guards"].append(
                    {"rule": "ready-once", "event": "feedback.generated", "check": "goals_acked"}
                )
                or d["guards"]["items"]["properties"]["check"]["oneOf"].append(
                    {"const": "goals_acked", "description": "Goal dimensions were acknowledged."}
                )
            ),
            r"contract\.json guards\[\d+\]\.check: no check 'goals_acked'",
        ),
        (
            lambda c, d: d["effects"]["items"]["properties"]["effect"]["oneOf"][0].update(
                description="Something else."
            ),
            "described differently from its docstring",
        ),
        (
            # A check v1's contract names, described no more (by name: v2's come last).
            lambda c, d: d["guards"]["items"]["properties"]["check"].update(
                oneOf=[
                    entry
                    for entry in d["guards"]["items"]["properties"]["check"]["oneOf"]
                    if entry["const"] != "config_backlog_within_cap"
                ]
            ),
            "is not valid under any of the given schemas",
        ),
    ],
)
def test_a_check_the_runtime_lacks_is_a_regen_error(
    tmp_path: Path, edit: object, complaint: str
) -> None:
    # Adding a contract rule whose check has no implementation used to generate a package
    # that died on import; now regen refuses it, naming the spec path.
    import json

    from codegen import SpecError, load_spec
    from codegen._registry import check_registry

    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec)
    contract = json.loads((spec / "contract.json").read_text(encoding="utf-8"))
    data_schema = json.loads((spec / "data.schema.json").read_text(encoding="utf-8"))
    edit(contract, data_schema["$defs"]["Contract"]["properties"])  # type: ignore[operator]
    (spec / "contract.json").write_text(json.dumps(contract), encoding="utf-8")
    (spec / "data.schema.json").write_text(json.dumps(data_schema), encoding="utf-8")
    with pytest.raises(SpecError, match=complaint):
        check_registry(load_spec(spec))
