# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/errors.json, spec/v2.overlay.json
# Template: codegen/templates/_vocab.py.jinja2

"""Value sets of the protocol, as frozensets for fast membership tests.

A closed set lists every value a field may take (decoding rejects anything else). The
`KNOWN_*` sets list the documented values of an open vocabulary: fields of that vocabulary
accept any string, so a server can add values without breaking clients (D6).
"""

from typing import Final

# What this version's schema leaves as v1's is v1's (the same sets).
from .._vocab import (
    ENGAGEMENT_STATES,
    GOAL_DIMENSIONS,
    INCLUDE_FLAGS,
    KNOWN_DEGRADED_REASONS,
    KNOWN_END_REASONS,
    KNOWN_MESSAGE_TYPES,
    PROBABILITIES,
)

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

__all__ = [
    "KNOWN_SIGNAL_TYPES",
    "PROBABILITIES",
    "ENGAGEMENT_STATES",
    "INCLUDE_FLAGS",
    "GOAL_DIMENSIONS",
    "KNOWN_END_REASONS",
    "KNOWN_DEGRADED_REASONS",
    "KNOWN_MODELS",
    "KNOWN_ERROR_CODES",
    "KNOWN_MESSAGE_TYPES",
]
