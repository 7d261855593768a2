"""spec/contract.json as typed objects, and the Python source of its tables.

load_spec has validated the file against data.schema.json and cross-checked its names
(_spec.check_contract, _registry.check_registry); here it becomes msgspec Structs, and every
table entry of _contract.py is computed as source text, so the template only prints it.
"""

from __future__ import annotations

import msgspec

from ._spec import Spec, SpecError, guard_documented_sets


class RuleSpec(msgspec.Struct, frozen=True, kw_only=True):
    breaker: str
    says: str
    hint: str
    sources: tuple[str, ...]
    peer_ignores: bool = False
    still_applies: bool = False


class SectionSpec(msgspec.Struct, frozen=True, kw_only=True):
    flag: str
    field: str
    items: int | None = None


class GuardSpec(msgspec.Struct, frozen=True, kw_only=True):
    rule: str
    event: str
    check: str
    fields: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    limit: str = ""
    options: str = ""
    sections: tuple[SectionSpec, ...] = ()
    states: tuple[str, ...] | None = None
    server_reply: str | None = None
    switch: str | None = None
    checked_by: tuple[str, ...] | None = None
    models: tuple[str, ...] = ()
    unless: str | None = None


class EffectSpec(msgspec.Struct, frozen=True, kw_only=True):
    event: str
    effect: str
    codes: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


class DeadlineSpec(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    limit: str
    of: str
    since: str
    states: tuple[str, ...]
    error_code: str | None
    means: str


class EventSpec(msgspec.Struct, frozen=True, kw_only=True):
    sender: str
    frame: str
    message: str | None = None


class ContractModel(msgspec.Struct, frozen=True, kw_only=True):
    initial_state: str
    states: dict[str, str]
    events: dict[str, EventSpec]
    moves: dict[str, dict[str, str]]
    rules: dict[str, RuleSpec]
    guards: tuple[GuardSpec, ...]
    effects: tuple[EffectSpec, ...]
    deadlines: tuple[DeadlineSpec, ...]

    @property
    def switches(self) -> tuple[str, ...]:
        return tuple(sorted({g.switch for g in self.guards if g.switch is not None}))


class ContractTables(msgspec.Struct, frozen=True):
    """The source text of every entry of _contract.py's tables."""

    states: tuple[tuple[str, str, str], ...]  # (member, value literal, description)
    initial_state: str
    rules: tuple[tuple[str, str], ...]  # (id literal, constructor arguments)
    rule_pairs: tuple[tuple[tuple[str, str], ...], ...]  # each rule's (argument, source text)
    senders: tuple[tuple[str, str], ...]
    switches: tuple[str, ...]
    moves: tuple[tuple[str, str], ...]  # (key, target)
    guards: tuple[str, ...]  # constructor arguments
    guard_pairs: tuple[tuple[tuple[str, str], ...], ...]  # each guard's (argument, source text)
    effects: tuple[str, ...]
    effect_pairs: tuple[tuple[tuple[str, str], ...], ...]  # each effect's (argument, source)
    deadlines: tuple[str, ...]


def contract_model(spec: Spec) -> ContractModel:
    try:
        return msgspec.convert(spec.contract, ContractModel)
    except msgspec.ValidationError as error:
        raise SpecError(f"contract.json: {error}") from None


def _member(state: str) -> str:
    return f"SessionState.{state.upper()}"


def _frozen(values: tuple[str, ...]) -> str:
    return f"frozenset({values!r})"


def _arguments(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name}={value}" for name, value in pairs)


def contract_tables(spec: Spec) -> ContractTables:
    model = contract_model(spec)
    documented = [guard_documented_sets(spec, g) for g in spec.contract["guards"]]
    rules, rule_pairs = [], []
    for rule_id, rule in model.rules.items():
        pairs = [
            ("id", repr(rule_id)),
            ("breaker", repr(rule.breaker)),
            ("says", repr(rule.says)),
            ("hint", repr(rule.hint)),
            ("sources", repr(rule.sources)),
        ]
        pairs += [("peer_ignores", "True")] if rule.peer_ignores else []
        pairs += [("still_applies", "True")] if rule.still_applies else []
        rules.append((repr(rule_id), _arguments(pairs)))
        rule_pairs.append(tuple(pairs))
    guards, guard_pairs = [], []
    for guard, sets in zip(model.guards, documented, strict=True):
        pairs = [
            ("rule", f"RULES[{guard.rule!r}]"),
            ("event", repr(guard.event)),
            ("check", repr(guard.check)),
        ]
        for name in ("fields",):
            if getattr(guard, name):
                pairs.append((name, repr(getattr(guard, name))))
        for name in ("flags", "reasons", "codes", "models"):
            if getattr(guard, name):
                pairs.append((name, _frozen(getattr(guard, name))))
        for name in ("limit", "options"):
            if getattr(guard, name):
                pairs.append((name, repr(getattr(guard, name))))
        if guard.sections:
            sections = ", ".join(
                "Section("
                + _arguments(
                    [("flag", repr(s.flag)), ("field", repr(s.field))]
                    + ([("items", str(s.items))] if s.items is not None else [])
                )
                + ")"
                for s in guard.sections
            )
            pairs.append(("sections", f"({sections},)"))
        if guard.states is not None:
            members = ", ".join(_member(s) for s in guard.states)
            pairs.append(("states", f"frozenset({{{members}}})"))
        for name in ("server_reply", "switch", "unless"):
            if getattr(guard, name) is not None:
                pairs.append((name, repr(getattr(guard, name))))
        if guard.checked_by is not None:
            pairs.append(("checked_by", _frozen(guard.checked_by)))
        if sets:
            entries = ", ".join(f"{field!r}: {constant}" for field, constant in sets.items())
            pairs.append(("documented", f"MappingProxyType({{{entries}}})"))
        guards.append(_arguments(pairs))
        guard_pairs.append(tuple(pairs))
    effects, effect_pairs = [], []
    for effect in model.effects:
        pairs = [("event", repr(effect.event)), ("effect", repr(effect.effect))]
        pairs += [("codes", _frozen(effect.codes))] if effect.codes else []
        pairs += [("fields", repr(effect.fields))] if effect.fields else []
        effects.append(_arguments(pairs))
        effect_pairs.append(tuple(pairs))
    deadlines = [
        _arguments(
            [
                ("id", repr(d.id)),
                ("limit", repr(d.limit)),
                ("of", repr(d.of)),
                ("since", repr(d.since)),
                ("states", "frozenset({" + ", ".join(_member(s) for s in d.states) + "})"),
                ("error_code", repr(d.error_code)),
                ("means", repr(d.means)),
            ]
        )
        for d in model.deadlines
    ]
    moves = [
        (
            f"({event!r}, {_member(state)})",
            f"RULES[{target[1:]!r}]" if target.startswith("!") else _member(target),
        )
        for event, row in model.moves.items()
        for state, target in row.items()
    ]
    return ContractTables(
        states=tuple((s.upper(), repr(s), text) for s, text in model.states.items()),
        initial_state=_member(model.initial_state),
        rules=tuple(rules),
        rule_pairs=tuple(rule_pairs),
        senders=tuple((repr(e), repr(d.sender)) for e, d in model.events.items()),
        switches=model.switches,
        moves=tuple(moves),
        guards=tuple(guards),
        guard_pairs=tuple(guard_pairs),
        effects=tuple(effects),
        effect_pairs=tuple(effect_pairs),
        deadlines=tuple(deadlines),
    )
