# Hand-written runtime: edit codegen/runtime/_decoding.py (regen copies it verbatim).

"""What decoding and encoding frames needs whatever the protocol version: DecodeError and
UnknownMessage, the errors' wording, the correlation id check, the slow path for server
frames the typed decoder refuses, client frames decoded by their tag, and the exact check of
a client frame to send. Each version's _codec (generated from its spec) keeps its message
classes, its typed decoder and its encode checks, and hands them to these.

Theory of operation: one msgspec Decoder for the tagged union of every known server envelope
is built at import time (by each version's _codec). A frame is parsed exactly once on the
success path: msgspec reads the `type` tag, picks the Struct and validates every field while
it parses. Only when that fails do we look again, slowly (ServerFrames.slow_path), to tell an
envelope type the spec does not know (returned as UnknownMessage, D6) from a broken frame
(DecodeError with the JSON path).
"""

from __future__ import annotations

import enum
import functools
import operator
import types
import typing
from collections.abc import Collection, Mapping
from typing import Annotated, Any, ClassVar, Final, Generic, Literal, TypeVar

import msgspec

from ._segments import sniff_container

M = TypeVar("M", bound=msgspec.Struct)
"""A version's server message (its ServerMessage union)."""
C = TypeVar("C", bound=msgspec.Struct)
"""A version's client frame (its ClientMessage union)."""


class DecodeError(ValueError):
    """A frame that is not a valid message.

    `path` is where in the JSON document the problem is (`$` for the whole frame,
    `$.data.start` for a field), `reason` says what is wrong, and `data` holds the frame
    exactly as it was passed in, so nothing is lost.
    """

    def __init__(self, reason: str, path: str, data: bytes | str) -> None:
        super().__init__(f"{reason} (at {path})")
        self.reason = reason
        self.path = path
        self.data = data


class UnknownMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A server envelope whose `type` this spec does not define (D6).

    `data` is the envelope's data member decoded without a schema; `timestamp` and
    `correlation_id` are passed through when they are strings; `raw` is the whole frame.
    """

    type: str
    timestamp: str | None
    correlation_id: str | None
    data: Any
    raw: bytes


class _Probe(msgspec.Struct):
    # Only read on the failure path, to tell an unknown type from a broken frame.
    type: Any = None
    timestamp: Any = None
    correlation_id: Any = None
    # Kept as raw JSON until the type is known to be unknown: a member that does not fit a
    # Python value (1e400) must not make the whole envelope undecodable.
    data: msgspec.Raw = msgspec.Raw(b"null")


_probe_decoder: Final = msgspec.json.Decoder(_Probe)
_object_decoder: Final = msgspec.json.Decoder(dict[str, Any])
_any_decoder: Final = msgspec.json.Decoder()
_encoder: Final = msgspec.json.Encoder()
_encode: Final = _encoder.encode  # bound once, not looked up per frame
_MSGSPEC_PATH_MARK: Final = " - at `"


def _error_from_msgspec(exc: Exception, data: bytes | str) -> DecodeError:
    # msgspec words a validation failure as "<reason> - at `<path>`"; the path is `$`-rooted.
    message = str(exc)
    reason, mark, path = message.rpartition(_MSGSPEC_PATH_MARK)
    if not mark:
        return DecodeError(message, "$", data)
    return DecodeError(reason, path.rstrip("`"), data)


def _unreadable(exc: Exception, data: bytes | str) -> DecodeError:
    if isinstance(data, (bytes, bytearray, memoryview)):
        container = sniff_container(bytes(data[:_SNIFFED_BYTES]))
        if container is not None:
            # A binary frame handed to the text decoder: say so, not "malformed JSON".
            return DecodeError(
                f"this is binary video ({container.name}), not a JSON text frame: video "
                "travels in binary frames (ClientConnection.send_segment, "
                "ServerConnection.receive_segment)",
                "$",
                data,
            )
    if isinstance(exc, UnicodeError):
        return DecodeError(f"not valid UTF-8 text: {exc}", "$", data)
    if isinstance(exc, RecursionError):
        return DecodeError("JSON nested too deeply", "$", data)
    return _error_from_msgspec(exc, data)


# Enough of a frame to recognise every container's packets (segments.json).
_SNIFFED_BYTES: Final = 4096


def _as_bytes(data: bytes | str | bytearray | memoryview) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


# A session repeats its correlation id on every message: each distinct value is checked once.
_checked_uuids: Final[set[str]] = set()
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
# Bounded (a peer cannot grow it without limit), and large enough that a process with many
# connections rarely checks an id twice; a miss costs one check, a few hundred ns, not a cliff.
_MAX_CHECKED_UUIDS: Final = 65536


def _check_uuid(value: str, path: str, data: bytes | str) -> None:
    # The canonical 8-4-4-4-12 hex form (RFC 9562), as JSON Schema's "uuid" format reads it,
    # checked with a few C-level operations (no Python loop).
    if not (
        len(value) == 36
        and value[8] == value[13] == value[18] == value[23] == "-"
        and _HEX_DIGITS.issuperset(value.replace("-", ""))
        and value.count("-") == 4
    ):
        raise DecodeError("Invalid UUID", path, data)
    if len(_checked_uuids) >= _MAX_CHECKED_UUIDS:
        _checked_uuids.clear()
    _checked_uuids.add(value)


class ServerFrames(Generic[M]):
    """One protocol version's server frames, for those its typed decoder refuses.

    `decoder` is the version's typed decoder (the fast path, which its _codec calls itself),
    `message_classes` its message classes (the shadow decoder is made from them),
    `known_types` its envelope types and `uuid_fields` the envelope fields checked as UUIDs.
    """

    __slots__ = ("_decoder", "_known_types", "_message_classes", "_shadow", "_uuid_fields")

    def __init__(
        self,
        decoder: msgspec.json.Decoder[M],
        message_classes: Collection[type[M]],
        known_types: Collection[str],
        uuid_fields: tuple[str, ...],
    ) -> None:
        self._decoder = decoder
        self._message_classes = tuple(message_classes)
        self._known_types = known_types
        self._uuid_fields = uuid_fields
        self._shadow: msgspec.json.Decoder[Any] | None = None

    def slow_path(self, data: bytes | str, exc: msgspec.ValidationError) -> M | UnknownMessage:
        """The frame the typed decoder refused with `exc`: an UnknownMessage, the message it
        is when read as JSON Schema reads it, or DecodeError."""
        # Only frames the typed decoder refused get here, so nothing below costs a known
        # message anything: an envelope type this spec does not define, or numbers written as
        # 3.0 where an integer belongs (JSON Schema counts 3.0 as an integer; msgspec does
        # not), or a frame that is simply wrong.
        reason = str(exc)
        if reason.startswith("Expected `int") and "got `float`" in reason:
            # The typed decoder got as far as an integer field, so the type is a known one.
            return self._integral_floats(data)
        try:
            probe = _probe_decoder.decode(data)
        except msgspec.ValidationError:
            raise _error_from_msgspec(exc, data) from None
        except (msgspec.DecodeError, UnicodeError, RecursionError) as unreadable:
            # msgspec validates while it parses, so a field error can hide a broken document.
            raise _unreadable(unreadable, data) from None
        kind = probe.type
        if isinstance(kind, str) and kind not in self._known_types:
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

    def _integral_floats(self, data: bytes | str) -> M:
        """The frame decoded as if every integral float (3.0) were written as an integer (3).

        The shadow decoder reads the frame once, in C, as the typed decoder does: it skips
        unknown members and checks every field in document order, except that each field that
        takes an integer goes through `_integers_hook`, which rewrites that value alone. Only
        the known members are then encoded again and decoded with the typed decoder.
        """
        try:
            shadow = self.shadow_decoder().decode(data)
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
            message: M = self._decoder.decode(encoded)
        except msgspec.ValidationError as again:
            raise _error_from_msgspec(again, data) from None
        for field in self._uuid_fields:
            value = getattr(message, field)
            if value not in _checked_uuids:
                _check_uuid(value, f"$.{field}", data)
        return message

    def shadow_decoder(self) -> msgspec.json.Decoder[Any]:
        """Built on the first frame that needs it: the shadow structs cost a few milliseconds,
        which an import should not pay for a path most processes never take."""
        if self._shadow is None:
            union = functools.reduce(
                operator.or_, [_shadow_struct(c) for c in self._message_classes]
            )
            self._shadow = msgspec.json.Decoder(union, dec_hook=_integers_hook)
        return self._shadow


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


# Shared by every version: a model class is one version's, so its shadow is too.
_INTEGER_TYPES: Final[list[type[_Integers]]] = []
_SHADOWS: Final[dict[type[msgspec.Struct], type[msgspec.Struct]]] = {}
_SHADOWING: Final[set[type[msgspec.Struct]]] = set()
_shadow_encoder: Final = msgspec.json.Encoder(enc_hook=_unwrap)


def _decode_client(data: bytes | str, tagged: Mapping[str, type[C]], untagged: type[C]) -> C:
    """One client text frame: a frame with a `type` must be one of the `tagged` frames; a
    frame without one is an `untagged` one. Unknown fields are rejected (D20). Raises
    DecodeError with the JSON path."""
    try:
        frame = _object_decoder.decode(data)
    except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
        raise _unreadable(exc, data) from None
    kind = frame.get("type")
    if kind is None and "type" not in frame:
        target = untagged
    elif isinstance(kind, str) and kind in tagged:
        target = tagged[kind]
    else:
        known = ", ".join(sorted(tagged))
        raise DecodeError(f"unknown client frame type {kind!r} (known: {known})", "$.type", data)
    try:
        return msgspec.convert(frame, target, strict=True)
    except msgspec.ValidationError as exc:
        raise _error_from_msgspec(exc, data) from None


# For the encode checks each version's encode_client_message makes.
_STRINGS: Final = frozenset({str})
# One decoder per client frame class, for the exact check of an invalid frame to send; made
# the first time one is needed (not at import: most programs never send an invalid frame).
_client_decoders: Final[dict[type[msgspec.Struct], msgspec.json.Decoder[Any]]] = {}


def _invalid(message: msgspec.Struct) -> None:
    # The slow, exact path: let the decoder say which value is wrong, and where.
    _check_exactly(message)
    raise ValueError(f"invalid {type(message).__name__}")


def _check_exactly(message: msgspec.Struct) -> None:
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
