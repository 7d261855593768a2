"""Load spec/, check it, and shape it into what the generators need.

Everything the templates know about the protocol comes out of this module, read from the
files in spec/; nothing here names a message, a field or a value of the protocol.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"

PROTOCOL_FILE = "protocol.schema.json"
DATA_SCHEMA_FILE = "data.schema.json"
# Data file -> the $defs entry of data.schema.json that describes it.
DATA_FILES = {
    "errors.json": "ErrorCatalog",
    "handshake.json": "Handshake",
    "segments.json": "Segments",
    "contract.json": "Contract",
}

# The union of server envelopes and the union of client text frames, by $defs name.
# An `anyOf: [enum, string]` whose enum is named Known... is an open vocabulary (D6); with any
# other enum it is a closed set read tolerantly (D33).
OPEN_VOCABULARY_PREFIX = "Known"

# Protocol versions: v1 is the files in spec/; every later one is v1 with an overlay of its
# differences (spec/<version>.overlay.json, described by data.schema.json VersionOverlay).
VERSIONS = ("v1", "v2")
OVERLAY_FILE = "{version}.overlay.json"


def overlay_file(spec: Spec) -> str:
    """The overlay file a later version's spec is made with (v1 has none: empty)."""
    name = OVERLAY_FILE.format(version=spec.version)
    return name if name in spec.sources else ""


# Lists of keyed items an overlay patches item by item: (file, path to the list) -> the
# fields whose values, joined by "/", name an item.
KEYED_LISTS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    ("errors.json", ("errors",)): ("code",),
    ("handshake.json", ("rejections",)): ("status",),
    ("handshake.json", ("close_codes",)): ("code",),
    ("contract.json", ("guards",)): ("rule", "event", "check"),
    ("contract.json", ("effects",)): ("effect", "event"),
}

SERVER_UNION = "ServerMessage"
CLIENT_UNION = "ClientMessage"
TAG_FIELD = "type"


class SpecError(Exception):
    """spec/ is not in a shape codegen can work from."""


@dataclass(frozen=True)
class Vocabulary:
    """A closed value set, or the known values of an open one (a `Known*` enum)."""

    schema_name: str
    constant: str
    values: tuple[str, ...]
    is_open: bool
    description: str


@dataclass(frozen=True)
class TaggedMessage:
    tag: str
    class_name: str


