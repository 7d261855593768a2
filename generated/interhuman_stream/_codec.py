# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json
# Template: codegen/templates/_codec.py.jinja2

"""Decoding server frames and encoding client frames.

Theory of operation: one msgspec Decoder for the tagged union of every known server
envelope is built at import time. A frame is parsed exactly once on the success path:
msgspec reads the `type` tag, picks the Struct and validates every field while it parses.
Only when that fails do we look again, slowly, to tell an envelope type this spec does not
know (returned as UnknownMessage, D6) from a broken frame (DecodeError with the JSON path).
"""

from __future__ import annotations

import enum
import functools
import operator
import types
import typing
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias

import msgspec
from msgspec import UNSET

from ._decoding import _MSGSPEC_PATH_MARK, _as_bytes, _error_from_msgspec, _unreadable
from ._decoding import DecodeError as DecodeError  # noqa: PLC0414 - re-exported
from ._decoding import UnknownMessage as UnknownMessage  # noqa: PLC0414 - re-exported
from ._decoding import _check_uuid as _check_uuid  # noqa: PLC0414 - re-exported
from ._decoding import _checked_uuids as _checked_uuids  # noqa: PLC0414 - re-exported
from ._models import (
    ConversationQualityUpdated,
    CoverageDegraded,
    CoverageDropped,
    EngagementUpdated,
    ErrorMessage,
    FeedbackGenerated,
    ServerMessage,
    SessionClose,
    SessionClosing,
    SessionConfig,
    SessionEnded,
    SessionReady,
    SessionUpdated,
    SignalDetected,
    SignalEnded,
    SignalUpdated,
)
from ._vocab import GOAL_DIMENSIONS, INCLUDE_FLAGS, KNOWN_MESSAGE_TYPES

ClientMessage: TypeAlias = SessionConfig | SessionClose
"""Any client text frame."""

MESSAGE_CLASSES: Final[dict[str, type[ServerMessage]]] = {
    "session.ready": SessionReady,
    "session.updated": SessionUpdated,
    "signal.detected": SignalDetected,
    "signal.updated": SignalUpdated,
    "signal.ended": SignalEnded,
    "engagement.updated": EngagementUpdated,
    "conversation_quality.updated": ConversationQualityUpdated,
    "error": ErrorMessage,
    "session.closing": SessionClosing,
    "session.ended": SessionEnded,
    "coverage.dropped": CoverageDropped,
    "coverage.degraded": CoverageDegraded,
    "feedback.generated": FeedbackGenerated,
}
"""Server envelope type -> the message class that decodes it."""


class _Probe(msgspec.Struct):
    # Only read on the failure path, to tell an unknown type from a broken frame.
    type: Any = None
    timestamp: Any = None
    correlation_id: Any = None
    # Kept as raw JSON until the type is known to be unknown: a member that does not fit a
    # Python value (1e400) must not make the whole envelope undecodable.
    data: msgspec.Raw = msgspec.Raw(b"null")


_server_decoder: Final = msgspec.json.Decoder(ServerMessage)
_probe_decoder: Final = msgspec.json.Decoder(_Probe)
_object_decoder: Final = msgspec.json.Decoder(dict[str, Any])
_encoder: Final = msgspec.json.Encoder()
_encode: Final = _encoder.encode  # bound once, not looked up per frame
# One decoder per client frame class, for the exact check of an invalid frame to send; made
# the first time one is needed (not at import: most programs never send an invalid frame).
_client_decoders: Final[dict[type[ClientMessage], msgspec.json.Decoder[Any]]] = {}
_CLIENT_TAGGED: Final[dict[str, type[ClientMessage]]] = {
    "session.close": SessionClose,
}
_CLIENT_UNTAGGED: Final = SessionConfig


def decode_server_message(data: bytes | str) -> ServerMessage | UnknownMessage:
    """Decode one server text frame.

    Returns the typed message for a known envelope type and an UnknownMessage for any other
    type. Raises DecodeError for everything else: invalid JSON or UTF-8, a frame that is not
    an object, a missing or non-string type, or a known type whose fields break the spec.
    """
    try:
        message: ServerMessage = _server_decoder.decode(data)
    except msgspec.ValidationError as exc:
        return _slow_path(data, exc)
    except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
        raise _unreadable(exc, data) from None
    if message.correlation_id not in _checked_uuids:
        _check_uuid(message.correlation_id, "$.correlation_id", data)
    return message


