# Hand-written runtime: edit codegen/runtime/_handshake.py (regen copies it verbatim).

"""The WebSocket upgrade (handshake.json, D10): helpers for both sides, on the names and
values in _handshake_data.py.

An API key is wrapped in ApiKey as soon as it enters, so no repr, str, exception or log line
made by this package ever shows it; reveal() is the one way to read it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal, TypeAlias, get_args

from ._handshake_data import (
    AUTHORIZATION_HEADER,
    BEARER_SCHEME,
    CLIENT_REQUEST_ID_HEADER,
    CLOSE_CODES,
    CORRELATION_ID_HEADER,
    DEFAULT_MODELS,
    DEFAULT_SUBPROTOCOL_FORM,
    DEFAULT_URL,
    ENDPOINT_PATH,
    ENDPOINT_PATHS,
    ENDPOINT_URLS,
    STREAM_REFUSED_MODELS,
    SUBPROTOCOL_HEADER,
    SUBPROTOCOL_TOKEN_NAME,
    UNAUTHORIZED_STATUS,
    ProtocolVersion,
    SubprotocolForm,
)

__all__ = [
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
    "UNAUTHORIZED_STATUS",
    "ApiKey",
    "AuthMethod",
    "ClientHandshake",
    "Credential",
    "Headers",
    "ProtocolVersion",
    "SubprotocolForm",
    "client_handshake",
    "correlation_id_from_headers",
    "credential_from_request",
    "endpoint_url",
    "server_response_headers",
]


Headers: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]] | Iterable[tuple[bytes, bytes]]
"""Request or response headers as a mapping or as (name, value) pairs, str or bytes."""

AuthMethod = Literal["bearer", "subprotocol"]
_FORBIDDEN_IN_KEY: Final = frozenset("\r\n\0 ,")
_FORBIDDEN_IN_HEADER: Final = frozenset("\r\n\0")
# The characters of an HTTP token (tchar, RFC 9110 5.6.2).
_TOKEN: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class ApiKey:
    """An API key (or short-lived token) that never shows itself.

    repr() and str() print a redacted form; compare with ==; read it with reveal().
    """

    __slots__ = ("__weakref__", "_secret")

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str) or not secret:
            raise ValueError("an API key must be a non-empty string")
        if not _FORBIDDEN_IN_KEY.isdisjoint(secret):
            # Such a key cannot travel in a header or a subprotocol; say so without showing it.
            raise ValueError("an API key must not contain spaces, commas or control characters")
        self._secret = secret

    def reveal(self) -> str:
        """The key itself, for the one place that must send or check it."""
        return self._secret

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        import hmac  # noqa: PLC0415 - only here, to keep hashlib out of the import path

        return hmac.compare_digest(self._secret.encode(), other._secret.encode())

    def __hash__(self) -> int:
        return hash((ApiKey, len(self._secret)))

    def __reduce__(self) -> str:
        raise TypeError("an ApiKey is not picklable")


def _as_key(key: str | ApiKey) -> ApiKey:
    return key if isinstance(key, ApiKey) else ApiKey(key)


class ClientHandshake:
    """What a client adds to its WebSocket upgrade request.

    Pass `headers` as extra request headers and `subprotocols` as the offered subprotocols.
    Its repr never shows the key.
    """

    __slots__ = ("_key", "headers", "method", "subprotocols")

    def __init__(
        self,
        key: ApiKey,
        method: AuthMethod,
        headers: tuple[tuple[str, str], ...],
        subprotocols: tuple[str, ...],
    ) -> None:
        self._key = key
        self.method: AuthMethod = method
        self.headers = headers
        self.subprotocols = subprotocols

    def __repr__(self) -> str:
        secret = self._key.reveal()
        headers = [(n, v.replace(secret, "***")) for n, v in self.headers]
        offered = [p.replace(secret, "***") for p in self.subprotocols]
        return (
            f"ClientHandshake(method={self.method!r}, headers={headers!r}, "
            f"subprotocols={offered!r})"
        )

    __str__ = __repr__


def client_handshake(
    key: str | ApiKey,
    *,
    method: AuthMethod = "bearer",
    subprotocol_form: SubprotocolForm = DEFAULT_SUBPROTOCOL_FORM,
    client_request_id: str | None = None,
) -> ClientHandshake:
    """Headers and subprotocols that authenticate a client.

    method="bearer" sends `Authorization: Bearer <key>` (for servers and native clients);
    method="subprotocol" offers the key as a WebSocket subprotocol, for clients that cannot
    set headers (browsers): the pair form offers [token name, key], the bare form the key.
    """
    # Arguments are checked before the key is read, so no failure leaves it in a traceback.
    if client_request_id is not None and (
        not client_request_id or not _FORBIDDEN_IN_HEADER.isdisjoint(client_request_id)
    ):
        raise ValueError("client_request_id must be a non-empty single-line string")
    if method not in ("bearer", "subprotocol") or subprotocol_form not in get_args(SubprotocolForm):
        raise ValueError(f"unknown method {method!r} or subprotocol form {subprotocol_form!r}")
    api_key = _as_key(key)
    headers: list[tuple[str, str]] = []
    subprotocols: tuple[str, ...] = ()
    if method == "bearer":
        headers.append((AUTHORIZATION_HEADER, f"{BEARER_SCHEME} {api_key.reveal()}"))
    elif not _TOKEN.issuperset(api_key.reveal()):
        # A subprotocol is an HTTP token (RFC 6455 4.1, RFC 9110 5.6.2): a key with "=" or
        # another separator cannot travel as one. Said without showing the key.
        raise ValueError(
            "this key holds a character an HTTP token may not (such as '=', '/' or ':'), so it "
            "cannot travel as a WebSocket subprotocol: use method='bearer'"
        )
    elif subprotocol_form == "pair":
        subprotocols = (SUBPROTOCOL_TOKEN_NAME, api_key.reveal())
    else:
        subprotocols = (api_key.reveal(),)
    if client_request_id is not None:
        headers.append((CLIENT_REQUEST_ID_HEADER, client_request_id))
    return ClientHandshake(api_key, method, tuple(headers), subprotocols)


def _pairs(headers: Headers) -> Iterable[tuple[str, str]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for raw_name, raw_value in pairs:
        name = raw_name.decode("latin-1") if isinstance(raw_name, bytes) else raw_name
        value = raw_value.decode("latin-1") if isinstance(raw_value, bytes) else raw_value
        yield name, value


def _header_values(headers: Headers, name: str) -> list[str]:
    wanted = name.lower()
    return [value.strip() for header, value in _pairs(headers) if header.lower() == wanted]


def correlation_id_from_headers(headers: Headers) -> str | None:
    """The server's X-Correlation-ID from the upgrade response, or None."""
    values = _header_values(headers, CORRELATION_ID_HEADER)
    return values[0] if values else None


