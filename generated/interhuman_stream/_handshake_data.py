# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/handshake.json, spec/v2.overlay.json
# Template: codegen/templates/_handshake_data.py.jinja2

"""The WebSocket upgrade's names and values (handshake.json, D10); the helpers that use them
are in _handshake.py."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

DEFAULT_URL: Final = "wss://api.interhuman.ai/v1/stream/analyze"
ENDPOINT_PATH: Final = "/v1/stream/analyze"

AUTHORIZATION_HEADER: Final = "Authorization"
BEARER_SCHEME: Final = "Bearer"

SUBPROTOCOL_HEADER: Final = "Sec-WebSocket-Protocol"
SUBPROTOCOL_TOKEN_NAME: Final = "access_token"
SubprotocolForm = Literal["pair", "bare"]
"""How the credential travels as subprotocols: "pair" offers [token name, key], "bare" the key alone."""
DEFAULT_SUBPROTOCOL_FORM: Final[SubprotocolForm] = "pair"

CLIENT_REQUEST_ID_HEADER: Final = "X-Client-Request-Id"
"""Caller's own request id, logged by the server next to its correlation id; not echoed back."""
CORRELATION_ID_HEADER: Final = "X-Correlation-ID"
"""The server's id for this connection; equal to correlation_id in every envelope."""

CLOSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1000: "Normal end, after session.ended.",
        1006: "Abnormal end without a close frame, e.g. the socket reset after a very large frame.",
        1008: "Policy violation (documented for an invalid model query on v2).",
        1013: "Try again later: no backend available (with ih1003).",
        4003: "The credential lacks the stream scope (with ih2003).",
    }
)
"""WebSocket close codes the sources document for this endpoint, and when each is used."""

UNAUTHORIZED_STATUS: Final = 401
"""The credential is missing, malformed, expired or revoked (or, with a subprotocol, not in the form the server expects). No body."""

ProtocolVersion = Literal["v1", "v2"]
"""A version of the Streaming Analyze protocol (D48)."""
ENDPOINT_URLS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "v1": "wss://api.interhuman.ai/v1/stream/analyze",
        "v2": "wss://api.interhuman.ai/v2/stream/analyze",
    }
)
"""Each version's production endpoint."""
ENDPOINT_PATHS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "v1": "/v1/stream/analyze",
        "v2": "/v2/stream/analyze",
    }
)
DEFAULT_MODELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "v2": "inter-2",
    }
)
"""The model a version's server opens on when the `model` query parameter is left out; a
version not listed takes no model (D49)."""
STREAM_REFUSED_MODELS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "v2": frozenset(["inter-2-deep"]),
    }
)
"""Models the library refuses for a stream before connecting (upload-only, D49)."""