def _slow_path(data: bytes | str, exc: msgspec.ValidationError) -> ServerMessage | UnknownMessage:
    # Only frames the typed decoder refused get here, so nothing below costs a known message
    # anything: an envelope type this spec does not define, or numbers written as 3.0 where
    # an integer belongs (JSON Schema counts 3.0 as an integer; msgspec does not), or a frame
    # that is simply wrong.
    reason = str(exc)
    if reason.startswith("Expected `int") and "got `float`" in reason:
        # The typed decoder got as far as an integer field, so the type is a known one.
        return _integral_floats(data)
    try:
        probe = _probe_decoder.decode(data)
    except msgspec.ValidationError:
        raise _error_from_msgspec(exc, data) from None
    except (msgspec.DecodeError, UnicodeError, RecursionError) as unreadable:
        # msgspec validates while it parses, so a field error can hide a broken document.
        raise _unreadable(unreadable, data) from None
    kind = probe.type
    if isinstance(kind, str) and kind not in KNOWN_MESSAGE_TYPES:
        timestamp = probe.timestamp if isinstance(probe.timestamp, str) else None
        correlation_id = probe.correlation_id if isinstance(probe.correlation_id, str) else None
        try:
            loose = _loose(probe.data)
        except UnicodeError as unreadable:  # raw data is not checked as text until decoded
            raise _unreadable(unreadable, data) from None
        return UnknownMessage(
            type=kind,
            timestamp=timestamp,
            correlation_id=correlation_id,
            data=loose,
            raw=_as_bytes(data),
        )
    raise _error_from_msgspec(exc, data) from None


def _integral_floats(data: bytes | str) -> ServerMessage:
    """The frame decoded as if every integral float (3.0) were written as an integer (3).

    The shadow decoder reads the frame once, in C, as the typed decoder does: it skips unknown
    members and checks every field in document order, except that each field that takes an
    integer goes through `_integers_hook`, which rewrites that value alone. Only the known
    members are then encoded again and decoded with the typed decoder.
    """
    try:
        shadow = _shadow_decoder().decode(data)
    except msgspec.ValidationError as invalid:
        # Stopped at the first bad field; a later part of the frame may not even be JSON.
        try:
            _probe_decoder.decode(data)
        except (msgspec.DecodeError, UnicodeError, RecursionError) as unreadable:
            raise _unreadable(unreadable, data) from None
        except msgspec.ValidationError:
            pass
        raise _shadow_error(invalid, data) from None
    except (msgspec.DecodeError, UnicodeError, RecursionError) as unreadable:
        raise _unreadable(unreadable, data) from None
    encoded = _shadow_encoder.encode(shadow)
    del shadow  # only the known members are held twice, and not all three copies at once
    try:
        message: ServerMessage = _server_decoder.decode(encoded)
    except msgspec.ValidationError as again:
        raise _error_from_msgspec(again, data) from None
    if message.correlation_id not in _checked_uuids:
        _check_uuid(message.correlation_id, "$.correlation_id", data)
    return message


_any_decoder: Final = msgspec.json.Decoder()


def _loose(raw: msgspec.Raw) -> Any:
    """An unknown envelope's data, decoded without a schema; when it holds what no Python value
    can be (a number beyond a double, nesting deeper than the parser goes), its JSON text."""
    try:
        return _any_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return bytes(raw).decode("utf-8", "replace")


