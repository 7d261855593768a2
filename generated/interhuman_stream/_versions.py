# Hand-written runtime: edit codegen/runtime/_versions.py (regen copies it verbatim).

"""What differs between protocol versions, for the engine and the connections (D48).

A Version bundles one version's generated modules: its codec (the fast decoder and the full
decode functions), its message classes, its contract's rules, guards and effects (the
states, moves and deadlines are v1's: regen refuses a version that changes them), its
receive fast path, its models module and its error catalog. Core holds one (composition);
ClientConnection(version=...) and ServerConnection(version=...) pick it with
protocol_version(). v1's is built at import; a later version's subpackage is imported only
when that version is first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, get_args

from msgspec import Struct

from . import _catalog, _codec, _contract, _fastpath, _models
from ._handshake_data import DEFAULT_MODELS, ProtocolVersion

if TYPE_CHECKING:
    from ._catalog import ErrorInfo
    from ._contract import Effect, Guard, Rule
    from ._engine import Handlers

VERSIONS: Final[tuple[str, ...]] = get_args(ProtocolVersion)
"""The protocol versions a connection speaks, oldest first."""


class Version(Struct, frozen=True, kw_only=True, weakref=False):
    """One protocol version's generated modules, as the engine and the connections use them."""

    name: str
    decode: Callable[[bytes | str], Any]
    """The server-message decoder's decode: the fast path (a frame it refuses goes to
    decode_server_message, which decides or raises DecodeError)."""
    decode_server_message: Callable[[bytes | str], Any]
    decode_client_message: Callable[[bytes | str], Any]
    message_classes: Mapping[str, type]
    """Server envelope type -> its message class."""
    rules: Mapping[str, Rule]
    """Every rule of the version's contract (v1's, with the ones it adds or rewords)."""
    guards: tuple[Guard, ...]
    effects: tuple[Effect, ...]
    sticky_keys: tuple[str, ...]
    """The config keys the version keeps as session state (D52): the fields of its
    acknowledge_config effect; none on v1."""
    handlers: Handlers
    """The client's receive fast path: state -> message class -> handler."""
    event_of: Mapping[type, str]
    """Message class -> its contract event."""
    models: ModuleType
    """The version's _models module: the Structs its frames decode to and are built from."""
    catalog: Mapping[str, ErrorInfo]
    """The version's error catalog: code -> what the error means for the session."""


def _bundle(  # noqa: PLR0917 - one module of each kind
    name: str,
    codec: ModuleType,
    contract: ModuleType,
    fastpath: ModuleType,
    models: ModuleType,
    catalog: ModuleType,
) -> Version:
    return Version(
        name=name,
        decode=codec._server_decoder.decode,
        decode_server_message=codec.decode_server_message,
        decode_client_message=codec.decode_client_message,
        message_classes=codec.MESSAGE_CLASSES,
        rules=contract.RULES,
        guards=contract.GUARDS,
        effects=contract.EFFECTS,
        sticky_keys=tuple(
            name
            for entry in contract.EFFECTS
            if entry.effect == "acknowledge_config"
            for name in entry.fields
        ),
        handlers=fastpath.HANDLERS,
        event_of=fastpath.EVENT_OF,
        models=models,
        catalog=catalog.ERROR_CATALOG,
    )


V1: Final = _bundle("v1", _codec, _contract, _fastpath, _models, _catalog)
_LOADED: Final[dict[str, Version]] = {"v1": V1}


def protocol_version(name: object) -> Version:
    """The bundle of protocol version `name` ("v1", "v2"); a later version's subpackage is
    imported on the first call that names it. Anything else is a ValueError naming it."""
    found = _LOADED.get(name) if isinstance(name, str) else None
    if found is not None:
        return found
    if not isinstance(name, str) or name not in VERSIONS:
        raise ValueError(
            f"no protocol version {name!r}; the versions are {', '.join(map(repr, VERSIONS))}"
        )
    modules = [
        importlib.import_module(f"{__package__}.{name}.{module}")
        for module in ("_codec", "_contract", "_fastpath", "_models", "_catalog")
    ]
    found = _LOADED[name] = _bundle(name, *modules)
    return found


def opening_keys(version: str, model: object) -> dict[str, Any]:
    """The sticky config keys a session of `version` opens with (D52): on a version with
    models, `model` (the upgrade's model query parameter) or the version's default; a model
    on a version without models, or one that is not a non-empty string, is a ValueError."""
    default = DEFAULT_MODELS.get(version)
    if model is None:
        return {} if default is None else {"model": default}
    if default is None:
        raise ValueError(f"{version} has no models; model {model!r} is a v2 setting")
    if not isinstance(model, str) or not model:
        raise ValueError(f"model is a non-empty model id, not {model!r}")
    return {"model": model}
