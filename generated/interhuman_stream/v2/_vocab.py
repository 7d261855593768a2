# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/errors.json, spec/v2.overlay.json
# Template: codegen/templates/_vocab.py.jinja2

"""Value sets of the protocol, as frozensets for fast membership tests.

A closed set lists every value a field may take (decoding rejects anything else). The
`KNOWN_*` sets list the documented values of an open vocabulary: fields of that vocabulary
accept any string, so a server can add values without breaking clients (D6).
"""

from typing import Final

KNOWN_SIGNAL_TYPES: Final[frozenset[str]] = frozenset(
    {
        "agreement",
        "confidence",
        "confusion",
        "disagreement",
        "frustration",
        "hesitation",
        "interest",
        "skepticism",
        "stress",
        "uncertainty",
    }
)
"""Known values of an open vocabulary (KnownSignalType): The social signals the v2 (Inter-2) models are documented to report."""

PROBABILITIES: Final[frozenset[str]] = frozenset(
    {
        "high",
        "medium",
        "low",
    }
)
"""Closed set (Probability): How likely the signal is present, as a three-step rating."""

ENGAGEMENT_STATES: Final[frozenset[str]] = frozenset(
    {
        "engaged",
        "neutral",
        "disengaged",
    }
)
"""Closed set (EngagementState): The participant's engagement level."""

INCLUDE_FLAGS: Final[frozenset[str]] = frozenset(
    {
        "conversation_quality_overall",
        "conversation_quality_timeline",
    }
)
"""Closed set (IncludeFlag): An optional output section the client asks for in its session config."""

GOAL_DIMENSIONS: Final[frozenset[str]] = frozenset(
    {
        "clarity",
        "authority",
        "energy",
        "rapport",
        "learning",
    }
)
"""Closed set (GoalDimension): A conversation-quality dimension the client wants coaching feedback on; setting any enables feedback.generated."""

KNOWN_END_REASONS: Final[frozenset[str]] = frozenset(
    {
        "client_shutdown",
    }
)
"""Known values of an open vocabulary (KnownEndReason): Documented reasons for session.ended."""

KNOWN_DEGRADED_REASONS: Final[frozenset[str]] = frozenset(
    {
        "video_gap",
    }
)
"""Known values of an open vocabulary (KnownDegradedReason): Documented reasons for coverage.degraded."""

KNOWN_MODELS: Final[frozenset[str]] = frozenset(
    {
        "inter-2",
        "inter-2-audio",
        "inter-2-deep",
    }
)
"""Known values of an open vocabulary (KnownModel): The Inter-2 model ids the sources name."""

KNOWN_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        "ih1001",
        "ih1003",
        "ih2003",
        "ih5001",
        "ih5004",
        "ih6001",
        "ih6002",
        "ih6003",
        "ih6004",
        "ih4005",
    }
)
"""Error codes described by the catalog (errors.json); data.code accepts others too."""

KNOWN_MESSAGE_TYPES: Final[frozenset[str]] = frozenset(
    {
        "session.ready",
        "session.updated",
        "signal.detected",
        "signal.updated",
        "signal.ended",
        "engagement.updated",
        "conversation_quality.updated",
        "error",
        "session.closing",
        "session.ended",
        "coverage.dropped",
        "coverage.degraded",
        "feedback.generated",
    }
)
"""Server envelope types with a typed message class; any other type decodes to UnknownMessage."""