@dataclass(frozen=True)
class Spec:
    version: str
    protocol: dict[str, Any]
    errors: dict[str, Any]
    handshake: dict[str, Any]
    segments: dict[str, Any]
    contract: dict[str, Any]
    data_schema: dict[str, Any]
    sources: tuple[str, ...]

    @property
    def defs(self) -> dict[str, Any]:
        defs: dict[str, Any] = self.protocol["$defs"]
        return defs

    def properties_of(self, name: str) -> dict[str, Any]:
        """A definition's properties, with those of the definitions it extends (allOf)."""
        schema = self.defs[name]
        found: dict[str, Any] = {}
        for base in schema.get("allOf", []):
            found.update(self.properties_of(_def_name(base["$ref"])))
        found.update(schema.get("properties", {}))
        return found

    def server_messages(self) -> list[TaggedMessage]:
        union = self.defs[SERVER_UNION]
        if union.get("discriminator", {}).get("propertyName") != TAG_FIELD:
            raise SpecError(f"{SERVER_UNION} must be discriminated on {TAG_FIELD!r}")
        messages = []
        for tag, ref in union["discriminator"]["mapping"].items():
            name = _def_name(ref)
            const = self.defs[name]["properties"][TAG_FIELD].get("const")
            if const != tag:
                raise SpecError(f"{name}.{TAG_FIELD} is {const!r}, the mapping says {tag!r}")
            messages.append(TaggedMessage(tag=tag, class_name=name))
        listed = [_def_name(branch["$ref"]) for branch in union["oneOf"]]
        if sorted(listed) != sorted(m.class_name for m in messages):
            raise SpecError(f"{SERVER_UNION}: oneOf and discriminator.mapping differ")
        return messages

    def client_messages(self) -> list[tuple[str, str | None]]:
        """(class name, tag or None) for every client text frame."""
        frames = []
        for branch in self.defs[CLIENT_UNION]["oneOf"]:
            name = _def_name(branch["$ref"])
            tag = self.defs[name].get("properties", {}).get(TAG_FIELD, {}).get("const")
            frames.append((name, tag))
        return frames

    def _string_unions(self) -> dict[str, str]:
        """$defs name -> enum name, for every `anyOf: [enum, string]` definition."""
        found = {}
        for name, schema in self.defs.items():
            branches = schema.get("anyOf", [])
            refs = [b["$ref"] for b in branches if "$ref" in b]
            strings = [b for b in branches if b.get("type") == "string"]
            if len(branches) == 2 and len(refs) == 1 and len(strings) == 1:
                known = _def_name(refs[0])
                if "enum" in self.defs[known]:
                    found[name] = known
        return found

    def open_vocabulary_names(self) -> dict[str, str]:
        """Open vocabulary $defs name -> the `Known*` enum of its documented values (D6)."""
        return {
            name: known
            for name, known in self._string_unions().items()
            if known.startswith(OPEN_VOCABULARY_PREFIX)
        }

    def tolerant_vocabulary_names(self) -> dict[str, str]:
        """A closed set read tolerantly from the server ($defs name -> the closed enum, D33):
        `anyOf: [enum, string]` whose enum is not a `Known*` one. Any string decodes; the
        contract core checks the value against the enum."""
        return {
            name: known
            for name, known in self._string_unions().items()
            if not known.startswith(OPEN_VOCABULARY_PREFIX)
        }

    def vocabularies(self) -> list[Vocabulary]:
        known_of_open = set(self.open_vocabulary_names().values())
        vocabularies = []
        for name, schema in self.defs.items():
            if "enum" not in schema:
                continue
            values = tuple(schema["enum"])
            if not all(isinstance(v, str) for v in values):
                raise SpecError(f"{name}: only string enums are supported")
            vocabularies.append(
                Vocabulary(
                    schema_name=name,
                    constant=_constant_name(name),
                    values=values,
                    is_open=name in known_of_open,
                    description=schema.get("description", ""),
                )
            )
        return vocabularies

    def data_def(self, event: str) -> str:
        """The $defs name of the `data` of a server event's envelope."""
        for message in self.server_messages():
            if message.tag == event:
                ref = self.defs[message.class_name]["properties"]["data"]["$ref"]
                return _def_name(ref)
        raise SpecError(f"no server message {event!r}")

    def documented_set(self, def_name: str, field: str) -> str | None:
        """The constant (in _vocab) of the closed set a field's values are checked against,
        when the field (or its items) is a tolerantly read closed set; else None."""
        schema = self.defs[def_name].get("properties", {}).get(field)
        if schema is None:
            raise SpecError(f"{def_name} has no field {field!r}")
        tolerant = self.tolerant_vocabulary_names()
        todo = [schema]
        while todo:
            node = todo.pop()
            todo += node.get("anyOf", [])
            if isinstance(node.get("items"), dict):
                todo.append(node["items"])
            target = _def_name(node["$ref"]) if "$ref" in node else None
            if target in tolerant:
                return _constant_name(tolerant[target])
        return None


def _def_name(ref: str) -> str:
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise SpecError(f"only local $defs references are supported, got {ref!r}")
    return ref[len(prefix) :]


def _constant_name(schema_name: str) -> str:
    words = re.findall(r"[A-Z][a-z0-9]*", schema_name)
    plural = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
    return "_".join([*words[:-1], plural]).upper()


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path.relative_to(ROOT)}: {exc}") from exc


