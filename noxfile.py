"""Project tasks. Every tool version is pinned in pyproject.toml's [dependency-groups]."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "typecheck", "tests", "extras"]
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_group(session: nox.Session, group: str, *, with_package: bool = False) -> None:
    """A pinned dependency group, and the generated package as `pip install .` installs it."""
    session.install(*nox.project.dependency_groups(PYPROJECT, group))
    if with_package:
        session.install(".", "--no-deps")


@nox.session
def regen(session: nox.Session) -> None:
    """Regenerate generated/interhuman_stream from spec/ (`-- --check` only checks)."""
    install_group(session, "codegen")
    session.run("python", "-m", "codegen", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against the package as `pip install .` installs it."""
    install_group(session, "test", with_package=True)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting, over everything including generated code."""
    install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the generated package (as Python 3.10), the generator, the
    transports and the benchmarks. The hand-written runtime (codegen/runtime/) is checked in
    its package, as regen copies it: its errors are reported at codegen/runtime/, where it
    is edited (the copies are the same bytes, so the line numbers are the same)."""
    install_group(session, "typecheck")
    output = session.run(
        "mypy",
        "--strict",
        "--python-version",
        "3.10",
        "generated/interhuman_stream",
        silent=True,
        success_codes=[0, 1],
    )
    print(_at_runtime_sources(str(output)), end="")
    if "Success:" not in str(output):
        session.error("mypy found errors in the generated package or the runtime")
    session.run(
        "mypy",
        "--strict",
        "--python-version",
        "3.11",
        "--exclude",
        "codegen/runtime/",
        "codegen",
        "transports",
        "benchmarks",
        env={"MYPYPATH": "generated"},
    )


def _at_runtime_sources(report: str) -> str:
    """mypy's report with each runtime copy's path replaced by its source's."""
    runtime = Path("codegen/runtime")
    copies = {
        f"generated/interhuman_stream/{name}": f"codegen/runtime/{name}"
        for name in (path.relative_to(runtime).as_posix() for path in runtime.rglob("*.py"))
    }
    lines = []
    for line in report.splitlines(keepends=True):
        path = line.split(":", 1)[0]
        lines.append(copies[path] + line[len(path) :] if path in copies else line)
    return "".join(lines)


@nox.session
@nox.parametrize("extra", ["asyncio", "sync"])
def extras(session: nox.Session, extra: str) -> None:
    """An optional extra as a pip user gets it, in a venv holding only the package with it
    (and the testing kit, the media extra and pytest): the README's first example for that
    client streams a file against the mock, and the pytest plugin works."""
    session.install(f".[{extra},testing,media]", "pytest==9.2.0")
    session.run("python", "tools/extras_check.py", extra)


@nox.session
def demo(session: nox.Session) -> None:
    """The mock server and the asyncio client on loopback, printing each event."""
    install_group(session, "transports", with_package=True)
    session.run("python", "-m", "transports.demo")


@nox.session
def soak(session: nox.Session) -> None:
    """Many concurrent sessions against the mock server (`-- --sessions N --segments M`)."""
    install_group(session, "transports", with_package=True)
    session.run("python", "-m", "transports.soak", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side; prints the table, writes benchmarks/results.json and the
    README's table (`-- --repeats N` for more rounds)."""
    install_group(session, "bench", with_package=True)
    session.run("python", "-m", "benchmarks.run", "--readme", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The large budgets: differential tests (10,000 instances per schema) and 1,000,000 fuzz
    inputs, coverage-guided with atheris where it installs (`-- --inputs N --seconds S`)."""
    install_group(session, "test", with_package=True)
    try:
        session.install("atheris==3.0.0")
    except nox.command.CommandFailed:
        session.warn("atheris does not install here: falling back to random mutational fuzzing")
    session.run("python", "-m", "fuzz.run", *session.posargs, env={"PYTHONPATH": "tests"})


@nox.session(python=False)
def asyncapi(session: nox.Session) -> None:
    """The official @asyncapi/parser (pinned in tools/asyncapi-check) over
    generated/asyncapi.yaml: fails on any error or warning."""
    session.chdir("tools/asyncapi-check")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run("node", "check.mjs", "../../generated/asyncapi.yaml", external=True)
