"""The package's public surface: exactly __all__, every name real, nothing else leaking; and
what the package itself may use: the standard library and msgspec, no I/O and no clock."""

from __future__ import annotations

import ast
import inspect
import sys
import types
import typing
from pathlib import Path

import msgspec

import interhuman_stream as ih

# Written out by hand on purpose: a change to the public API must show up in this diff.
EXPECTED_PUBLIC = {
    # the sans-IO connections
    "ClientConnection", "ServerConnection", "ServerReceived", "SessionState",
    "Deadline", "SentSegment", "FrameExcerpt", "Fold", "OfferedConfig", "Received", "Change",
    # decoding and encoding
    "decode_server_message", "decode_client_message", "encode_client_message",
    "DecodeError", "UnknownMessage", "ServerMessage", "ClientMessage",
    # errors and the contract's rules
    "ProtocolError", "LocalProtocolError", "RemoteProtocolError", "Violation", "Rule", "RULES",
    "ERROR_CATALOG", "ErrorInfo", "error_info",
    # the session summary, in the upload result's shape
    "SummaryFold", "encode_summary", "SessionSummary",
    # successive sessions of one stream
    "Conversation",
    # the handshake
    "client_handshake", "ClientHandshake", "ApiKey",
    # namespaces
    "messages", "handshake", "segments",
    "__version__",
}  # fmt: skip
NAMESPACES = ("messages", "handshake", "segments")


def test_all_is_exactly_the_public_api() -> None:
    assert set(ih.__all__) == EXPECTED_PUBLIC
    assert len(ih.__all__) == len(set(ih.__all__))
    assert ih.__all__ == sorted(ih.__all__)


def test_every_exported_name_exists() -> None:
    for module in (ih, *(getattr(ih, name) for name in NAMESPACES)):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_nothing_public_beyond_all() -> None:
    for module in (ih, *(getattr(ih, name) for name in NAMESPACES)):
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith(("_", "@"))  # "@": pytest's assertion rewriting
            and name != "annotations"
            # an optional extra's subpackage (clients, testing) is set once it is imported
            and not (isinstance(value, types.ModuleType) and name not in module.__all__)
        }
        assert public <= set(module.__all__), module.__name__


def test_the_face_is_small_and_a_connection_shows_no_engine() -> None:
    assert len(ih.__all__) <= 38
    client_face = {n for n in dir(ih.ClientConnection()) if not n.startswith("_")}
    # 26th: `fold`, for the clients (issue 15); 27th: `version`, the protocol version, and
    # 28th: `sticky_config`, v2's model and audio_format in force (issue 16)
    assert len(client_face) <= 28, sorted(client_face)
    assert not {"handle", "plans", "breach", "move"} & client_face


def test_every_message_struct_is_in_the_messages_namespace() -> None:
    for cls in (*ih.messages.MESSAGE_CLASSES.values(), ih.messages.SessionConfig):
        assert getattr(ih.messages, cls.__name__) is cls


def test_closed_sets_match_their_literal_types() -> None:
    pairs = {
        "PROBABILITIES": ih.messages.Probability,
        "ENGAGEMENT_STATES": ih.messages.EngagementState,
        "INCLUDE_FLAGS": ih.messages.IncludeFlag,
        "GOAL_DIMENSIONS": ih.messages.GoalDimension,
        "KNOWN_SIGNAL_TYPES": ih.messages.KnownSignalType,
        "KNOWN_END_REASONS": ih.messages.KnownEndReason,
        "KNOWN_DEGRADED_REASONS": ih.messages.KnownDegradedReason,
    }
    for constant, literal in pairs.items():
        assert getattr(ih.messages, constant) == frozenset(typing.get_args(literal)), constant


def test_structs_are_frozen_keyword_only() -> None:
    for name in ih.messages.__all__:
        value = getattr(ih.messages, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            assert value.__struct_config__.frozen, name
            parameters = inspect.signature(value).parameters.values()
            assert all(p.kind is p.KEYWORD_ONLY for p in parameters), name


def test_package_imports_only_stdlib_and_msgspec() -> None:
    # Static check over every module; test_vendoring checks the same at run time.
    imported: set[str] = set()
    for path in Path(ih.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.partition(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"msgspec"}


def test_the_core_does_no_io_and_reads_no_clock() -> None:
    import ast
    from pathlib import Path

    forbidden = {"asyncio", "socket", "threading", "time", "select", "selectors", "websockets",
                 "wsproto", "trio", "subprocess", "multiprocessing"}  # fmt: skip
    package = Path(ih.__file__).parent
    # The command line (__main__) is a program, not the core: its `stream` runs the client.
    modules = sorted(p for p in package.glob("_*.py") if p.name != "__main__.py")
    assert len(modules) > 10, modules
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.partition(".")[0] not in forbidden, (path.name, name)
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "monotonic"}:
                assert not (
                    isinstance(node.value, ast.Name) and node.value.id in {"datetime", "time"}
                )
