"""The README's state-diagram section, drawn from spec/contract.json."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

BEGIN = "<!-- BEGIN state diagram: generated from spec/contract.json by `nox -s regen` -->"
END = "<!-- END state diagram -->"


def state_diagram(contract: dict[str, Any]) -> str:
    """Markdown: a Mermaid state diagram of the state-changing moves, and a table of what
    each state allows without moving."""
    events = contract["events"]
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    stays: dict[str, list[str]] = defaultdict(list)
    for event, row in contract["moves"].items():
        for state, target in row.items():
            if target.startswith("!"):
                continue
            label = f"{event} (client)" if events[event]["sender"] == "client" else event
            if target == state:
                stays[state].append(label)
            else:
                edges[state, target].append(label)
    lines = [
        BEGIN,
        "```mermaid",
        "stateDiagram-v2",
        f"    [*] --> {contract['initial_state']}",
    ]
    order = {state: position for position, state in enumerate(contract["states"])}
    lines += [
        f"    {source} --> {target}: {', '.join(labels)}"
        for (source, target), labels in sorted(
            edges.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])
        )
    ]
    terminal = [s for s in contract["states"] if not any(src == s for src, _ in edges)]
    lines += [f"    {state} --> [*]" for state in terminal if state != "closed"]
    lines += [
        "```",
        "",
        "Any state moves to `closed` when the WebSocket goes away (`connection_lost`). "
        "A frame not listed for a state breaks the rule named in `spec/contract.json`.",
        "",
        "| State | Meaning | Allowed without leaving it |",
        "|---|---|---|",
    ]
    for state, meaning in contract["states"].items():
        allowed = ", ".join(f"`{label}`" for label in stays.get(state, [])) or "nothing"
        lines.append(f"| `{state}` | {meaning} | {allowed} |")
    lines += [
        "",
        "Every rule of the contract, by who can break it: a rule our caller breaks is a "
        "`LocalProtocolError`; a rule the server breaks is a violation (`RemoteProtocolError` "
        "in strict mode).",
        "",
        "| Rule | Broken by | What it says |",
        "|---|---|---|",
    ]
    order_of_breakers = {"server": 0, "client": 1, "caller": 2}
    for rule_id, rule in sorted(
        contract["rules"].items(), key=lambda item: order_of_breakers[item[1]["breaker"]]
    ):
        lines.append(f"| `{rule_id}` | {rule['breaker']} | {rule['says']} |")
    lines.append(END)
    return "\n".join(lines) + "\n"


def with_state_diagram(readme: str, contract: dict[str, Any]) -> str:
    """The README text with its generated section replaced (it must have the markers)."""
    start = readme.find(BEGIN)
    stop = readme.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"README.md needs the markers {BEGIN!r} and {END!r}")
    return readme[:start] + state_diagram(contract) + readme[stop + len(END) + 1 :]
