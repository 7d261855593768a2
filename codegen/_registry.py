"""What the hand-written runtime implements, read from its source (never imported: the
runtime imports the generated modules, which do not exist yet while regen runs).

The contract names checks and effects; the runtime registry (codegen/runtime/_checks.py)
defines one function per name, registered with @check or @effect, its docstring the
description. regen refuses a spec that names something the registry lacks, and a
data.schema.json whose vocabulary of checks and effects differs from the registry (names or
words), so the failure comes at regen time, naming the spec path, not at import time.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import msgspec

from ._spec import Spec, SpecError

RUNTIME = Path(__file__).resolve().parent / "runtime"
REGISTRY = RUNTIME / "_checks.py"
CLIENT = RUNTIME / "_client.py"


class Registry(msgspec.Struct, frozen=True):
    """Check and effect names, each with its docstring."""

    checks: dict[str, str]
    effects: dict[str, str]


def _decorator_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    return node.id if isinstance(node, ast.Name) else None


def read_registry(path: Path = REGISTRY) -> Registry:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[str, dict[str, str]] = {"check": {}, "effect": {}}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            kind = _decorator_name(decorator)
            if kind in found:
                doc = ast.get_docstring(node)
                if not doc:
                    raise SpecError(f"{path.name}: {kind} {node.name} has no docstring")
                found[kind][node.name] = inspect.cleandoc(doc)
    return Registry(checks=found["check"], effects=found["effect"])


def _words(text: str) -> str:
    return " ".join(text.split())


def check_registry(spec: Spec, registry: Registry | None = None) -> None:
    """Every check and effect the contract names is implemented, and data.schema.json says
    what each one does in the registry's words."""
    registry = registry or read_registry()
    contract = spec.contract
    problems = [
        f"contract.json guards[{i}].check: no check {guard['check']!r} in "
        f"codegen/runtime/_checks.py"
        for i, guard in enumerate(contract["guards"])
        if guard["check"] not in registry.checks
    ]
    problems += [
        f"contract.json effects[{i}].effect: no effect {entry['effect']!r} in "
        f"codegen/runtime/_checks.py"
        for i, entry in enumerate(contract["effects"])
        if entry["effect"] not in registry.effects
    ]
    properties = spec.data_schema["$defs"]["Contract"]["properties"]
    vocabularies: dict[str, tuple[list[dict[str, Any]], dict[str, str]]] = {
        "guards/items/properties/check": (
            properties["guards"]["items"]["properties"]["check"]["oneOf"],
            registry.checks,
        ),
        "effects/items/properties/effect": (
            properties["effects"]["items"]["properties"]["effect"]["oneOf"],
            registry.effects,
        ),
    }
    for where, (described, implemented) in vocabularies.items():
        path = f"data.schema.json $defs/Contract/properties/{where}"
        named = {entry["const"]: entry.get("description", "") for entry in described}
        for name in sorted(set(named) ^ set(implemented)):
            side = "described but not implemented" if name in named else "not described"
            problems.append(f"{path}: {name!r} is {side}")
        problems += [
            f"{path}: {name!r} is described differently from its docstring"
            for name in sorted(set(named) & set(implemented))
            if _words(named[name]) != _words(implemented[name])
        ]
    switches = sorted({g["switch"] for g in contract["guards"] if "switch" in g})
    client = ast.parse(CLIENT.read_text(encoding="utf-8"))
    keywords = {
        argument.arg
        for node in ast.walk(client)
        if isinstance(node, ast.FunctionDef) and node.name == "__init__"
        for argument in node.args.kwonlyargs
    }
    problems += [
        f"contract.json switch {name!r}: ClientConnection (codegen/runtime/_client.py) takes "
        "no such keyword"
        for name in switches
        if name not in keywords
    ]
    if problems:
        raise SpecError("\n".join(problems))