def _check(validator: Any, instance: Any, where: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
        raise SpecError(f"{where} is invalid:\n" + "\n".join(lines))


def load_spec(spec_dir: Path = SPEC_DIR, version: str = "v1") -> Spec:
    """spec/ for one protocol version: v1's files, with the version's overlay applied."""
    if version not in VERSIONS:
        raise SpecError(f"no protocol version {version!r}; the versions are {', '.join(VERSIONS)}")
    data_schema = _load_json(spec_dir / DATA_SCHEMA_FILE)
    _check(Draft202012Validator(Draft202012Validator.META_SCHEMA), data_schema, DATA_SCHEMA_FILE)
    registry: Registry[Any] = Registry().with_resource(
        data_schema["$id"], Resource.from_contents(data_schema)
    )

    def validator(def_name: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": f"{data_schema['$id']}#/$defs/{def_name}"},
            registry=registry,
            format_checker=jsonschema.FormatChecker(),
        )

    files = {name: _load_json(spec_dir / name) for name in (PROTOCOL_FILE, *DATA_FILES)}
    sources: tuple[str, ...] = (PROTOCOL_FILE, *DATA_FILES)
    if version != "v1":
        overlay_name = OVERLAY_FILE.format(version=version)
        overlay = _load_json(spec_dir / overlay_name)
        _check(validator("VersionOverlay"), overlay, overlay_name)
        if overlay["version"] != version:
            raise SpecError(f"{overlay_name}: version is {overlay['version']!r}, not {version!r}")
        for name, patch in overlay.items():
            if name in files:
                files[name] = apply_overlay(files[name], patch, name, ())
        sources = (*sources, overlay_name)
    protocol = files[PROTOCOL_FILE]
    _check(Draft202012Validator(Draft202012Validator.META_SCHEMA), protocol, PROTOCOL_FILE)
    for file_name, def_name in DATA_FILES.items():
        _check(validator(def_name), files[file_name], file_name)
    spec = Spec(
        version=version,
        protocol=protocol,
        errors=files["errors.json"],
        handshake=files["handshake.json"],
        segments=files["segments.json"],
        contract=with_groups_expanded(files["contract.json"]),
        data_schema=data_schema,
        sources=sources,
    )
    spec.server_messages()  # consistency checks raise SpecError early
    check_contract(spec)
    return spec


def load_versions(spec_dir: Path = SPEC_DIR) -> dict[str, Spec]:
    """Every protocol version's spec, by version."""
    return {version: load_spec(spec_dir, version) for version in VERSIONS}


def apply_overlay(base: Any, patch: Any, file_name: str, path: tuple[str, ...]) -> Any:
    """`base` patched by `patch` (RFC 7396 merge patch; a keyed list, KEYED_LISTS, takes an
    object of its items by key: an item given with its key replaces v1's whole, one without
    it is merged into it, null removes it). Neither argument is changed."""
    where = f"{file_name}: /{'/'.join(path)}"
    keys = KEYED_LISTS.get((file_name, path))
    if keys is not None:
        key = "/".join(keys)
        if not isinstance(base, list) or not isinstance(patch, dict):
            raise SpecError(f"{where}: a keyed list is patched with an object by {key}")
        items = [copy.deepcopy(item) for item in base]
        for name, change in patch.items():
            found = [
                i for i, item in enumerate(items) if "/".join(str(item[k]) for k in keys) == name
            ]
            if change is None:
                if not found:
                    raise SpecError(f"{where}: removes {key} {name}, which v1 does not have")
                del items[found[0]]
            elif found and all(k in change for k in keys):  # a whole item: replaces v1's
                items[found[0]] = copy.deepcopy(change)
            elif found:
                items[found[0]] = apply_overlay(items[found[0]], change, file_name, (*path, name))
            else:
                items.append(copy.deepcopy(change))
        return items
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base) if isinstance(base, dict) else {}
    for name, change in patch.items():
        if change is None:
            if name not in merged:
                raise SpecError(f"{where}/{name}: removed, but v1 does not have it")
            del merged[name]
        else:
            merged[name] = apply_overlay(merged.get(name), change, file_name, (*path, name))
    return merged


