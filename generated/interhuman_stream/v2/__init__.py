# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/contract.json, spec/v2.overlay.json
# Template: codegen/templates/namespace.py.jinja2

"""Streaming Analyze v2: its messages (the `messages` namespace), codec and contract rules, generated from spec/ with spec/v2.overlay.json (D48). A message it leaves as v1's is v1's class (messages.SessionEnded is interhuman_stream.messages.SessionEnded); errors (DecodeError) and unknown envelope types (UnknownMessage) are the package's own."""

from ._catalog import (
    ERROR_CATALOG,
    error_info,
)
from ._codec import (
    MESSAGE_CLASSES,
    ClientMessage,
    decode_client_message,
    decode_server_message,
    encode_client_message,
)
from ._contract import (
    RULES,
)

__all__ = [
    "MESSAGE_CLASSES",
    "ClientMessage",
    "decode_client_message",
    "decode_server_message",
    "encode_client_message",
    "RULES",
    "ERROR_CATALOG",
    "error_info",
]

from . import messages

__all__ += ["messages"]
