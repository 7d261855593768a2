"""Command line: regenerate generated/interhuman_stream, or check it for drift."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from ._docs import with_state_diagram
from ._render import ASYNCAPI_FILE, OUTPUT_DIR, REGEN_COMMAND, render_all, render_documents
from ._spec import ROOT, SpecError, load_versions

# Left alone in the output directory: interpreter caches are not ours to manage.
IGNORED = ("__pycache__",)


def _existing(output_dir: Path) -> dict[str, str]:
    if not output_dir.is_dir():
        return {}
    found = {}
    for path in sorted(output_dir.rglob("*")):
        relative = path.relative_to(output_dir)
        if path.is_file() and not any(part in IGNORED for part in relative.parts):
            found[relative.as_posix()] = path.read_text(encoding="utf-8")
    return found


def drift(expected: dict[str, str], output_dir: Path) -> list[str]:
    """Unified diff lines between the committed package and what the spec produces."""
    actual = _existing(output_dir)
    shown = output_dir.relative_to(ROOT) if output_dir.is_relative_to(ROOT) else output_dir
    lines: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        old, new = actual.get(name), expected.get(name)
        if old == new:
            continue
        lines.extend(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                (new or "").splitlines(keepends=True),
                fromfile=f"{shown}/{name}" + (" (committed)" if old is not None else " (missing)"),
                tofile=f"{shown}/{name}" + (" (from spec)" if new is not None else " (stale)"),
            )
        )
    return lines


def write(expected: dict[str, str], output_dir: Path) -> list[str]:
    """Make output_dir hold exactly the expected files; return what changed."""
    changed = []
    actual = _existing(output_dir)
    for name in sorted(set(actual) - set(expected)):
        (output_dir / name).unlink()
        changed.append(f"removed {name}")
    for name, text in expected.items():
        if actual.get(name) != text:
            path = output_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(f"wrote {name}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a diff if the generated package is out of date",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT_DIR,
        help="package directory to write or check (default: %(default)s)",
    )
    parser.add_argument(
        "--asyncapi",
        type=Path,
        default=ASYNCAPI_FILE,
        help="v1's AsyncAPI document to write or check; a later version's, and its protocol "
        "schema, go beside it (default: %(default)s)",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="README whose state-diagram section to write or check (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    readme: Path = args.readme.resolve()
    try:
        versions = load_versions()
        spec = versions["v1"]
        expected = render_all(spec, versions)
        readme_now = readme.read_text(encoding="utf-8")
        readme_expected = with_state_diagram(readme_now, spec.contract)
        documents = render_documents(versions, args.asyncapi.resolve())
        documents_now = {
            path: path.read_text(encoding="utf-8") if path.exists() else None for path in documents
        }
    except (SpecError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    output_dir: Path = args.output.resolve()
    if args.check:
        lines = drift(expected, output_dir)
        for path, text in documents.items():
            if documents_now[path] != text:
                lines.extend(
                    difflib.unified_diff(
                        (documents_now[path] or "").splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        fromfile=f"{path.name} (committed)",
                        tofile=f"{path.name} (from spec)",
                    )
                )
        if readme_now != readme_expected:
            lines.extend(
                difflib.unified_diff(
                    readme_now.splitlines(keepends=True),
                    readme_expected.splitlines(keepends=True),
                    fromfile=f"{readme.name} (committed)",
                    tofile=f"{readme.name} (from spec)",
                )
            )
        if lines:
            sys.stdout.writelines(lines)
            print(
                f"\n{output_dir} is out of date with spec/ and codegen/templates.\n"
                f"Fix: run `{REGEN_COMMAND}` (or `python -m codegen`) and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{output_dir}: up to date ({len(expected)} files)")
        return 0
    changed = write(expected, output_dir)
    for path, text in documents.items():
        if documents_now[path] != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(f"wrote {path.name}")
    if readme_now != readme_expected:
        readme.write_text(readme_expected, encoding="utf-8", newline="\n")
        changed.append(f"wrote the state diagram in {readme.name}")
    for line in changed or ["nothing to change"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