class Credential:
    """A credential a server read from an upgrade request.

    `accept_subprotocol` is the subprotocol the server must select in its response when the
    credential came as one (D22), else None. Its repr never shows the key.
    """

    __slots__ = ("accept_subprotocol", "form", "key", "method")

    def __init__(
        self,
        key: ApiKey,
        method: AuthMethod,
        form: SubprotocolForm | None,
        accept_subprotocol: str | None,
    ) -> None:
        self.key = key
        self.method: AuthMethod = method
        self.form: SubprotocolForm | None = form
        self.accept_subprotocol = accept_subprotocol

    def __repr__(self) -> str:
        accept = "***" if self.form == "bare" else self.accept_subprotocol
        return (
            f"Credential(method={self.method!r}, form={self.form!r}, accept_subprotocol={accept!r})"
        )

    __str__ = __repr__


def credential_from_request(
    headers: Headers, subprotocols: Iterable[str] | None = None
) -> Credential | None:
    """Read the client's credential: a Bearer Authorization header first, then the offered
    subprotocols (taken from the Sec-WebSocket-Protocol header when not given). None when
    the request carries no credential in a form the protocol defines."""
    if not isinstance(headers, Mapping):
        # Read twice below; an iterator would be spent by the first read.
        headers = tuple(_pairs(headers))
    for value in _header_values(headers, AUTHORIZATION_HEADER):
        scheme, _, token = value.partition(" ")
        token = token.strip()
        if scheme.lower() == BEARER_SCHEME.lower() and token:
            try:
                return Credential(ApiKey(token), "bearer", None, None)
            except ValueError:
                return None
    if subprotocols is None:
        subprotocols = [
            part.strip()
            for value in _header_values(headers, SUBPROTOCOL_HEADER)
            for part in value.split(",")
        ]
    offered = [p for p in subprotocols if p]
    try:
        if len(offered) == 2 and offered[0] == SUBPROTOCOL_TOKEN_NAME:
            return Credential(ApiKey(offered[1]), "subprotocol", "pair", SUBPROTOCOL_TOKEN_NAME)
        if len(offered) == 1 and offered[0] != SUBPROTOCOL_TOKEN_NAME:
            return Credential(ApiKey(offered[0]), "subprotocol", "bare", offered[0])
    except ValueError:
        return None
    return None


def server_response_headers(correlation_id: str) -> tuple[tuple[str, str], ...]:
    """Headers a server adds to its 101 response: its correlation id for the connection."""
    return ((CORRELATION_ID_HEADER, correlation_id),)


_SCHEMES: Final = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}


def endpoint_url(
    version: ProtocolVersion = "v1", *, model: str | None = None, base: str | None = None
) -> str:
    """The WebSocket URL of a protocol version's endpoint (D48, D49).

    `base` is a scheme and host to use instead of production's (an https:// or http:// base,
    such as a staging API's, becomes wss:// or ws://). `model` (v2 only) becomes the `model`
    query parameter; left out, the server opens on its default (DEFAULT_MODELS). ValueError
    names what is wrong: an unknown version, a model on a version that takes none, an empty
    model, a model refused for streams (STREAM_REFUSED_MODELS: upload-only), or a base
    that is not a bare scheme://host[:port]."""
    from urllib.parse import quote, urlsplit  # noqa: PLC0415 - kept off the import path

    if version not in ENDPOINT_URLS:
        raise ValueError(f"version {version!r} is not one of {', '.join(sorted(ENDPOINT_URLS))}")
    url = ENDPOINT_URLS[version]
    if base is not None:
        parts = urlsplit(base)
        scheme = _SCHEMES.get(parts.scheme)
        if scheme is None or not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise ValueError(
                f"base {base!r} is not scheme://host[:port] with a scheme of "
                f"{', '.join(sorted(_SCHEMES))}"
            )
        url = f"{scheme}://{parts.netloc}{ENDPOINT_PATHS[version]}"
    if model is None:
        return url
    if version not in DEFAULT_MODELS:
        raise ValueError(f"{version} takes no model (got {model!r}): only {_model_versions()}")
    if not isinstance(model, str) or not model:
        raise ValueError(f"model is a non-empty model id, not {model!r}")
    refused = STREAM_REFUSED_MODELS.get(version, frozenset())
    if model in refused:
        raise ValueError(
            f"model {model!r} cannot stream (upload only); streaming models exclude "
            f"{', '.join(sorted(refused))}"
        )
    return f"{url}?model={quote(model, safe='')}"


def _model_versions() -> str:
    return ", ".join(sorted(DEFAULT_MODELS)) + " choose a model"