def with_groups_expanded(contract: dict[str, Any]) -> dict[str, Any]:
    """The contract with every moves row of an event group given to each of its events, in
    the order of `events`: what the generators work from (they never see a group)."""
    groups = {k: v for k, v in contract.get("event_groups", {}).items() if not k.startswith("$")}
    events = contract["events"]
    problems = [
        f"event group {name!r} has the name of an event" for name in groups if name in events
    ]
    problems += [
        f"event group {name!r}: no event {event!r}"
        for name, members in groups.items()
        for event in members
        if event not in events
    ]
    rows: dict[str, Any] = {}
    for key, row in contract["moves"].items():
        for event in groups.get(key, [key]):
            if event in rows:
                problems.append(f"moves: {event!r} has two rows (its own and a group's)")
            rows[event] = row
    if problems:
        raise SpecError("contract.json: " + "; ".join(problems))
    expanded = dict(contract)
    expanded["moves"] = {event: rows[event] for event in events if event in rows}
    expanded["moves"].update({e: r for e, r in rows.items() if e not in events})
    return expanded


def _fields_of(spec: Spec, def_name: str) -> set[str]:
    return set(spec.defs[def_name].get("properties", {}))


def check_contract(spec: Spec) -> None:
    """Cross-checks JSON Schema cannot express: the table is complete and every name in it
    refers to something that exists in the protocol schema or the catalog."""
    problems = [
        *_event_problems(spec),
        *_move_and_rule_problems(spec),
        *_reference_problems(spec),
        *_raw_audio_problems(spec),
    ]
    if problems:
        raise SpecError("contract.json: " + "; ".join(problems))


def _event_problems(spec: Spec) -> list[str]:
    contract = spec.contract
    events = contract["events"]
    problems = []
    transport = {name for name, e in events.items() if e["sender"] == "transport"}
    if transport != {"connection_lost"}:
        problems.append("the one transport event is connection_lost")
    server_events = {name for name, e in events.items() if e["sender"] == "server"}
    expected_server = {m.tag for m in spec.server_messages()} | {"unknown"}
    if server_events != expected_server:
        problems.append(f"server events {sorted(server_events ^ expected_server)} do not match")
    client_text = {
        e["message"] for e in events.values() if e["sender"] == "client" and "message" in e
    }
    if client_text != {name for name, _tag in spec.client_messages()}:
        problems.append("client text events must name every client frame once")
    if contract["initial_state"] not in contract["states"]:
        problems.append(f"initial_state {contract['initial_state']!r} is not a state")
    for deadline in contract["deadlines"]:
        if not set(deadline["states"]) <= set(contract["states"]):
            problems.append(f"deadline {deadline['id']!r} names unknown states")
    return problems


def _move_and_rule_problems(spec: Spec) -> list[str]:
    contract = spec.contract
    states, rules = set(contract["states"]), set(contract["rules"])
    problems = []
    used_rules = {guard["rule"] for guard in contract["guards"]}
    if set(contract["moves"]) != set(contract["events"]):
        problems.append("moves and events must name the same events")
    for event, row in contract["moves"].items():
        if set(row) != states:
            problems.append(f"moves[{event!r}] must name every state exactly once")
        for state, target in row.items():
            if target.startswith("!"):
                used_rules.add(target[1:])
                if target[1:] not in rules:
                    problems.append(f"moves[{event!r}][{state!r}]: no rule {target[1:]!r}")
            elif target not in states:
                problems.append(f"moves[{event!r}][{state!r}]: no state {target!r}")
    if unknown := used_rules - rules:
        problems.append(f"unknown rules {sorted(unknown)}")
    if unused := rules - used_rules:
        problems.append(f"rules never applied: {sorted(unused)}")
    return problems


def kept_keys(spec: Spec) -> set[str]:
    """The config keys the contract keeps as session state (its SESSION_KEYS_EFFECT's)."""
    return {
        name
        for effect in spec.contract["effects"]
        if effect["effect"] == SESSION_KEYS_EFFECT
        for name in effect.get("fields", ())
    }


def _raw_audio_problems(spec: Spec) -> list[str]:
    """segments.json's raw audio frames name a config key the session keeps and the same
    models as the contract's audio_format guard (D55, D56)."""
    audio = spec.segments.get("raw_audio")
    if audio is None:
        return []
    kept = kept_keys(spec)
    problems = []
    if audio["declared_by"] not in kept:
        problems.append(
            f"segments.json raw_audio: declared_by {audio['declared_by']!r} is not a config "
            f"key a {SESSION_KEYS_EFFECT} effect keeps ({sorted(kept)})"
        )
    guarded = [
        set(guard["models"])
        for guard in spec.contract["guards"]
        if guard["check"] == "audio_format_on_audio_model"
    ]
    if guarded != [set(audio["models"])]:
        problems.append(
            f"segments.json raw_audio: models {audio['models']} are not the ones the "
            f"audio_format_on_audio_model guard admits ({[sorted(g) for g in guarded]})"
        )
    return problems