def _integral(value: Any) -> Any:
    """The same JSON value with every integral float (3.0) written as an integer (3)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


class _Integers:
    """A decoded value of a field whose type takes integers, in the shadow models.

    Each such field type gets its own subclass, whose `decoder` is the typed decoder for the
    field's real type: msgspec hands `_integers_hook` the field's JSON value, and the hook
    decodes that value with integral floats written as integers, exactly as the typed decoder
    would have read a frame written that way.
    """

    __slots__ = ("value",)
    decoder: ClassVar[msgspec.json.Decoder[Any]]
    nested: ClassVar[bool]

    def __init__(self, value: Any) -> None:
        self.value = value


class _NestedError(ValueError):
    # A failure inside a field's value: msgspec adds the field's path, this the rest of it.
    def __init__(self, reason: str, path: str) -> None:
        super().__init__(reason)
        self.path = path


def _integers_hook(kind: type, value: Any) -> Any:
    if not issubclass(kind, _Integers):
        raise NotImplementedError(kind)
    written: Any
    if type(value) is float:
        written = int(value) if value.is_integer() else value
    elif type(value) is list or type(value) is dict:
        # A scalar type refuses any array or object whatever it holds: say so without
        # encoding it again.
        written = _integral(value) if kind.nested else type(value)()
    else:
        written = value
    try:
        return kind(kind.decoder.decode(_encoder.encode(written)))
    except msgspec.ValidationError as exc:
        reason, mark, path = str(exc).rpartition(_MSGSPEC_PATH_MARK)
        if not mark:
            raise ValueError(str(exc)) from None
        raise _NestedError(reason, path.rstrip("`")) from None


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Integers):
        return value.value
    raise NotImplementedError(type(value))


def _shadow_error(exc: msgspec.ValidationError, data: bytes | str) -> DecodeError:
    error = _error_from_msgspec(exc, data)
    if isinstance(exc.__cause__, _NestedError):
        return DecodeError(str(exc.__cause__), error.path + exc.__cause__.path[1:], data)
    return error


def _takes_integers(annotation: Any) -> bool:
    """Whether a JSON integer can be a value of this type itself (not of a Struct inside it)."""
    if typing.get_origin(annotation) is Annotated:
        return _takes_integers(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is Literal:
        return any(type(item) is int for item in typing.get_args(annotation))
    if _is_union(annotation):
        return any(_takes_integers(member) for member in typing.get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, int) and annotation is not bool


def _scalar(annotation: Any) -> bool:
    """Whether every value of this type is a JSON scalar (no array or object)."""
    if typing.get_origin(annotation) is Annotated:
        return _scalar(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is Literal:
        return True
    if _is_union(annotation):
        return all(_scalar(member) for member in typing.get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, _SCALARS)


_SCALARS: Final = (int, float, str, type(None), msgspec.UnsetType, enum.Enum)


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _shadow(annotation: Any) -> Any:
    """The type the shadow decoder reads in place of `annotation`: the same, except that each
    type that takes integers is an _Integers subclass (which also keeps the Annotated
    constraints and the union around it) and each Struct type holding one is a shadow Struct."""
    if _takes_integers(annotation):
        integers: type[_Integers] = type(
            f"_Integers{len(_INTEGER_TYPES)}",
            (_Integers,),
            {
                "__slots__": (),
                "decoder": _decoder_for(annotation),
                "nested": not _scalar(annotation),
            },
        )
        _INTEGER_TYPES.append(integers)
        return integers
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _shadow_struct(annotation)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is Annotated:
        inner = _shadow(arguments[0])
        if inner is arguments[0]:
            return annotation
        parameters = (inner, *annotation.__metadata__)
        return Annotated[parameters]
    if not arguments or origin is Literal:
        return annotation
    shadows = tuple(
        argument if argument is Ellipsis else _shadow(argument) for argument in arguments
    )
    if shadows == arguments:
        return annotation
    if _is_union(annotation):
        return functools.reduce(operator.or_, shadows)
    return origin[shadows]


def _decoder_for(annotation: Any) -> msgspec.json.Decoder[Any]:
    # A field's UNSET stands for a missing member; a value never decodes to it.
    if _is_union(annotation):
        members = [m for m in typing.get_args(annotation) if m is not msgspec.UnsetType]
        annotation = functools.reduce(operator.or_, members)
    return msgspec.json.Decoder(annotation)


def _shadow_struct(model: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The model itself when none of its fields takes an integer anywhere, else a Struct with
    the same fields, names, defaults and tag whose fields are read as `_shadow` says."""
    if model in _SHADOWS:
        return _SHADOWS[model]
    if model in _SHADOWING:
        raise NotImplementedError(f"{model.__name__} contains itself")
    _SHADOWING.add(model)
    infos = msgspec.structs.fields(model)
    fields: list[tuple[str, Any, Any]] = []
    for info in infos:
        default: Any = info.default
        if info.default_factory is not msgspec.NODEFAULT:
            default = msgspec.field(default_factory=info.default_factory)
        elif default is msgspec.NODEFAULT:
            default = msgspec.field()
        fields.append((info.name, _shadow(info.type), default))
    _SHADOWING.discard(model)
    shadow = model
    if any(
        annotation is not info.type for (_, annotation, _), info in zip(fields, infos, strict=True)
    ):
        config = model.__struct_config__
        shadow = msgspec.defstruct(
            f"_Shadow{model.__name__}",
            fields,
            kw_only=True,
            tag_field=config.tag_field,
            tag=config.tag,
            forbid_unknown_fields=config.forbid_unknown_fields,
            array_like=config.array_like,
            rename={info.name: info.encode_name for info in infos},
        )
    _SHADOWS[model] = shadow
    return shadow


