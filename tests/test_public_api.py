"""The package's public surface: exactly __all__, every name real, nothing else leaking."""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from pathlib import Path

import msgspec

import interhuman_stream as ih

# Written out by hand on purpose: a change to the public API must show up in this diff.
EXPECTED_PUBLIC = {
    # messages from the server
    "SessionReady", "SessionUpdated", "SignalDetected", "SignalUpdated", "SignalEnded",
    "EngagementUpdated", "ConversationQualityUpdated", "ErrorMessage", "SessionClosing",
    "SessionEnded", "CoverageDropped", "CoverageDegraded", "FeedbackGenerated",
    "ServerMessage", "UnknownMessage", "MESSAGE_CLASSES",
    # their data members and shared shapes
    "SessionReadyData", "SessionUpdatedData", "SignalData", "SignalEndedData",
    "EngagementUpdatedData", "ConversationQualityData", "ErrorData", "SessionClosingData",
    "SessionEndedData", "CoverageDroppedData", "CoverageDegradedData", "FeedbackGeneratedData",
    "SessionOptions", "QualityScores", "QualityPeriod", "TimeRange",
    # client frames
    "SessionConfig", "SessionClose", "ClientMessage",
    # codec
    "decode_server_message", "decode_client_message", "encode_client_message", "DecodeError",
    # value sets
    "KnownSignalType", "Probability", "EngagementState", "IncludeFlag", "GoalDimension",
    "KnownEndReason", "KnownDegradedReason",
    "KNOWN_SIGNAL_TYPES", "PROBABILITIES", "ENGAGEMENT_STATES", "INCLUDE_FLAGS",
    "GOAL_DIMENSIONS", "KNOWN_END_REASONS", "KNOWN_DEGRADED_REASONS", "KNOWN_ERROR_CODES",
    "KNOWN_MESSAGE_TYPES",
    # error catalog, handshake and segment data
    "ERROR_CATALOG", "ErrorInfo", "error_info",
    "DEFAULT_URL", "ENDPOINT_PATH", "AUTHORIZATION_HEADER", "BEARER_SCHEME",
    "SUBPROTOCOL_HEADER", "SUBPROTOCOL_TOKEN_NAME", "SubprotocolForm",
    "DEFAULT_SUBPROTOCOL_FORM", "CLIENT_REQUEST_ID_HEADER", "CORRELATION_ID_HEADER",
    "CLOSE_CODES", "SEGMENT_INDEX_BASE", "POSSIBLE_SEGMENT_INDEX_BASES", "CONTAINER_FORMATS",
    "ContainerFormat", "BytePattern",
    "sniff_container",
    "ApiKey", "AuthMethod", "ClientHandshake", "client_handshake", "correlation_id_from_headers",
    "Credential", "credential_from_request", "server_response_headers",
    # the sans-IO session core
    "ClientConnection", "ServerConnection", "ServerReceived", "SessionState", "SentSegment",
    "Deadline", "Violation", "Rule", "RULES", "Fold", "FrameExcerpt", "DEFAULT_MAX_SIGNAL_TYPES",
    "DEFAULT_VIOLATION_EXCERPT_BYTES", "DEFAULT_MAX_READINGS_PER_SIGNAL",
    "ProtocolError", "LocalProtocolError", "RemoteProtocolError",
    # the session summary, in the upload result's shape
    "SummaryFold", "encode_summary", "SessionSummary", "SignalInterval", "SignalReading",
    "OpenSignal", "EngagementInterval", "QualitySummary", "CoverageGap", "SummaryError",
    "__version__",
}  # fmt: skip


def test_all_is_exactly_the_public_api() -> None:
    assert set(ih.__all__) == EXPECTED_PUBLIC
    assert len(ih.__all__) == len(set(ih.__all__))
    assert ih.__all__ == sorted(ih.__all__)


def test_every_exported_name_exists() -> None:
    for name in ih.__all__:
        assert hasattr(ih, name), name


def test_nothing_public_beyond_all() -> None:
    public = {n for n in vars(ih) if not n.startswith("_")}
    assert public <= set(ih.__all__)


def test_closed_sets_match_their_literal_types() -> None:
    pairs = {
        "PROBABILITIES": ih.Probability,
        "ENGAGEMENT_STATES": ih.EngagementState,
        "INCLUDE_FLAGS": ih.IncludeFlag,
        "GOAL_DIMENSIONS": ih.GoalDimension,
        "KNOWN_SIGNAL_TYPES": ih.KnownSignalType,
        "KNOWN_END_REASONS": ih.KnownEndReason,
        "KNOWN_DEGRADED_REASONS": ih.KnownDegradedReason,
    }
    for constant, literal in pairs.items():
        assert getattr(ih, constant) == frozenset(typing.get_args(literal)), constant


def test_structs_are_frozen_keyword_only() -> None:
    for name in ih.__all__:
        value = getattr(ih, name)
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
