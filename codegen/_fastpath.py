"""The client's receive fast path, computed from the contract: the code of every handler.

For each server event and each state the table allows it in, a handler runs the guards that
apply there (the simplest written out, the rest through the registry by name) and the
effects; a frame that fails any guard goes to Core.handle, which decides and reports exactly
as the table says. Handlers with the same body are one function. Everything is computed
here, as data: the template only prints it. Guards and effects on every server event (`*`,
the correlation id) are left to the receive path itself, which takes Core.handle whenever an
envelope's correlation id is not the one the connection knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from ._spec import EVERY_SERVER_EVENT, Spec, SpecError, guard_documented_sets


class Constant(msgspec.Struct, frozen=True):
    """A module-level name the handlers read."""

    name: str
    expression: str


class Handler(msgspec.Struct, frozen=True):
    """One handler function: its name and the lines of its body."""

    name: str
    body: tuple[str, ...]


class Dispatch(msgspec.Struct, frozen=True):
    """For one state: message class expression -> handler name."""

    state: str
    entries: tuple[tuple[str, str], ...]


class FastPath(msgspec.Struct, frozen=True):
    constants: tuple[Constant, ...]
    handlers: tuple[Handler, ...]
    dispatch: tuple[Dispatch, ...]
    unchanged: tuple[str, ...]  # the terms of _unchanged (signal_reading_changed's negation)
    calls_unchanged: bool  # a handler calls _unchanged (else each writes it out)
    calls_comparable: bool  # some comparison normalises its values (a list field)
    vocabulary_imports: tuple[str, ...]


def _name(*parts: str) -> str:
    return "_" + re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_").upper()


class _Builder:
    def __init__(self, spec: Spec, comparison: dict[str, str]) -> None:
        self.spec = spec
        self.contract = spec.contract
        self.comparison = comparison
        self.constants: dict[str, str] = {}
        self.imports: set[str] = set()
        self.documented = [guard_documented_sets(spec, g) for g in self.contract["guards"]]
        self.unchanged_terms: list[str] | None = None

    def constant(self, name: str, expression: str) -> str:
        if self.constants.setdefault(name, expression) != expression:
            raise SpecError(f"fast path: two values for {name}")
        return name

    def guard_ref(self, guard: dict[str, Any]) -> str:
        key = (guard["rule"], guard["event"], guard["check"])
        return self.constant(
            _name("guard", *key),
            "next(g for g in GUARDS if (g.rule.id, g.event, g.check) == " + repr(key) + ")",
        )

    def effect_ref(self, entry: dict[str, Any]) -> str:
        key = (entry["effect"], entry["event"])
        return self.constant(
            _name("effect", *key),
            "next(e for e in CONTRACT_EFFECTS if (e.effect, e.event) == " + repr(key) + ")",
        )

    # -- guards: an expression that is true when the frame FAILS the guard ------------

    def fails(self, guard: dict[str, Any], index: int) -> str:
        inline: dict[str, Callable[[], str]] = {
            "signal_reading_changed": lambda: "_unchanged(core.signals[data.signal_type], data)",
            "signal_inactive": lambda: "data.signal_type in core.signals",
            "signal_active": lambda: "data.signal_type not in core.signals",
            "engagement_changed": lambda: (
                "(core.engagement is not None and core.engagement.state == data.state)"
            ),
            "no_active_signals": lambda: "core.signals",
            "acknowledged_include_any": lambda: self._include_any(guard),
            "values_documented": lambda: self._values_documented(guard, index),
            "quality_periods_advance": lambda: (
                "(type(data.timeline) is list and (len(data.timeline) != 1 or not "
                "data.timeline[0].start < data.timeline[0].end or (core.last_period_end is "
                "not None and data.timeline[0].start < core.last_period_end)))"
            ),
            "requested_sections_present": lambda: self._sections(guard),
            "signal_time_forward": lambda: (
                f"(data.signal_type in core.track_times and data.{guard['fields'][0]} < "
                "core.track_times[data.signal_type])"
            ),
            "engagement_time_forward": lambda: (
                "(core.engagement is not None and data.start < core.engagement.start)"
            ),
            "config_pending": lambda: "not core.pending_configs",
            "segment_was_sent": self._segment_was_sent,
            "signal_types_within_cap": lambda: (
                "(data.signal_type not in core.track_times and len(core.track_times) >= "
                "core.max_signal_types and not core.capped)"
            ),
        }
        build = inline.get(guard["check"])
        if build is not None:
            expression = build()
        else:
            expression = (
                f"not CHECKS[{guard['check']!r}].test(core, {self.guard_ref(guard)}, message)"
            )
        if "codes" in guard:
            codes = self.constant(
                _name("codes", guard["rule"], guard["event"]),
                f"frozenset({sorted(guard['codes'])!r})",
            )
            expression = f"data.code in {codes} and {expression}"
        return expression

    def _segment_was_sent(self) -> str:
        """error.segment names no sent segment: Core.segment decides. When the possible
        bases are consecutive and the connection's base is not known, an index from the
        lowest base to the highest base + count - 1 is explained by one of them, so the
        usual case is read without the call; anything else still asks Core.segment."""
        exact = "core.segment(data.segment) is None"
        bases = sorted(self.spec.segments["possible_segment_index_bases"])
        if bases != list(range(bases[0], bases[-1] + 1)):
            return f"(data.segment is not None and data.segment is not UNSET and {exact})"
        low = self.constant("_LOWEST_SEGMENT_INDEX_BASE", repr(bases[0]))
        high = self.constant("_HIGHEST_SEGMENT_INDEX_BASE", repr(bases[-1]))
        explained = (
            f"(core.segment_base is None and core.segments and "
            f"{low} <= data.segment < {high} + len(core.segments))"
        )
        return (
            f"(data.segment is not None and data.segment is not UNSET and not {explained} "
            f"and {exact})"
        )

    def _include_any(self, guard: dict[str, Any]) -> str:
        flags = self.constant(
            _name("flags", guard["rule"]), f"frozenset({sorted(guard['flags'])!r})"
        )
        return f"(core.acknowledged is None or {flags}.isdisjoint(core.include))"

    def _values_documented(self, guard: dict[str, Any], index: int) -> str:
        terms = []
        for field in guard["fields"]:
            documented = self.documented[index][field]
            self.imports.add(documented)
            allowed = self.constant(
                f"_{documented}_OR_NOTHING", f"frozenset({{*{documented}, None, UNSET}})"
            )
            terms.append(f"data.{field} not in {allowed}")
        return "(" + " or ".join(terms) + ")"

    def _sections(self, guard: dict[str, Any]) -> str:
        terms = []
        for section in guard["sections"]:
            field = f"data.{section['field']}"
            missing = f"{field} is None or {field} is UNSET"
            if "items" in section:
                missing += f" or len({field}) != {section['items']}"
            terms.append(f"({section['flag']!r} in core.include and ({missing}))")
        return "(core.acknowledged is not None and (" + " or ".join(terms) + "))"

    # -- effects: the statement(s) that apply it ------------------------------------------

    def apply(self, entry: dict[str, Any]) -> list[str]:
        tracked = (
            "if data.signal_type in core.track_times or len(core.track_times) < "
            "core.max_signal_types:"
        )
        effect = entry["effect"]
        if effect == "open_signal":
            return [tracked, "    core.signals[data.signal_type] = data"]
        if effect == "record_signal_time":
            # The guard let the time through: it is not before the latest one.
            field = entry["fields"][0]
            return [tracked, f"    core.track_times[data.signal_type] = data.{field}"]
        if effect == "close_signal":
            return ["core.signals.pop(data.signal_type, None)"]
        if effect == "set_engagement":
            return ["core.engagement = data"]
        if effect == "record_quality_period":
            # The guard let one period through, starting no earlier than the last one ended.
            return [
                "if type(data.timeline) is list:",
                "    core.last_period_end = data.timeline[0].end",
            ]
        return [f"EFFECTS[{effect!r}](core, {self.effect_ref(entry)}, message, now)"]

    # -- handlers --------------------------------------------------------------------------

    def body(self, event: str, state: str, target: str) -> list[str]:
        guards = [
            (index, guard)
            for index, guard in enumerate(self.contract["guards"])
            if guard["event"] == event
            and "client" in guard.get("checked_by", ["client"])
            and state in guard.get("states", [state])
        ]
        effects = [e for e in self.contract["effects"] if e["event"] == event]
        lines: list[str] = []
        for index, guard in guards:
            lines += [
                f"if {self.fails(guard, index)}:",
                f"    core.handle({event!r}, message, now)",
                "    return",
            ]
        for entry in effects:
            lines += self.apply(entry)
        if target != state:
            lines.append(f"core.move(SessionState.{target.upper()})")
        lines = _merged(lines)
        prelude = []
        if any("data." in line for line in lines):
            prelude.append("data = message.data")
        # A name read more than once is read once: each attribute load costs on every frame.
        for expression, name in _ALIASES:
            if sum(line.count(expression) for line in lines) >= 2:
                lines = [re.sub(re.escape(expression) + r"\b", name, line) for line in lines]
                prelude.append(f"{name} = {expression}")
        for expression, name in _ALIASES_UNTIL_CHANGED:
            aliased = _aliased(lines, expression, name)
            if aliased is not None:
                lines = aliased
                prelude.append(f"{name} = {expression}")
        lines = _tracked(lines)
        if self.unchanged_terms is not None:
            lines, last = _last_reading(lines, self.unchanged_terms)
            prelude += last
        return prelude + lines


# Attributes a handler may read once into a local: never reassigned while a handler runs
# (the dicts are changed in place).
_ALIASES = (
    ("data.signal_type", "kind"),
    ("core.signals", "signals"),
    ("core.track_times", "times"),
)


# Read once while nothing can have changed them: the frame's fields (frozen), and what the
# session holds until the line that rebinds it or an effect of the registry (which may
# change anything).
_ALIASES_UNTIL_CHANGED = (
    ("data.timeline", "timeline"),
    ("data.segment", "segment"),
    ("core.include", "include"),
    ("core.acknowledged", "acknowledged"),
    ("core.engagement", "engagement"),
)


def _aliased(lines: list[str], expression: str, name: str) -> list[str] | None:
    """The lines with `expression` read from a local, or None when it is read fewer than
    twice or read again after something may have changed it."""
    read = re.compile(re.escape(expression) + r"\b(?!\s*=[^=])")
    rebind = re.compile(r"^\s*" + re.escape(expression) + r"\s*=[^=]")
    reads = [i for i, line in enumerate(lines) if not rebind.match(line) and read.search(line)]
    if sum(len(read.findall(lines[i])) for i in reads) < 2:
        return None
    changes = [i for i, line in enumerate(lines) if rebind.match(line) or "EFFECTS[" in line]
    if changes and min(changes) < max(reads):
        return None
    return [line if rebind.match(line) else read.sub(name, line) for line in lines]


_TRACKED = "kind in times"
_READS_TIME = re.compile(r"\btimes\[kind\](?!\s*=[^=])")
_CHANGES_TIMES = re.compile(r"\btimes(\[.*\] =|\.pop|\.clear)")
_CHANGES_SIGNALS = re.compile(r"\bsignals(\[.*\] =|\.pop|\.clear)")
_UNTRACKED = "kind not in times"


def _tracked(lines: list[str]) -> list[str]:
    """The signal type's latest recorded time, looked up once: each dict lookup of a freshly
    decoded string costs on every frame. Only while nothing before the last question changes
    the times (a recorded time is a float, never None)."""
    if sum(line.count(_TRACKED) + line.count(_UNTRACKED) for line in lines) < 2:
        return lines
    asked = [
        i
        for i, line in enumerate(lines)
        if _TRACKED in line or _UNTRACKED in line or _READS_TIME.search(line)
    ]
    changed = [i for i, line in enumerate(lines) if _CHANGES_TIMES.search(line)]
    if changed and min(changed) < max(asked):
        return lines
    return ["latest = times.get(kind)"] + [
        _READS_TIME.sub(
            "latest",
            line.replace(_UNTRACKED, "latest is None").replace(_TRACKED, "latest is not None"),
        )
        for line in lines
    ]


def _last_reading(lines: list[str], terms: list[str]) -> tuple[list[str], list[str]]:
    """The active reading looked up once, and the change test written out: when a handler
    asks whether the signal is active and then compares with its reading, before anything
    changes the active signals. Returns the lines and the prelude line."""
    asks = [i for i, line in enumerate(lines) if "kind not in signals" in line]
    compares = [i for i, line in enumerate(lines) if _UNCHANGED_CALL in line]
    changed = [i for i, line in enumerate(lines) if _CHANGES_SIGNALS.search(line)]
    if not asks or not compares or (changed and min(changed) < max(asks + compares)):
        return lines, []
    written = "(" + " and ".join(terms) + ")"
    return [
        line.replace("kind not in signals", "last is None").replace(_UNCHANGED_CALL, written)
        for line in lines
    ], ["last = signals.get(kind)"]


_UNCHANGED_CALL = "_unchanged(signals[kind], data)"


def _merged(lines: list[str]) -> list[str]:
    """Consecutive blocks under the same `if` become one, when the first block does not
    change what the condition reads."""
    merged: list[str] = []
    header: str | None = None
    for line in lines:
        indented = line.startswith("    ")
        if line.startswith("if ") and line == header and not line.endswith("return"):
            continue  # the same condition again: its body joins the block above
        if line.startswith("if "):
            header = line
        elif not indented:
            header = None
        elif header is not None:
            target = line.strip().split(" = ", 1)[0] if " = " in line else ""
            root = re.match(r"[\w.]+", target)
            if root is not None and root.group(0) in header:
                header = None  # the block changes what the condition reads: keep them apart
        merged.append(line)
    return merged


def _unchanged_terms(contract: dict[str, Any], comparison: dict[str, str]) -> list[str]:
    """The terms of signal_reading_changed's negation, comparing `data` with `last`."""
    unchanged: list[str] = []
    for guard in contract["guards"]:
        if guard["check"] == "signal_reading_changed":
            for field in guard["fields"]:
                how = comparison[field]
                new, old = f"data.{field}", f"last.{field}"
                if how == "raw":
                    unchanged.append(f"{new} == {old}")
                elif how == "nullable":
                    unchanged.append(
                        f"({new} == {old} or (({new} is None or {new} is UNSET) and "
                        f"({old} is None or {old} is UNSET)))"
                    )
                else:
                    unchanged.append(f"({new} == {old} or comparable({new}) == comparable({old}))")
    return unchanged