# The effects whose `fields` are config keys (D52): the one that keeps them in force, and
# the one that counts the frames sent under them.
SESSION_KEYS_EFFECT = "acknowledge_config"
CONFIG_KEY_EFFECTS = frozenset({SESSION_KEYS_EFFECT, "count_keyed_frames"})


# Which guard parameters each check reads, and which schema definitions name their values.
CHECK_PARAMETERS: dict[str, dict[str, str]] = {
    "signal_reading_changed": {"fields": "SignalData"},
    "acknowledged_include_any": {"flags": "IncludeFlag"},
    "requested_sections_present": {"sections": "ConversationQualityData"},
    "end_reason_not": {"reasons": "KnownEndReason"},
    "segment_at_most": {"limit": "SessionReadyData"},
    "segment_at_least": {"limit": "SessionReadyData"},
    "config_values_supported": {"fields": "SessionConfig", "options": "SessionReadyData"},
    "config_well_formed": {"fields": "SessionConfig"},
    "values_documented": {"fields": "@data"},
    "values_documented_or_offered": {"fields": "@data", "options": "SessionReadyData"},
    "signal_time_forward": {"fields": "@data"},
    "config_key_kept_after_frames": {"fields": "SessionConfig"},
    "audio_format_on_audio_model": {"models": "KnownModel"},
}
# "@data": the fields of the guarded event's data.
EVERY_SERVER_EVENT = "*"


def guard_documented_sets(spec: Spec, guard: dict[str, Any]) -> dict[str, str]:
    """For a guard that checks values against documented closed sets: field -> the _vocab
    constant of its set (D33, D34). The data of the guarded event names the sets; a config
    frame's values are any strings (D34), so the options session.ready offers name theirs."""
    check = guard["check"]
    if check in ("values_documented", "values_documented_or_offered"):
        def_name = spec.data_def(guard["event"])
    elif check == "config_values_supported":
        def_name = "SessionOptions"
    elif check == "audio_format_on_audio_model":
        # A model outside the known ones is not judged (D56): the check needs to know them.
        return {"model": _constant_name("KnownModel")}
    else:
        return {}
    found = {}
    for field in guard["fields"]:
        constant = spec.documented_set(def_name, field)
        if constant is None:
            raise SpecError(f"guard {guard['rule']!r}: {def_name}.{field} has no documented set")
        found[field] = constant
    return found


def _parameter_problems(spec: Spec, guard: dict[str, Any]) -> list[str]:
    """A guard's parameters must be the ones its check reads, naming things that exist."""
    where = f"guard {guard['rule']!r} ({guard['check']})"
    wanted = CHECK_PARAMETERS.get(guard["check"], {})
    problems = [f"{where}: needs {name!r}" for name in wanted if name not in guard]
    general = {
        "rule",
        "event",
        "check",
        "states",
        "server_reply",
        "switch",
        "checked_by",
        "codes",
        "unless",
    }
    problems += [
        f"{where}: {name!r} means nothing to this check"
        for name in guard
        if name not in general and name not in wanted and not name.startswith("$")
    ]
    defs = spec.defs
    enum_values = {n: set(d["enum"]) for n, d in defs.items() if "enum" in d}
    for name, wanted_target in wanted.items():
        target = wanted_target
        value = guard.get(name)
        if value is None:
            continue
        if name == "sections":
            flags, fields = enum_values["IncludeFlag"], _fields_of(spec, target)
            problems += [
                f"{where}: section {section!r} names an unknown flag or field"
                for section in value
                if section["flag"] not in flags or section["field"] not in fields
            ]
            continue
        names = value if isinstance(value, list) else [value]
        if target == "@data":
            target = spec.data_def(guard["event"])
            present = [n for n in names if n in _fields_of(spec, target)]
            if guard["check"].startswith("values_documented"):
                problems += [
                    f"{where}: field {n!r} is not a tolerantly read closed set (D33)"
                    for n in present
                    if spec.documented_set(target, n) is None
                ]
        known = enum_values.get(target) or _fields_of(spec, target)
        if name == "fields" and guard["check"] in ("config_values_supported", "config_well_formed"):
            known = known & _fields_of(spec, "SessionOptions")
        if name == "options":
            known = {
                field
                for field, schema in defs[target]["properties"].items()
                if schema.get("$ref") == "#/$defs/SessionOptions"
            }
        problems += [f"{where}: {name} {n!r} is not known" for n in names if n not in known]
    if "codes" in guard and guard["event"] != "error":
        problems.append(f"{where}: codes only filter error events")
    kept = kept_keys(spec)
    if "unless" in guard and guard["unless"] not in kept:
        problems.append(
            f"{where}: unless {guard['unless']!r} is not a config key a {SESSION_KEYS_EFFECT} "
            f"effect keeps ({sorted(kept)})"
        )
    return problems