_INTEGER_TYPES: Final[list[type[_Integers]]] = []
_SHADOWS: Final[dict[type[msgspec.Struct], type[msgspec.Struct]]] = {}
_SHADOWING: Final[set[type[msgspec.Struct]]] = set()
_SHADOW_DECODER: Final[list[msgspec.json.Decoder[Any]]] = []


def _shadow_decoder() -> msgspec.json.Decoder[Any]:
    """Built on the first frame that needs it: the shadow structs cost a few milliseconds,
    which an import should not pay for a path most processes never take."""
    if not _SHADOW_DECODER:
        union = functools.reduce(
            operator.or_, [_shadow_struct(c) for c in MESSAGE_CLASSES.values()]
        )
        _SHADOW_DECODER.append(msgspec.json.Decoder(union, dec_hook=_integers_hook))
    return _SHADOW_DECODER[0]


_shadow_encoder: Final = msgspec.json.Encoder(enc_hook=_unwrap)


def decode_client_message(data: bytes | str) -> ClientMessage:
    """Decode one client text frame (what a server receives).

    A frame with a `type` must be one of the tagged client frames; a frame without one is a
    session config. Unknown fields are rejected (D20). Raises DecodeError with the JSON path.
    """
    try:
        frame = _object_decoder.decode(data)
    except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
        raise _unreadable(exc, data) from None
    kind = frame.get("type")
    if kind is None and "type" not in frame:
        target: type[ClientMessage] = _CLIENT_UNTAGGED
    elif isinstance(kind, str) and kind in _CLIENT_TAGGED:
        target = _CLIENT_TAGGED[kind]
    else:
        known = ", ".join(sorted(_CLIENT_TAGGED))
        raise DecodeError(f"unknown client frame type {kind!r} (known: {known})", "$.type", data)
    try:
        return msgspec.convert(frame, target, strict=True)
    except msgspec.ValidationError as exc:
        raise _error_from_msgspec(exc, data) from None


def encode_client_message(message: ClientMessage) -> bytes:
    """Encode a client text frame to the UTF-8 JSON bytes to send.

    The frame is checked against the spec first, since Struct constructors do not validate:
    an invalid value raises ValueError naming the field.
    """
    if type(message) is SessionConfig:
        include = message.include
        goal_dimensions = message.goal_dimensions
        # Each field is absent or an array of strings (of a closed value set, or any: D34).
        # The usual case is read item by item (no set to build); anything else takes the
        # exact check below, which a set comparison does in C.
        usual = True
        if include is not UNSET:
            if type(include) is list:
                for value in include:
                    if type(value) is not str:
                        usual = False
                        break
            else:
                usual = False
        if goal_dimensions is not UNSET:
            if type(goal_dimensions) is list:
                for value in goal_dimensions:
                    if type(value) is not str:
                        usual = False
                        break
            else:
                usual = False
        if not usual:
            try:
                invalid = (
                    include is not msgspec.UNSET
                    and (
                        type(include) is not list
                        or not (
                            INCLUDE_FLAGS.issuperset(include)
                            or _STRINGS.issuperset(map(type, include))
                        )
                    )
                ) or (
                    goal_dimensions is not msgspec.UNSET
                    and (
                        type(goal_dimensions) is not list
                        or not (
                            GOAL_DIMENSIONS.issuperset(goal_dimensions)
                            or _STRINGS.issuperset(map(type, goal_dimensions))
                        )
                    )
                )
            except TypeError:  # an unhashable item
                invalid = True
            if invalid:
                _invalid(message)
        return _encode(message)
    if type(message) is SessionClose:
        return _SESSIONCLOSE_FRAME
    raise TypeError(f"not a client message: {type(message).__name__}")


_STRINGS: Final = frozenset({str})

_SESSIONCLOSE_FRAME: Final = _encoder.encode(SessionClose())


def _invalid(message: ClientMessage) -> None:
    # The slow, exact path: let the decoder say which value is wrong, and where.
    _check_exactly(message)
    raise ValueError(f"invalid {type(message).__name__}")


def _check_exactly(message: ClientMessage) -> None:
    # ValueError naming the wrong value, from the decoder; nothing when the frame is valid.
    encoded = _encoder.encode(message)
    decoder = _client_decoders.get(type(message))
    if decoder is None:
        decoder = _client_decoders[type(message)] = msgspec.json.Decoder(type(message))
    try:
        decoder.decode(encoded)
    except msgspec.ValidationError as exc:
        error = _error_from_msgspec(exc, encoded)
        raise ValueError(f"invalid {type(message).__name__}: {error}") from None
    except TypeError as exc:
        raise ValueError(f"invalid {type(message).__name__}: {exc}") from None
