"""Turn a loaded Spec into the files of generated/interhuman_stream.

datamodel-code-generator writes the msgspec Structs (_models.py) through our own Struct
template; jinja2 templates write every other module. All output is formatted by the pinned
ruff so the bytes depend only on spec/, the templates and the pinned tool versions.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import tomllib
from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType

from ._fastpath import fast_path, shared_with
from ._model import ContractTables, contract_tables
from ._registry import check_registry
from ._spec import (
    CLIENT_UNION,
    PROTOCOL_FILE,
    ROOT,
    Spec,
    SpecError,
    guard_documented_sets,
    overlay_file,
    schema_for_models,
    uuid_fields,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
RUNTIME = Path(__file__).resolve().parent / "runtime"
# The first line of every hand-written runtime module, in its source and in its verbatim copy:
# the same bytes in both, so a line number in either points at the same line.
RUNTIME_HEADER = "# Hand-written runtime: edit codegen/runtime/{name} (regen copies it verbatim).\n"
PACKAGE = "interhuman_stream"
OUTPUT_DIR = ROOT / "generated" / PACKAGE
DEFS_REF = "#/$defs/"

REGEN_COMMAND = "nox -s regen"

# Output module -> (template, the spec files it is made from), rendered by jinja2.
MODULE_TEMPLATES = {
    "_vocab.py": ("_vocab.py.jinja2", ("protocol.schema.json", "errors.json")),
    "_catalog.py": ("_catalog.py.jinja2", ("errors.json",)),
    "_handshake_data.py": ("_handshake_data.py.jinja2", ("handshake.json", "v2.overlay.json")),
    "_segments.py": ("_segments.py.jinja2", ("segments.json",)),
    "_codec.py": ("_codec.py.jinja2", ("protocol.schema.json",)),
    "_contract.py": ("_contract.py.jinja2", ("contract.json",)),
    "_fastpath.py": ("_fastpath.py.jinja2", ("contract.json", "protocol.schema.json")),
    "__init__.py": ("__init__.py.jinja2", ("protocol.schema.json", "errors.json", "contract.json")),
}


# The public face. The top level holds what a user of a connection needs (about 30 names);
# the namespaces hold the rest: `messages` every message and data Struct with the value
# sets, `handshake` the handshake names and helpers, `segments` the video-segment rules.
# Names that modules made from spec/ definitions (_models, _vocab) define are added to
# `messages` as the spec defines them.
TOP_LEVEL = {
    "_client": ("ClientConnection",),
    "_server": ("ServerConnection", "ServerReceived"),
    "_contract": ("RULES", "Rule", "SessionState"),
    "_codec": (
        "ClientMessage",
        "DecodeError",
        "UnknownMessage",
        "decode_client_message",
        "decode_server_message",
        "encode_client_message",
    ),
    "_models": ("ServerMessage", "SessionSummary"),
    "_errors": ("LocalProtocolError", "ProtocolError", "RemoteProtocolError", "Violation"),
    "_fold": ("Fold",),
    "_values": (
        "Change",
        "Deadline",
        "FrameExcerpt",
        "OfferedConfig",
        "Received",
        "SentSegment",
    ),
    "_summary": ("SummaryFold", "encode_summary"),
    "_conversation": ("Conversation",),
    "_catalog": ("ERROR_CATALOG", "ErrorInfo", "error_info"),
    "_handshake": ("ApiKey", "ClientHandshake", "client_handshake"),
}
# Imported on first use (the package's __getattr__): a program that runs only a client does
# not pay for the server, the conversation, the summary fold, the handshake or the Fold
# protocol at import, and a namespace loads when first named.
LAZY_MODULES = ("_conversation", "_fold", "_handshake", "_server", "_summary")
LAZY_NAMESPACES = ("handshake", "messages", "segments")
NAMESPACES: dict[str, dict[str, tuple[str, ...]]] = {
    "messages": {
        "_codec": ("ClientMessage", "MESSAGE_CLASSES", "UnknownMessage"),
    },
    "handshake": {
        "_handshake": (
            "AUTHORIZATION_HEADER",
            "BEARER_SCHEME",
            "CLIENT_REQUEST_ID_HEADER",
            "CLOSE_CODES",
            "CORRELATION_ID_HEADER",
            "DEFAULT_SUBPROTOCOL_FORM",
            "DEFAULT_URL",
            "ENDPOINT_PATH",
            "SUBPROTOCOL_HEADER",
            "SUBPROTOCOL_TOKEN_NAME",
            "ProtocolVersion",
            "SubprotocolForm",
            "ApiKey",
            "AuthMethod",
            "ClientHandshake",
            "Credential",
            "client_handshake",
            "correlation_id_from_headers",
            "credential_from_request",
            "endpoint_url",
            "server_response_headers",
        ),
    },
    "segments": {
        "_segments": (
            "CONTAINER_FORMATS",
            "DOCUMENTED_MAX_SEGMENT_SIZE_BYTES",
            "DOCUMENTED_MIN_SEGMENT_DURATION_SECONDS",
            "DOCUMENTED_MIN_SEGMENT_SIZE_BYTES",
            "POSSIBLE_SEGMENT_INDEX_BASES",
            "SEGMENT_INDEX_BASE",
            "BytePattern",
            "ContainerFormat",
            "sniff_container",
        ),
    },
}
# A later protocol version's subpackage: its own messages, value sets and codec, on the
# runtime and errors the package shares (D48).
VERSION_MODULES = {
    name: MODULE_TEMPLATES[name]
    for name in ("_vocab.py", "_catalog.py", "_codec.py", "_contract.py", "_fastpath.py")
}
# What a later version's contract may change: its rules (not one a move names: the moves are
# v1's), guards and effects (the engine takes them from the version's bundle, _versions.py);
# every other table is v1's, imported by its _contract.py.
VERSION_CONTRACT_CHANGES = frozenset(
    {"rules", "rule_pairs", "guards", "guard_pairs", "effects", "effect_pairs"}
)
VERSION_EXPORTS = {
    "_codec": (
        "MESSAGE_CLASSES",
        "ClientMessage",
        "decode_client_message",
        "decode_server_message",
        "encode_client_message",
    ),
    "_contract": ("RULES",),
    "_catalog": ("ERROR_CATALOG", "error_info"),
}

NAMESPACE_DOCS = {
    "messages": "Every message of the protocol as a frozen msgspec Struct (server envelopes, their "
    "data, the client frames, the session summary), the value sets of its fields, and the "
    "message classes by envelope type. Generated from spec/protocol.schema.json.",
    "handshake": "The WebSocket handshake: header and subprotocol names, the endpoint, close "
    "codes, and the helpers that build and read credentials. From spec/handshake.json.",
    "segments": "Binary video segments: the documented limits, the accepted containers and "
    "how a segment's first bytes are recognised. From spec/segments.json.",
}


def _project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def _header(template: str, sources: tuple[str, ...]) -> str:
    names = ", ".join(f"spec/{s}" for s in sources)
    return (
        "# Generated - do not edit. Change the sources and run `" + REGEN_COMMAND + "`.\n"
        f"# Sources: {names}\n"
        f"# Template: codegen/templates/{template}\n"
    )


def _model_options(spec: Spec) -> dict[str, Any]:
    extra: dict[str, dict[str, Any]] = {}
    for class_name, tag in spec.client_messages():
        extra[class_name] = {"forbid_unknown_fields": True}
        if tag is not None:
            extra[class_name]["struct_tag"] = repr(tag)
    return {
        "input_file_type": InputFileType.JsonSchema,
        "output_model_type": DataModelType.MsgspecStruct,
        "target_python_version": "3.10",
        "use_msgspec_tagged_unions": True,
        "output_datetime_class": "datetime",
        "use_standard_primitive_types": True,
        "use_annotated": True,
        "field_constraints": True,
        "disable_timestamp": True,
        "keyword_only": True,
        "use_union_operator": True,
        # Annotations evaluated when each class is made, not strings: msgspec reads them as
        # they are when it builds the decoders at import (about 1 ms less than evaluating
        # every string annotation again).
        "disable_future_imports": True,
        "use_standard_collections": True,
        "enum_field_as_literal": "all",
        "use_schema_description": True,
        "skip_root_model": True,
        "formatters": ["builtin"],
        "custom_template_dir": TEMPLATES / "datamodel",
        "extra_template_data": extra,
    }


def render_models(spec: Spec, shared: frozenset[str] = frozenset()) -> str:
    """The message Structs and type aliases of `spec`'s schema. `shared`: the definitions a
    later version leaves as v1's (shared_definitions), imported from v1's module instead of
    defined again, so both versions' messages are the same classes where the spec agrees."""
    with warnings.catch_warnings():
        # Any warning means the tool could not express part of the spec: fail loudly.
        warnings.simplefilter("error")
        code = generate(schema_for_models(spec), **_model_options(spec))
    if not isinstance(code, str):
        raise TypeError("datamodel-code-generator produced several modules; expected one")
    body = code.split("\n", 1)[1] if code.startswith("# generated by datamodel-codegen") else code
    # Drop the tool's own "filename:" header line(s); ours names every source.
    lines = body.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    # The tool writes the msgspec Struct template with datetime for timestamps; a timestamp
    # must carry its offset (D5), which msgspec enforces with Meta(tz=True).
    text = "".join(lines)
    naive = "Timestamp: TypeAlias = datetime\n"
    if naive not in text:
        raise ValueError("expected the Timestamp alias in the generated models")
    text = text.replace(naive, "Timestamp: TypeAlias = Annotated[datetime, Meta(tz=True)]\n")
    # Without the future import the tool puts None before UnsetType; the order means nothing
    # to msgspec or to typing, and the lint rules want None last.
    text = text.replace(" | None | UnsetType", " | UnsetType | None")
    if shared:
        text = _import_shared(text, shared)
    overlays = tuple(filter(None, [overlay_file(spec)]))
    header = _header(
        "datamodel/msgspec.jinja2, by datamodel-code-generator", (PROTOCOL_FILE, *overlays)
    )
    return header + "\n" + text.lstrip("\n")