def fast_path(spec: Spec, comparison: dict[str, str]) -> FastPath:
    """Every handler of the client's receive path, shared where the bodies are the same."""
    builder = _Builder(spec, comparison)
    contract = spec.contract
    builder.unchanged_terms = _unchanged_terms(contract, comparison)
    server_events = [e for e, d in contract["events"].items() if d["sender"] == "server"]
    if any(g["event"] == EVERY_SERVER_EVENT for g in contract["guards"]) and not any(
        e["event"] == EVERY_SERVER_EVENT for e in contract["effects"]
    ):
        raise SpecError("a guard on every server event needs an effect that remembers its value")
    by_body: dict[tuple[str, ...], str] = {(): "_accept"}
    handlers = [Handler("_accept", ())]
    dispatch = []
    for state in contract["states"]:
        entries = []
        for event in server_events:
            target = contract["moves"][event][state]
            cls = "UnknownMessage" if event == "unknown" else f"MESSAGE_CLASSES[{event!r}]"
            body: tuple[str, ...]
            if target.startswith("!"):
                name = f"_refer_{_name(event).lower().lstrip('_')}"
                body = (f"core.handle({event!r}, message, now)",)
            else:
                body = tuple(builder.body(event, state, target))
                name = f"_on_{_name(event).lower().lstrip('_')}"
            existing = by_body.get(body)
            if existing is None:
                taken = {h.name for h in handlers}
                if name in taken:
                    name = f"{name}__{state}"
                by_body[body] = name
                handlers.append(Handler(name, body))
                existing = name
            entries.append((cls, existing))
        dispatch.append(Dispatch(state, tuple(entries)))
    unchanged = builder.unchanged_terms
    return FastPath(
        constants=tuple(Constant(n, e) for n, e in sorted(builder.constants.items())),
        handlers=tuple(handlers),
        dispatch=tuple(dispatch),
        unchanged=tuple(unchanged),
        calls_unchanged=any("_unchanged(" in line for h in handlers for line in h.body),
        calls_comparable=any(
            "comparable(" in line
            for line in (*unchanged, *(line for h in handlers for line in h.body))
        ),
        vocabulary_imports=tuple(sorted(builder.imports)),
    )