def _reference_problems(spec: Spec) -> list[str]:
    contract = spec.contract
    events, states = contract["events"], set(contract["states"])
    codes = {entry["code"] for entry in spec.errors["errors"]}
    problems = []
    switches = {guard["switch"] for guard in contract["guards"] if "switch" in guard}
    if not all(name.isidentifier() for name in switches):
        problems.append(f"switch names must be Python identifiers: {sorted(switches)}")
    for guard in contract["guards"]:
        where = f"guard {guard['rule']!r}"
        problems += _parameter_problems(spec, guard)
        if not set(guard.get("codes", [])) <= codes:
            problems.append(f"{where}: codes not in errors.json")
        if guard["event"] not in events and guard["event"] != EVERY_SERVER_EVENT:
            problems.append(f"{where}: unknown event {guard['event']!r}")
        if "server_reply" in guard and guard["server_reply"] not in codes:
            problems.append(f"{where}: {guard['server_reply']!r} is not in errors.json")
        if not set(guard.get("states", [])) <= states:
            problems.append(f"{where}: unknown states")
    for effect in contract["effects"]:
        if effect["event"] not in events and effect["event"] != EVERY_SERVER_EVENT:
            problems.append(f"effect {effect['effect']!r}: unknown event {effect['event']!r}")
        if not set(effect.get("codes", [])) <= codes:
            problems.append(f"effect {effect['effect']!r}: codes not in errors.json")
        sender = events.get(effect["event"], {}).get("sender")
        message = events.get(effect["event"], {}).get("message")
        if effect["effect"] in CONFIG_KEY_EFFECTS:
            message = "SessionConfig"  # their fields are config keys, whatever the event
        if "fields" in effect and message is None and sender == "server":
            data_fields = _fields_of(spec, spec.data_def(effect["event"]))
            problems += [
                f"effect {effect['effect']!r}: {effect['event']} data has no field {name!r}"
                for name in effect["fields"]
                if name not in data_fields
            ]
        elif "fields" in effect and message is not None:
            problems += [
                f"effect {effect['effect']!r}: {message} has no field {name!r}"
                for name in effect["fields"]
                if name not in _fields_of(spec, message)
            ]
    for deadline in contract["deadlines"]:
        where = f"deadline {deadline['id']!r}"
        if deadline["limit"] not in _fields_of(spec, spec.data_def(deadline["of"])):
            problems.append(f"{where}: no {deadline['of']} field {deadline['limit']!r}")
        if deadline["error_code"] is not None and deadline["error_code"] not in codes:
            problems.append(f"{where}: code not in errors.json")
    return problems