def _references(schema: Any) -> set[str]:
    """The $defs names a schema refers to, anywhere in it."""
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith(DEFS_REF):
                raise SpecError(f"{PROTOCOL_FILE}: $ref {ref!r} is not to a $defs entry")
            found.add(ref.removeprefix(DEFS_REF))
        for value in schema.values():
            found |= _references(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= _references(item)
    return found


def shared_definitions(spec: Spec, base: Spec) -> frozenset[str]:
    """The $defs entries a later version leaves as v1's (`base`): its schema, as the models
    see it (schema_for_models), is equal in both, and so is that of every entry it refers
    to, however indirectly. Their Structs and aliases are then v1's, imported."""
    defs = schema_for_models(spec)["$defs"]
    base_defs = schema_for_models(base)["$defs"]
    shared = {name for name, schema in defs.items() if base_defs.get(name) == schema}
    references = {name: _references(defs[name]) for name in shared}
    while dropped := {name for name in shared if not references[name] <= shared}:
        shared -= dropped
    return frozenset(shared)


def _import_shared(text: str, shared: frozenset[str]) -> str:
    """The generated models without the top-level definitions named in `shared`, which come
    from v1's module instead (one import, re-exported through __all__), and without the
    imports only those definitions used."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    defined: list[str] = []
    kept: list[ast.stmt] = []
    imports: list[ast.ImportFrom] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            imports.append(node)
            continue
        if isinstance(node, ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        else:
            raise SpecError(f"generated models: unexpected top-level {ast.dump(node)[:60]}")
        defined.append(name)
        if name not in shared:
            kept.append(node)
    if missing := sorted(shared - set(defined)):
        raise SpecError(f"generated models: no top-level definition of shared {missing}")
    used = {
        node.id for statement in kept for node in ast.walk(statement) if isinstance(node, ast.Name)
    }
    printed = [
        f"from {node.module} import {', '.join(names)}\n"
        for node in imports
        if (names := [alias.name for alias in node.names if alias.name in used])
    ]
    printed.append(
        "# What this version's schema leaves as v1's is v1's: the same classes and aliases\n"
        "# (shared_definitions in codegen/_render.py).\n"
        f"from .._models import {', '.join(sorted(shared))}\n"
    )
    definitions = [
        "".join(lines[_first_line(statement) - 1 : statement.end_lineno]) for statement in kept
    ]
    # Every name the module provides, its own and v1's, in the order the schema gives them.
    return "".join(printed) + "\n\n" + "\n\n".join(definitions) + f"\n\n__all__ = {defined!r}\n"


def _first_line(statement: ast.stmt) -> int:
    decorators = statement.decorator_list if isinstance(statement, ast.ClassDef) else []
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["pyrepr"] = repr
    env.filters["tuple"] = tuple
    env.filters["yq"] = json.dumps  # a JSON string is a valid double-quoted YAML scalar
    env.filters["bytes_literal"] = lambda hex_text: repr(bytes.fromhex(hex_text))
    return env


ASYNCAPI_FILE = ROOT / "generated" / "asyncapi.yaml"


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


# The config frame's message id: the reference names it ("Acknowledges that an inbound
# stream_session_config_v1 text frame was accepted", on session.updated). FACTS §2.2 still
# lists the name as NOT FOUND; the reference wins (FACTS §0.1).
CONFIG_MESSAGE_ID = "stream_session_config_v1"
CONFIG_MESSAGE_SOURCE = (
    "Named as the reference names it: session.updated acknowledges"
    " that an inbound stream_session_config_v1 text frame was accepted."
)


def _mebibytes(size: int) -> str:
    """32 MB for 33554432: the reference writes 32MB for the 32 MiB of session.ready."""
    mib = 1024 * 1024
    return f"{size // mib} MB" if size % mib == 0 else f"{size} bytes"


def _unchecked_duration(spec: Spec) -> str:
    """The segment-duration note; refuses to render once contract.json checks a duration."""
    if "segment_duration" in json.dumps(spec.contract):
        raise SpecError("contract.json names a segment duration: update the AsyncAPI note")
    return (
        "The minimum duration (min_segment_duration_seconds in session.ready) is not checked"
        " by the sans-IO core (ClientConnection, ServerConnection): checking it needs the"
        " media parsed."
    )


def _video_segment(spec: Spec) -> tuple[str, str]:
    """The binary frame's summary and description: the reference's duration, size and formats
    as segments.json holds them (FACTS §2.1: [DOC-V1], [SK-V1])."""
    segments = spec.segments
    containers = ", ".join(c["name"] for c in segments["containers"])
    seconds = segments.get("documented_min_segment_duration_seconds")
    size = _mebibytes(segments["documented_max_segment_size_bytes"])
    at_least = "" if seconds is None else f"be at least {seconds} seconds long and must "
    summary = (
        f"One binary frame of video. Each segment must {at_least}not exceed {size}."
        f" Accepted containers: {containers}."
    )
    description = (
        "The size limits in force are the ones session.ready announces (min_segment_size_bytes,"
        f" max_segment_size_bytes); {size} is the documented default. {_unchecked_duration(spec)}"
    )
    return summary, description


def _raw_audio_frames(spec: Spec) -> list[dict[str, Any]]:
    """The binary frame of raw audio, for a version whose segments.json has one (v2: D55)."""
    audio = spec.segments.get("raw_audio")
    if audio is None:
        return []
    cited = ", ".join(f"[{source}]" for source in audio["sources"])
    models = ", ".join(audio["models"])
    return [
        {
            "key": "rawAudioFrame",
            "operation": "RawAudioFrame",
            "name": "raw audio frame",
            "title": "Raw audio frame",
            "summary": audio["summary"],
            "description": f"{audio['description']} Models: {models} ({cited}).",
            "content_type": "application/octet-stream",
            "ref": None,
            "payload_description": f"PCM samples, after {audio['declared_by']} (a config).",
        }
    ]


def _upgrade_response(spec: Spec) -> str:
    """What the server's upgrade response carries, from handshake.json (FACTS §1)."""
    correlation = spec.handshake["correlation_id_header"]
    request = spec.handshake["client_request_id_header"]
    cited = ", ".join(f"[{s}]" for s in correlation["sources"])
    return (
        f"On the upgrade the server returns its own correlation id in the {correlation['name']}"
        " HTTP response header; the same id is correlation_id in every envelope. The client's"
        f" optional {request['name']} request header is not echoed back ({cited})."
    )


def render_asyncapi(spec: Spec, payload_schema: str = "../spec/protocol.schema.json") -> str:
    """The AsyncAPI 3.0 document of a version's channel, from the same spec files;
    `payload_schema` is where its payloads' JSON Schema is, relative to the document."""
    defs = spec.defs
    video_summary, video_description = _video_segment(spec)
    client_frames = (
        [
            {
                "key": "videoSegment",
                "operation": "VideoSegment",
                "name": "video segment",
                "title": "Video segment",
                "summary": video_summary,
                "description": video_description,
                "content_type": "application/octet-stream",
                "ref": None,
                "payload_description": spec.segments["continuation_chunks"],
            }
        ]
        + _raw_audio_frames(spec)
        + [
            {
                "key": _camel(name) if tag is not None else CONFIG_MESSAGE_ID,
                "operation": name,
                "name": tag or CONFIG_MESSAGE_ID,
                "title": name,
                "summary": defs[name]["description"],
                "description": None if tag is not None else CONFIG_MESSAGE_SOURCE,
                "content_type": "application/json",
                "ref": name,
            }
            for name, tag in spec.client_messages()
        ]
    )
    server_frames = [
        {
            "key": _camel(message.class_name),
            "name": message.tag,
            "title": message.class_name,
            "summary": defs[message.class_name]["description"],
            "description": None,
            "content_type": "application/json",
            "ref": message.class_name,
        }
        for message in spec.server_messages()
    ]
    host = spec.handshake["url"].split("://", 1)[1].split("/", 1)[0]
    template = _environment().get_template("asyncapi.yaml.jinja2")
    text = template.render(
        client_frames=client_frames,
        server_frames=server_frames,
        handshake=spec.handshake,
        upgrade_response=_upgrade_response(spec),
        server_host=host,
        version=_project_version(),
        protocol_version=spec.version,
        payload_schema=payload_schema,
        payload_schema_name=payload_schema.removeprefix("../"),
        sources=[f"spec/{name}" for name in spec.sources],
    )
    sources: tuple[str, ...] = ("protocol.schema.json", "handshake.json", "segments.json")
    sources += (
        "contract.json",
        *filter(None, [overlay_file(spec)]),
    )
    return _header("asyncapi.yaml.jinja2", sources) + text


def render_documents(versions: Mapping[str, Spec], asyncapi: Path) -> dict[Path, str]:
    """The documents beside the package: each version's AsyncAPI document (v1's at
    `asyncapi`, a later one's beside it as asyncapi-<version>.yaml) and, for a later version,
    its protocol schema with the overlay applied, which that document's payloads refer to."""
    documents = {asyncapi: render_asyncapi(versions["v1"])}
    for version, spec in versions.items():
        if version == "v1":
            continue
        schema_name = f"protocol-{version}.schema.json"
        resolved = {
            **spec.protocol,
            "$comment": (
                f"Generated - do not edit: spec/protocol.schema.json with spec/{overlay_file(spec)}"
                f" applied. Change those and run `{REGEN_COMMAND}`."
            ),
        }
        documents[asyncapi.with_name(schema_name)] = json.dumps(resolved, indent=2) + "\n"
        documents[asyncapi.with_name(f"asyncapi-{version}.yaml")] = render_asyncapi(
            spec, schema_name
        )
    return documents


def _config_reply_code(spec: Spec) -> str:
    """The error code a server answers a rejected config frame with (from contract.json)."""
    codes: set[str] = {
        guard["server_reply"]
        for guard in spec.contract["guards"]
        if guard["event"] == "config" and "server_reply" in guard
    }
    if len(codes) != 1:
        raise SpecError(f"contract.json: config guards must name one server_reply, got {codes}")
    return codes.pop()


def _kinds(spec: Spec, schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema admits (refs and anyOf branches followed)."""
    if "$ref" in schema:
        return _kinds(spec, spec.defs[schema["$ref"].rsplit("/", 1)[1]])
    if "anyOf" in schema:
        return set().union(*(_kinds(spec, branch) for branch in schema["anyOf"]))
    kinds = schema.get("type", "string" if "enum" in schema else "any")
    return set(kinds) if isinstance(kinds, list) else {kinds}


def _comparable_fields(spec: Spec, def_name: str) -> dict[str, str]:
    """How the fast path compares each field of a reading: `raw` when values compare equal
    exactly when they are equal (never null, never a list), `nullable` when absent and null
    also mean the same, `normalised` (through the engine's _comparable) for lists."""
    found = {}
    for field, schema in spec.defs[def_name]["properties"].items():
        kinds = _kinds(spec, schema)
        if "array" in kinds or "any" in kinds:
            found[field] = "normalised"
        elif "null" in kinds:
            found[field] = "nullable"
        else:
            found[field] = "raw"
    return found


def _client_fields(spec: Spec, name: str, vocabularies: list[Any]) -> list[dict[str, Any]]:
    """The fields of a client frame (besides its tag), each of a kind the encoder checks:
    `strings`, an array of strings, either of a closed value set or (D34: which values may
    be sent is a contract rule) of any string, checked with set operations; `string`, a
    non-empty string; `struct`, an object of its own definition (v2's audio_format), checked
    exactly by the decoder. Any other kind of field would need another check, so codegen
    refuses it rather than let it through unchecked."""
    constants = {v.schema_name: v.constant for v in vocabularies if not v.is_open}
    fields = []
    for field, schema in spec.defs[name].get("properties", {}).items():
        if field == "type" and "const" in schema:
            continue
        items = schema.get("items", {}) if schema.get("type") == "array" else {}
        target = items.get("$ref", "").rsplit("/", 1)[-1]
        if items == {"type": "string"}:
            # The documented values (from what session.ready may offer) are the usual case:
            # a set comparison takes them without looking at each item's type.
            options = spec.defs.get("SessionOptions", {}).get("properties", {})
            known = spec.documented_set("SessionOptions", field) if field in options else None
            fields.append({"name": field, "kind": "strings", "value_set": None, "known_set": known})
        elif target in constants:
            fields.append({"name": field, "kind": "strings", "value_set": constants[target]})
        elif schema.get("type") == "string":
            fields.append({"name": field, "kind": "string", "value_set": None})
        elif spec.defs.get(schema.get("$ref", "").rsplit("/", 1)[-1], {}).get("type") == "object":
            fields.append({"name": field, "kind": "struct", "value_set": None})
        else:
            raise SpecError(
                f"{name}.{field}: client fields are arrays of strings, strings or objects"
            )
    return fields


def template_context(spec: Spec) -> dict[str, Any]:
    defs = spec.defs
    vocabularies = spec.vocabularies()
    server = spec.server_messages()
    client: list[dict[str, Any]] = [
        {"class_name": name, "tag": tag, "fields": _client_fields(spec, name, vocabularies)}
        for name, tag in spec.client_messages()
    ]
    untagged = [frame["class_name"] for frame in client if frame["tag"] is None]
    # The sets the encoder's set comparisons use: only a frame whose fields are all arrays of
    # strings is checked that way (any other is checked exactly by the decoder).
    compared = [c for c in client if all(f["kind"] == "strings" for f in c["fields"])]
    client_value_sets = sorted(
        {f["value_set"] for frame in compared for f in frame["fields"] if f["value_set"]}
        | {f["known_set"] for frame in compared for f in frame["fields"] if f.get("known_set")}
    )
    if len(untagged) != 1:
        raise SpecError(f"{CLIENT_UNION}: exactly one client frame may lack a type: {untagged}")
    structs = [name for name, schema in defs.items() if schema.get("type") == "object"]
    documented = [guard_documented_sets(spec, guard) for guard in spec.contract["guards"]]
    literal_aliases = [v.schema_name for v in vocabularies]
    namespaces: dict[str, dict[str, tuple[str, ...]]] = {
        name: dict(modules) for name, modules in NAMESPACES.items()
    }
    namespaces["messages"]["_models"] = (*structs, *literal_aliases, "ServerMessage")
    namespaces["messages"]["_vocab"] = (
        *(v.constant for v in vocabularies),
        "KNOWN_ERROR_CODES",
        "KNOWN_MESSAGE_TYPES",
    )
    public_names = sorted(
        {"__version__", *NAMESPACES, *(n for names in TOP_LEVEL.values() for n in names)}
    )
    return {
        "version": _project_version(),
        "public_names": public_names,
        "exports": {
            module: sorted(names)
            for module, names in sorted(TOP_LEVEL.items())
            if module not in LAZY_MODULES
        },
        "lazy_exports": {
            module: sorted(names)
            for module, names in sorted(TOP_LEVEL.items())
            if module in LAZY_MODULES
        },
        "eager_namespaces": sorted(set(NAMESPACES) - set(LAZY_NAMESPACES)),
        "lazy_namespaces": sorted(LAZY_NAMESPACES),
        "namespaces": {
            name: {module: sorted(names) for module, names in sorted(modules.items())}
            for name, modules in sorted(namespaces.items())
        },
        "server_messages": server,
        "uuid_fields": uuid_fields(spec),
        "signal_field_comparison": _comparable_fields(spec, "SignalData"),
        "client_messages": client,
        "untagged_client": untagged[0],
        "client_value_sets": client_value_sets,
        "structs": structs,
        "literal_aliases": literal_aliases,
        "vocabularies": vocabularies,
        "errors": spec.errors,
        "error_categories": spec.data_schema["$defs"]["ErrorCatalog"]["properties"]["errors"][
            "items"
        ]["properties"]["category"]["enum"],
        "handshake": spec.handshake,
        "segments": spec.segments,
        "contract": spec.contract,
        "fast": fast_path(spec, _comparable_fields(spec, "SignalData")),
        "tables": contract_tables(spec),
        "guard_documented": documented,
        "documented_constants": sorted({c for sets in documented for c in sets.values()}),
        "inline_documented_constants": sorted(
            {
                constant
                for guard, sets in zip(spec.contract["guards"], documented, strict=True)
                if guard["check"] == "values_documented"
                for constant in sets.values()
            }
        ),
        "switches": sorted({g["switch"] for g in spec.contract["guards"] if "switch" in g}),
        "bad_config_code": _config_reply_code(spec),
        "sources": spec.sources,
        "shared_contract": None,  # a later version's contract: where v1's is (render_version)
        "shared_vocab": [],  # a later version's value sets that are v1's (render_version)
        "shared_handlers": (),  # a later version's fast-path handlers that are v1's
        "shared_dispatch": [],  # its own handlers, put into v1's table (render_version)
        "runtime": ".",  # where the runtime modules are, from the rendered module
    }


# Safe mechanical fixes applied before formatting: import order and union member order.
RUFF_FIXES = "I,RUF036"


def _ruff(arguments: list[str], source: str, filename: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *arguments, "--stdin-filename", filename, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ruff {arguments[0]} failed on {filename}:\n{result.stderr}")
    return result.stdout


def format_python(source: str, filename: str) -> str:
    """Fix and format with the pinned ruff, configured by pyproject.toml."""
    fixed = _ruff(
        ["check", "--fix", "--exit-zero", "--quiet", "--select", RUFF_FIXES], source, filename
    )
    return _ruff(["format"], fixed, filename)


def endpoints(versions: Mapping[str, Spec]) -> list[dict[str, Any]]:
    """Each protocol version's endpoint, from its handshake.json (D48, D49)."""
    found = []
    for version, spec in versions.items():
        handshake = spec.handshake
        model = handshake.get("query", {}).get("model")
        found.append(
            {
                "version": version,
                "url": handshake["url"],
                "path": handshake["path"],
                "model_default": None if model is None else model.get("default"),
                "models_refused": () if model is None else tuple(model.get("refused_locally", ())),
            }
        )
    return found


def render_all(spec: Spec, versions: Mapping[str, Spec]) -> dict[str, str]:
    """Every file of the generated package: relative path -> text. `versions`: every
    protocol version's spec (their endpoints are generated beside v1's)."""
    check_registry(spec)
    files = {"_models.py": render_models(spec)}
    env = _environment()
    context = template_context(spec)
    context["endpoints"] = endpoints(versions)
    for module, (template_name, sources) in MODULE_TEMPLATES.items():
        template = env.get_template(template_name)
        files[module] = _header(template_name, sources) + "\n" + template.render(context)
    namespace_template = env.get_template("namespace.py.jinja2")
    for name, modules in context["namespaces"].items():
        text = namespace_template.render(doc=NAMESPACE_DOCS[name], modules=modules)
        sources = ("protocol.schema.json", "handshake.json", "segments.json", "errors.json")
        files[f"{name}.py"] = _header("namespace.py.jinja2", sources) + "\n" + text
    formatted = {
        name: format_python(text, f"generated/{PACKAGE}/{name}") for name, text in files.items()
    }
    formatted["py.typed"] = ""
    for version, later in versions.items():
        if version != "v1":
            for name, text in render_version(later, spec).items():
                formatted[f"{version}/{name}"] = text
    for name, text in runtime_modules().items():
        if name in formatted:
            raise SpecError(f"codegen/runtime/{name} has the name of a generated module")
        formatted[name] = text
    return dict(sorted(formatted.items()))


def render_version(spec: Spec, base: Spec) -> dict[str, str]:
    """A later version's subpackage (interhuman_stream.<version>): its message Structs, value
    sets, codec, contract guards and receive fast path - DecodeError, UnknownMessage, the
    runtime and the contract's other tables are the package's own (v1's, `base`), shared."""
    overlay = overlay_file(spec)
    check_registry(spec)
    tables, base_tables = contract_tables(spec), contract_tables(base)
    changed = {
        name
        for name in tables.__struct_fields__
        if getattr(tables, name) != getattr(base_tables, name)
    }
    if changed - VERSION_CONTRACT_CHANGES:
        raise SpecError(
            f"{overlay}: contract.json changes {sorted(changed - VERSION_CONTRACT_CHANGES)}; "
            f"a later version may change only {sorted(VERSION_CONTRACT_CHANGES)} (the engine "
            "takes the rest from v1)"
        )
    shared_rules = dict(base_tables.rules)
    base_rule_pairs = dict(
        zip((r for r, _ in base_tables.rules), base_tables.rule_pairs, strict=True)
    )
    version_rules = [
        (rule, _changes(pairs, base_rule_pairs.get(rule)))
        for (rule, text), pairs in zip(tables.rules, tables.rule_pairs, strict=True)
        if shared_rules.get(rule) != text
    ]
    moved_by = {target for _key, target in base_tables.moves if target.startswith("RULES[")}
    if reworded := {f"RULES[{rule}]" for rule, _text in version_rules} & moved_by:
        raise SpecError(
            f"{overlay}: contract.json changes {sorted(reworded)}, which v1's moves name; a "
            "later version may change only rules its guards apply"
        )
    reworded_ids = {ast.literal_eval(rule) for rule, _ in version_rules}
    guards = _guard_changes(spec, base, tables, base_tables, reworded_ids)
    base_errors = {entry["code"]: entry for entry in base.errors["errors"]}
    codes = {entry["code"] for entry in spec.errors["errors"]}
    if removed := sorted(set(base_errors) - codes):
        raise SpecError(f"{overlay}: errors.json removes {removed}; a later version may not")
    files = {"_models.py": render_models(spec, shared_definitions(spec, base))}
    env = _environment()
    shared = template_context(spec)
    context = {
        **shared,
        "shared_contract": "..",
        "runtime": "..",
        "version_rules": version_rules,
        **_shared_vocabulary(spec, base),
        "version_guards": guards,
        "uses_replace": any(kind == "replace" for _, (kind, _) in version_rules)
        or any(
            kind == "replace"
            for table in (guards, _effect_changes(spec, base, tables, base_tables))
            if table is not None
            for _, kind, _ in table["changed"]
        ),
        # What the guards this version prints use, of the shared classes and its value sets.
        **_printed_names(
            tables.guards
            if guards is None
            else [text for _, _, text in guards["changed"]] + guards["added"],
            shared["documented_constants"],
        ),
        # The catalog entries this version adds or changes (the rest are v1's).
        "version_errors": [
            entry for entry in spec.errors["errors"] if base_errors.get(entry["code"]) != entry
        ],
        "version_effects": _effect_changes(spec, base, tables, base_tables),
    }
    # The fast path's handlers that are the same in both versions are v1's, imported.
    changed_keys = {
        key
        for table in (guards, context["version_effects"])
        if table
        for key, *_ in table["changed"]
    }
    base_fast = fast_path(base, _comparable_fields(base, "SignalData"))
    context["fast"], context["shared_handlers"] = shared_with(
        context["fast"], base_fast, changed_keys, set(context["shared_vocab"])
    )
    # The same dispatch as v1's (a handler's name for each state and event): v1's table with
    # this version's own handlers put in (the names of those), else printed whole.
    same_dispatch = context["fast"].dispatch == base_fast.dispatch
    own = [handler.name for handler in context["fast"].handlers]
    context["shared_dispatch"] = own if same_dispatch and own else []
    for module, (template_name, sources) in VERSION_MODULES.items():
        template = env.get_template(template_name)
        text = template.render(context)
        files[module] = _header(template_name, (*sources, overlay)) + "\n" + text
    namespace = env.get_template("namespace.py.jinja2")
    messages = context["namespaces"]["messages"]
    files["messages.py"] = (
        _header("namespace.py.jinja2", ("protocol.schema.json", overlay))
        + "\n"
        + namespace.render(doc=NAMESPACE_DOCS["messages"] + f" ({spec.version})", modules=messages)
    )
    doc = (
        f"Streaming Analyze {spec.version}: its messages (the `messages` namespace), codec and "
        f"contract rules, generated from spec/ with spec/{overlay} (D48). A message it leaves "
        "as v1's is v1's class (messages.SessionEnded is interhuman_stream.messages."
        "SessionEnded); errors (DecodeError) and unknown envelope types (UnknownMessage) are "
        "the package's own."
    )
    init = namespace.render(doc=doc, modules=VERSION_EXPORTS)
    init += '\nfrom . import messages\n\n__all__ += ["messages"]\n'
    files["__init__.py"] = (
        _header("namespace.py.jinja2", ("protocol.schema.json", "contract.json", overlay))
        + "\n"
        + init
    )
    return {
        name: format_python(text, f"generated/{PACKAGE}/{spec.version}/{name}")
        for name, text in files.items()
    } | {"py.typed": ""}


def _printed_names(printed: Sequence[str], constants: Sequence[str]) -> dict[str, Any]:
    """The value-set constants and shared classes the guards a later version prints name."""
    text = "\n".join(printed)
    return {
        "documented_constants": [c for c in constants if re.search(rf"\b{c}\b", text)],
        "guard_classes": [c for c in ("Section", "SessionState") if re.search(rf"\b{c}\b", text)],
    }


def _changes(
    pairs: Sequence[tuple[str, str]],
    base: Sequence[tuple[str, str]] | None,
    keep: Sequence[str] = (),
) -> tuple[str, str]:
    """How a later version prints a table entry it changes: ("replace", the arguments that
    differ from v1's entry, and those named in `keep`) when it keeps every argument v1's
    has; otherwise ("new", every argument)."""
    if base is None or not dict(base).keys() <= dict(pairs).keys():
        return "new", ", ".join(f"{name}={value}" for name, value in pairs)
    old = dict(base)
    changed = [(n, v) for n, v in pairs if old.get(n) != v or n in keep]
    return "replace", ", ".join(f"{name}={value}" for name, value in changed)


def _shared_vocabulary(spec: Spec, base: Spec) -> dict[str, list[str]]:
    """The value sets (_vocab constants) a later version leaves as v1's, imported from v1's
    module instead of printed again, and every name its _vocab provides."""

    def sets(of: Spec) -> dict[str, Any]:
        found: dict[str, Any] = {v.constant: v for v in of.vocabularies()}
        found["KNOWN_ERROR_CODES"] = [entry["code"] for entry in of.errors["errors"]]
        found["KNOWN_MESSAGE_TYPES"] = [message.tag for message in of.server_messages()]
        return found

    mine, base_sets = sets(spec), sets(base)
    return {
        "shared_vocab": sorted(
            name for name, value in mine.items() if base_sets.get(name) == value
        ),
        "vocab_names": list(mine),
    }


def _guard_key(guard: dict[str, Any]) -> tuple[str, str, str]:
    return (guard["rule"], guard["event"], guard["check"])


def _guard_changes(
    spec: Spec,
    base: Spec,
    tables: ContractTables,
    base_tables: ContractTables,
    reworded: set[str],
) -> dict[str, Any] | None:
    """A later version's guards as v1's with some replaced (by rule/event/check) and some
    added after them: {"changed": [(key, kind, arguments)], "added": [arguments]} (kind as
    _changes says); None when its guards are not that (one removed or moved), and are then
    printed whole. A guard is replaced when its arguments differ, its rule is one the version
    rewords or its documented value sets hold other values."""
    keys = [_guard_key(g) for g in spec.contract["guards"]]
    base_keys = [_guard_key(g) for g in base.contract["guards"]]
    if keys[: len(base_keys)] != base_keys:
        return None
    # The same constant's name in both versions' _vocab can hold other values.
    values = {v.constant: v.values for v in spec.vocabularies()}
    base_values = {v.constant: v.values for v in base.vocabularies()}
    resets = {name for name in values if values[name] != base_values.get(name)}
    base_pairs = dict(zip(base_keys, base_tables.guard_pairs, strict=True))
    changed = []
    for key, pairs, guard in zip(keys, tables.guard_pairs, spec.contract["guards"], strict=True):
        if key not in base_pairs:
            continue
        keep = [
            name
            for name, why in (
                ("rule", key[0] in reworded),
                ("documented", bool(set(guard_documented_sets(spec, guard).values()) & resets)),
            )
            if why
        ]
        if pairs != base_pairs[key] or keep:
            changed.append((key, *_changes(pairs, base_pairs[key], keep)))
    return {"changed": changed, "added": list(tables.guards[len(base_keys) :])}


def _effect_changes(
    spec: Spec, base: Spec, tables: ContractTables, base_tables: ContractTables
) -> dict[str, Any] | None:
    """A later version's effects as _guard_changes gives its guards: v1's with some replaced
    (by effect/event) and some added after them, or None (printed whole)."""
    keys = [(e["effect"], e["event"]) for e in spec.contract["effects"]]
    base_keys = [(e["effect"], e["event"]) for e in base.contract["effects"]]
    if keys[: len(base_keys)] != base_keys:
        return None
    base_pairs = dict(zip(base_keys, base_tables.effect_pairs, strict=True))
    changed = [
        (key, *_changes(pairs, base_pairs[key]))
        for key, pairs in zip(keys, tables.effect_pairs, strict=True)
        if key in base_pairs and pairs != base_pairs[key]
    ]
    return {"changed": changed, "added": list(tables.effects[len(base_keys) :])}


def runtime_modules() -> dict[str, str]:
    """The hand-written runtime modules, copied verbatim (they are linted and type-checked
    as they are written, so they are not reformatted), subpackages included: the optional
    extras (`clients/`, `testing/`) live there, and only they import more than msgspec."""
    found = {}
    for path in sorted(RUNTIME.rglob("*.py")):
        name = path.relative_to(RUNTIME).as_posix()
        text = path.read_text(encoding="utf-8")
        header = RUNTIME_HEADER.format(name=name)
        if not text.startswith(header):
            raise SpecError(f"codegen/runtime/{name} must start with: {header.strip()}")
        found[name] = text
    return found