_CONSTANT_NAME = re.compile(r"\b_[A-Z][A-Z0-9_]*\b")


def shared_with(
    fast: FastPath, base: FastPath, changed_keys: set[tuple[str, ...]], shared_vocab: set[str]
) -> tuple[FastPath, tuple[str, ...]]:
    """A later version's fast path without the handlers it can take from v1's module: those
    whose body is the same and reads only what is the same object in both versions (no
    guard or effect the version changes, `changed_keys`; no value set it prints again; the
    same `_unchanged`). Returns the rest of the fast path (its constants and imports cut to
    what the handlers left need) and the names of the shared handlers."""
    base_bodies = {handler.name: handler.body for handler in base.handlers}
    base_constants = {constant.name: constant.expression for constant in base.constants}

    def vocabulary_in(text: str) -> set[str]:
        return {name for name in fast.vocabulary_imports if re.search(rf"\b{name}\b", text)}

    same = {
        constant.name
        for constant in fast.constants
        if base_constants.get(constant.name) == constant.expression
        and not any(repr(key) in constant.expression for key in changed_keys)
        and vocabulary_in(constant.expression) <= shared_vocab
    }

    def reads_the_same(body: tuple[str, ...]) -> bool:
        text = "\n".join(body)
        names = set(_CONSTANT_NAME.findall(text))
        unchanged = "_unchanged(" not in text or fast.unchanged == base.unchanged
        return names <= same and vocabulary_in(text) <= shared_vocab and unchanged

    shared = tuple(
        h.name
        for h in fast.handlers
        if base_bodies.get(h.name) == h.body and reads_the_same(h.body)
    )
    kept = tuple(h for h in fast.handlers if h.name not in shared)
    text = "\n".join(line for handler in kept for line in handler.body)
    calls_unchanged = "_unchanged(" in text
    used = set(_CONSTANT_NAME.findall(text))
    constants = tuple(c for c in fast.constants if c.name in used)
    unchanged = "\n".join(fast.unchanged) if calls_unchanged else ""
    read = "\n".join([text, unchanged, *(c.expression for c in constants)])
    rest = msgspec.structs.replace(
        fast,
        handlers=kept,
        constants=constants,
        calls_unchanged=calls_unchanged,
        calls_comparable="comparable(" in text or "comparable(" in unchanged,
        vocabulary_imports=tuple(sorted(vocabulary_in(read))),
    )
    return rest, shared
