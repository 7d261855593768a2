# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/errors.json, spec/contract.json
# Template: codegen/templates/__init__.py.jinja2

"""interhuman_stream: the Interhuman Streaming Analyze v1 WebSocket protocol, spec-first.

Vendorable: this package needs only the standard library and msgspec. The top level holds
what a connection's user needs: the sans-IO ClientConnection and ServerConnection, the codec
entry points, the errors, the summary fold and the handshake helper. Every message Struct
and value set is in `interhuman_stream.messages` (as wsproto keeps its events in
`wsproto.events`); the handshake names in `handshake`, the video-segment rules in `segments`.
"""

import importlib as _importlib
import typing as _typing

from ._catalog import (
    ERROR_CATALOG,
    ErrorInfo,
    error_info,
)
from ._client import (
    ClientConnection,
)
from ._codec import (
    ClientMessage,
    DecodeError,
    UnknownMessage,
    decode_client_message,
    decode_server_message,
    encode_client_message,
)
from ._contract import (
    RULES,
    Rule,
    SessionState,
)
from ._errors import (
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    Violation,
)
from ._models import (
    ServerMessage,
    SessionSummary,
)
from ._values import (
    Change,
    Deadline,
    FrameExcerpt,
    OfferedConfig,
    Received,
    SentSegment,
)

if _typing.TYPE_CHECKING:
    from . import handshake, messages, segments
    from ._conversation import (
        Conversation,
    )
    from ._fold import (
        Fold,
    )
    from ._handshake import (
        ApiKey,
        ClientHandshake,
        client_handshake,
    )
    from ._server import (
        ServerConnection,
        ServerReceived,
    )
    from ._summary import (
        SummaryFold,
        encode_summary,
    )

__version__ = "0.1.0"

__all__ = [
    "ApiKey",
    "Change",
    "ClientConnection",
    "ClientHandshake",
    "ClientMessage",
    "Conversation",
    "Deadline",
    "DecodeError",
    "ERROR_CATALOG",
    "ErrorInfo",
    "Fold",
    "FrameExcerpt",
    "LocalProtocolError",
    "OfferedConfig",
    "ProtocolError",
    "RULES",
    "Received",
    "RemoteProtocolError",
    "Rule",
    "SentSegment",
    "ServerConnection",
    "ServerMessage",
    "ServerReceived",
    "SessionState",
    "SessionSummary",
    "SummaryFold",
    "UnknownMessage",
    "Violation",
    "__version__",
    "client_handshake",
    "decode_client_message",
    "decode_server_message",
    "encode_client_message",
    "encode_summary",
    "error_info",
    "handshake",
    "messages",
    "segments",
]

# Imported on first use: name -> the module that defines it (a namespace is its own module).
_LAZY: _typing.Final[dict[str, str]] = {
    "handshake": ".handshake",
    "messages": ".messages",
    "segments": ".segments",
    "Conversation": "._conversation",
    "Fold": "._fold",
    "ApiKey": "._handshake",
    "ClientHandshake": "._handshake",
    "client_handshake": "._handshake",
    "ServerConnection": "._server",
    "ServerReceived": "._server",
    "SummaryFold": "._summary",
    "encode_summary": "._summary",
}


def __getattr__(name: str) -> object:
    # The server, the conversation, the summary fold, the handshake helpers, the Fold
    # protocol and the namespaces load when a program first asks for them, not at import.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = _importlib.import_module(module, __name__)
    value = loaded if module == "." + name else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