def schema_for_models(spec: Spec) -> dict[str, Any]:
    """The protocol schema as datamodel-code-generator should see it.

    Four rewrites, each for something the tool cannot express for msgspec (or not fast):
    - an open vocabulary (anyOf: [Known* enum, string]) or a tolerantly read closed set
      (anyOf: [enum, string], D33) becomes its string branch, since a msgspec union may not
      hold two string-like types; the enum stays and becomes a Literal alias plus a frozenset
      (see _vocab.py);
    - the client union is dropped: a config frame has no tag, so msgspec cannot decode that
      union, and the codec template decodes client frames itself;
    - descriptions are kept only on objects (they become class docstrings), so aliases do not
      carry long Meta(description=...) strings into the hot import path;
    - a uuid-format string stays a str: msgspec's UUID objects cost more to build than the rest
      of an envelope, and the one uuid field (correlation_id) repeats on every message, so the
      codec checks its format once per distinct value instead (see uuid_fields()).
    """
    schema = copy.deepcopy(spec.protocol)
    defs = schema["$defs"]
    strings = {**spec.open_vocabulary_names(), **spec.tolerant_vocabulary_names()}
    for name in strings:
        original = defs[name]
        (string_branch,) = [b for b in original["anyOf"] if b.get("type") == "string"]
        defs[name] = dict(string_branch)
    del defs[CLIENT_UNION]
    for name, definition in list(defs.items()):
        # A date-time with alternative spellings (D31) is a datetime to the models: the
        # pattern only spells out what their parser also reads.
        if {"format": "date-time"} in definition.get("anyOf", []):
            defs[name] = {"type": "string", "format": "date-time"}
    for name in _uuid_defs(spec):
        defs[name] = {k: v for k, v in defs[name].items() if k not in ("format", "pattern")}
    for key in ("title", "description", "$comment"):
        schema.pop(key, None)
    _strip_descriptions(schema)
    for name, definition in defs.items():
        if definition.get("type") == "object" and name in spec.protocol["$defs"]:
            description = spec.protocol["$defs"][name].get("description")
            if description:
                definition["description"] = description
    return schema


def _uuid_defs(spec: Spec) -> list[str]:
    return [
        name
        for name, schema in spec.defs.items()
        if schema.get("type") == "string" and schema.get("format") == "uuid"
    ]


def uuid_fields(spec: Spec) -> list[str]:
    """Envelope fields in uuid format, the same in every server message; the codec checks
    them. A uuid anywhere else is not supported (it would go unchecked), so it is refused."""
    refs = {f"#/$defs/{name}" for name in _uuid_defs(spec)}
    envelope_fields: set[str] | None = None
    for message in spec.server_messages():
        properties = spec.properties_of(message.class_name)
        found = {field for field, schema in properties.items() if schema.get("$ref") in refs}
        if envelope_fields is not None and found != envelope_fields:
            raise SpecError("uuid fields must be the same in every server envelope")
        envelope_fields = found
    used_elsewhere = sorted(
        name
        for name in _reachable(spec, [m.class_name for m in spec.server_messages()])
        if name not in {m.class_name for m in spec.server_messages()}
        and name not in _bases_of_messages(spec)
        and any(ref in json.dumps(spec.defs[name]) for ref in refs)
    )
    if used_elsewhere:
        raise SpecError(
            f"uuid values are only supported as envelope fields, not in {used_elsewhere}"
        )
    return sorted(envelope_fields or ())


def _bases_of_messages(spec: Spec) -> set[str]:
    """The definitions server envelopes extend (allOf): the envelope base."""
    return {
        _def_name(base["$ref"])
        for message in spec.server_messages()
        for base in spec.defs[message.class_name].get("allOf", [])
    }


def _reachable(spec: Spec, roots: list[str]) -> set[str]:
    """The $defs a set of definitions refers to, directly or not (roots included)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [ref.rsplit("/", 1)[1] for ref in _refs(spec.defs[name])]
    return seen


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _strip_descriptions(schema: Any) -> None:
    """Drop annotations from a schema, walking into subschemas (not into name maps)."""
    if isinstance(schema, list):
        for item in schema:
            _strip_descriptions(item)
        return
    if not isinstance(schema, dict):
        return
    for key in ("description", "$comment", "title"):
        schema.pop(key, None)
    for key, value in schema.items():
        if key in ("properties", "$defs", "patternProperties"):
            for subschema in value.values():
                _strip_descriptions(subschema)
        elif key in ("items", "anyOf", "oneOf", "allOf", "not", "additionalProperties"):
            _strip_descriptions(value)
