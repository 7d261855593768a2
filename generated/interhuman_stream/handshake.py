# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/handshake.json, spec/segments.json, spec/errors.json
# Template: codegen/templates/namespace.py.jinja2

"""The WebSocket handshake: header and subprotocol names, the endpoint, close codes, and the helpers that build and read credentials. From spec/handshake.json."""

from ._handshake import (
    AUTHORIZATION_HEADER,
    BEARER_SCHEME,
    CLIENT_REQUEST_ID_HEADER,
    CLOSE_CODES,
    CORRELATION_ID_HEADER,
    DEFAULT_SUBPROTOCOL_FORM,
    DEFAULT_URL,
    ENDPOINT_PATH,
    SUBPROTOCOL_HEADER,
    SUBPROTOCOL_TOKEN_NAME,
    ApiKey,
    AuthMethod,
    ClientHandshake,
    Credential,
    ProtocolVersion,
    SubprotocolForm,
    client_handshake,
    correlation_id_from_headers,
    credential_from_request,
    endpoint_url,
    server_response_headers,
)

__all__ = [
    "AUTHORIZATION_HEADER",
    "ApiKey",
    "AuthMethod",
    "BEARER_SCHEME",
    "CLIENT_REQUEST_ID_HEADER",
    "CLOSE_CODES",
    "CORRELATION_ID_HEADER",
    "ClientHandshake",
    "Credential",
    "DEFAULT_SUBPROTOCOL_FORM",
    "DEFAULT_URL",
    "ENDPOINT_PATH",
    "ProtocolVersion",
    "SUBPROTOCOL_HEADER",
    "SUBPROTOCOL_TOKEN_NAME",
    "SubprotocolForm",
    "client_handshake",
    "correlation_id_from_headers",
    "credential_from_request",
    "endpoint_url",
    "server_response_headers",
]
