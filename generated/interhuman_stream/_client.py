# Hand-written runtime: edit codegen/runtime/_client.py (regen copies it verbatim).

"""ClientConnection: the client role of a session, without I/O.

Feed it every text frame the server sends (receive_message) and ask it for every frame you
send (send_config, send_segment, send_close); it returns what to put on the wire and keeps
the session state. The transport - any WebSocket library, a test rig, a proxy - stays yours.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec
from msgspec import UNSET

from ._checks import CHECKS, offered_values
from ._codec import (
    UnknownMessage,
    _check_uuid,
    encode_client_message,
)
from ._contract import RULES, SessionState
from ._engine import (
    DEFAULT_MAX_SIGNAL_TYPES,
    DEFAULT_VIOLATION_EXCERPT_BYTES,
    INF,
    Core,
    SessionView,
    binary,
    checked_now,
)
from ._errors import LocalProtocolError
from ._models import ErrorMessage, ServerMessage, SessionClose, SessionConfig
from ._recording import (
    Record,
    connect_line,
    lost_line,
    received_line,
    segment_line,
    sent_line,
)
from ._values import Change, OfferedConfig, Received, SentSegment, Verdict
from ._versions import V1, opening_keys, protocol_version

if TYPE_CHECKING:
    from ._fold import Fold

_CLOSE: Final = SessionClose()
_BEFORE_READY: Final = frozenset({SessionState.AWAITING_READY, SessionState.CLOSE_BEFORE_READY})
_CLOSE_FRAME: Final = encode_client_message(_CLOSE).decode()
_encoder: Final = msgspec.json.Encoder()


class ClientConnection(SessionView):
    """One client session.

    strict=False (the default): a server message that breaks the contract is recorded in
    `violations` and still returned. strict=True: it is applied the same way, then
    RemoteProtocolError is raised naming the rule, with the decoded message attached. In both
    modes undecodable data raises DecodeError, and a send the contract forbids raises
    LocalProtocolError before anything changes.

    check_segment_sizes and sniff_containers turn those local checks on outgoing video off.
    audit=True is for replaying a recorded session (or proxying someone else's client): a send
    the contract forbids is recorded in `violations` and still counted, instead of refused.
    segment_index_base is the base error.segment counts from, when you know it; no source
    says (D36), so by default (None) an index either possible base explains is accepted and
    segment_for says which base it picked.
    fold (a SummaryFold, or anything with add and connection_lost) is fed every server
    message the connection applied, and finalised by connection_lost.
    max_signal_types and violation_excerpt_bytes bound what a hostile peer can make the
    connection keep (README, "Caps"). record (for example a binary file's write) gets every
    frame received and sent, with `now`, as a line of the JSONL that
    `python -m interhuman_stream check` reads (_recording.py).
    version is the protocol version spoken: "v1" (the default) or "v2" (Inter-2: its
    messages, from interhuman_stream.v2, and its contract; send_config takes `model` and
    `audio_format`). model (v2 only) is the model the session opens on, as the upgrade's
    `model` query parameter names it (None: the version's default, inter-2): the contract
    holds later configs to it (D52, D56).
    Every method takes an optional `now`, the current time of any monotonic clock in seconds
    (a finite number); pass it to get deadlines (next_deadline, expired).
    """

    __slots__ = ("_decode", "_record")

    def __init__(
        self,
        strict: bool = False,
        *,
        check_segment_sizes: bool = True,
        sniff_containers: bool = True,
        audit: bool = False,
        segment_index_base: int | None = None,
        max_signal_types: int = DEFAULT_MAX_SIGNAL_TYPES,
        violation_excerpt_bytes: int = DEFAULT_VIOLATION_EXCERPT_BYTES,
        fold: Fold | None = None,
        record: Record | None = None,
        version: str = "v1",
        model: str | None = None,
    ) -> None:
        bundle = protocol_version(version)
        session_keys = opening_keys(bundle.name, model)
        # The decoder, bound once: looking it up on every frame costs more than the call.
        self._decode = bundle.decode
        self._core = Core(
            "client",
            strict=strict,
            switches={
                "check_segment_sizes": check_segment_sizes,
                "sniff_containers": sniff_containers,
            },
            audit=audit,
            segment_index_base=segment_index_base,
            max_signal_types=max_signal_types,
            violation_excerpt_bytes=violation_excerpt_bytes,
            fold=fold,
            handlers=bundle.handlers,
            version=bundle,
            session_keys=session_keys,
        )
        self._record = record
        if record is not None and bundle is not V1:
            record(connect_line(bundle.name, session_keys.get("model")))

    def __repr__(self) -> str:
        core = self._core
        return (
            f"<ClientConnection state={core.state.value} segments={len(core.segments)} "
            f"active_signals={len(core.signals)} violations={len(core.violations)}>"
        )

    def receive_message(
        self, data: bytes | str, now: float | None = None
    ) -> ServerMessage | UnknownMessage:
        """Decode a server text frame, check it against the contract, and return it."""
        core = self._core
        if now is not None and (type(now) is not float or not -INF < now < INF):
            now = checked_now(now)  # refused at the call, before anything changes
        if self._record is not None:
            # Recorded as received, before it is judged: a strict raise loses nothing.
            self._record(received_line(data, now))
        # decode_server_message, inlined: one Python call less on every frame.
        message: ServerMessage | UnknownMessage
        try:
            known: ServerMessage = self._decode(data)
        except (msgspec.DecodeError, UnicodeError, RecursionError):
            # the slow path, or a DecodeError
            message = core.version.decode_server_message(data)
            if message.correlation_id != core.correlation_id:
                core.handle(core.version.event_of[type(message)], message, now)
                return message
        else:
            if known.correlation_id != core.correlation_id:
                # Not the id this connection already checked: check its form, then let the
                # engine judge it (the first one is remembered, another is a breach: D37).
                _check_uuid(known.correlation_id, "$.correlation_id", data)
                core.handle(core.version.event_of[type(known)], known, now)
                return known
            message = known
        if core.fold is None:
            core.on[type(message)](core, message, now)
        else:
            handled = core.handled
            core.on[type(message)](core, message, now)
            if core.handled == handled:  # the fast path applied it; Core.handle feeds the fold
                core.fold.add(message)
        return message

    def receive(self, data: bytes | str, now: float | None = None) -> Received:
        """receive_message, and what the message changed and what to do next (Change): for a
        transport that acts on the session's lifecycle. Strict mode raises as receive_message
        does; the change is then in the error's `received` message and the connection."""
        core = self._core
        state, pending, count = core.state, len(core.pending_configs), core.violation_count
        message = self.receive_message(data, now)
        after = core.state
        config: Literal["acknowledged", "refused"] | None = None
        models = self._core.version.models
        if len(core.pending_configs) < pending:
            config = "refused" if isinstance(message, models.ErrorMessage) else "acknowledged"
        error: Verdict | None = None
        segment = None
        if isinstance(message, models.ErrorMessage):
            info = core.version.catalog.get(message.data.code)
            error = info.verdict if info is not None else "unknown"
            segment = self.segment_for(message)
        change = Change(
            became_ready=core.ready is not None and state in _BEFORE_READY and after is not state,
            config=config,
            closing=after is SessionState.DRAINING and state is not after,
            ended=message.data.reason
            if isinstance(message, models.SessionEnded) and after is SessionState.ENDED
            else None,
            error=error,
            segment=segment,
            deadline=core.next_deadline(),
            violations=core.violation_count - count,
        )
        return Received(message=message, change=change)

    def send_config(
        self,
        include: Sequence[str] | None = None,
        goal_dimensions: Sequence[str] | None = None,
        now: float | None = None,
        *,
        model: str | None = None,
        audio_format: Any = None,
    ) -> str:
        """The text frame that sets the session config (it replaces the whole previous one).

        A field left as None is left out of the frame, so the server uses its default for it.
        A value may be a documented one, or one session.ready offered (D34); anything else,
        and a value that is not a list of strings, is a LocalProtocolError naming the value.
        On v2, `model` (a model id) and `audio_format` (v2's AudioFormat, or a mapping of
        its keys) are sticky: left out (None), the value in force stays (D52). On v1 they
        do not exist: giving one is a ValueError.
        """
        config = self._config(include, goal_dimensions, model, audio_format)
        try:
            frame = _encoder.encode(config).decode()
        except (TypeError, ValueError):  # not strings, or text that UTF-8 cannot carry
            raise self._unsendable(config) from None
        self._core.handle("config", config, now)
        if self._record is not None:
            self._record(sent_line(frame, now))
        return frame

    def send_offered_config(
        self,
        include: Sequence[str] | None = None,
        goal_dimensions: Sequence[str] | None = None,
        now: float | None = None,
        *,
        model: str | None = None,
        audio_format: Any = None,
    ) -> OfferedConfig:
        """The config frame for what you want of what the server offers: a value that
        session.ready does not offer (for an option it does not list, and before it: one
        that is not documented) is left out and reported in `left_out`, instead of refused
        (D34). Wanting nothing of an option (None) leaves it out of the frame, as in
        send_config; a list whose every value is left out is sent empty. v2's `model` and
        `audio_format` go into the frame as given, as in send_config (they are session
        state, held to the contract's rules, not picked from an offer)."""
        guard = next(g for g in self._core.version.guards if g.check == "config_values_supported")
        wanted = {"include": include, "goal_dimensions": goal_dimensions}
        kept: dict[str, list[str] | None] = {}
        left_out: dict[str, tuple[str, ...]] = {}
        for name, values in wanted.items():
            if values is None or isinstance(values, str) or not isinstance(values, Sequence):
                kept[name] = values  # type: ignore[assignment]  # send_config names the mistake
                continue
            offered = offered_values(self._core, guard, name)
            allowed = guard.documented[name] if offered is None else frozenset(offered)
            kept[name] = [v for v in values if not isinstance(v, str) or v in allowed]
            dropped = tuple(v for v in values if isinstance(v, str) and v not in allowed)
            if dropped:
                left_out[name] = dropped
        frame = self.send_config(
            kept["include"],
            kept["goal_dimensions"],
            now=now,
            model=model,
            audio_format=audio_format,
        )
        config = self._core.pending_configs[-1] if self._core.pending_configs else None
        return OfferedConfig(frame=frame, config=config, left_out=left_out)

    def _config(
        self, include: Any, goal_dimensions: Any, model: Any, audio_format: Any
    ) -> SessionConfig:
        """The config frame's Struct, of this connection's protocol version."""
        version = self._core.version
        fields = {"include": _as_list(include), "goal_dimensions": _as_list(goal_dimensions)}
        if model is None and audio_format is None:
            return version.models.SessionConfig(**fields)  # type: ignore[no-any-return]
        if version is V1:
            given = "model" if model is not None else "audio_format"
            raise ValueError(
                f"{given} is a v2 config key; this connection speaks v1 "
                "(ClientConnection(version='v2') sends it)"
            )
        if model is not None:
            if not isinstance(model, str) or not model:
                raise ValueError(f"model is a model id (a non-empty string), not {model!r}")
            fields["model"] = model
        if audio_format is not None:
            kind = version.models.AudioFormat
            try:
                fields["audio_format"] = (
                    audio_format
                    if isinstance(audio_format, kind)
                    else msgspec.convert(audio_format, kind)
                )
            except msgspec.ValidationError as error:
                raise ValueError(
                    f"audio_format {audio_format!r} is not a valid AudioFormat ({error}): it "
                    f"takes {_shape_of(kind)}"
                ) from None
        return version.models.SessionConfig(**fields)  # type: ignore[no-any-return]

    def _unsendable(self, config: SessionConfig) -> LocalProtocolError:
        # Refused before anything changes, also in audit mode: there is no frame to send.
        rule = RULES["config-well-formed"]
        guard = next(g for g in self._core.version.guards if g.rule is rule)
        found = CHECKS[guard.check].explain(self._core, guard, config)
        detail = found[0] if found else "a value cannot be sent as UTF-8 JSON text"
        return LocalProtocolError(
            rule.says,
            rule=rule.id,
            role="client",
            state=self._core.state.value,
            event="config",
            hint=rule.hint,
            detail=detail,
        )

    def send_segment(self, data: bytes, now: float | None = None) -> bytes:
        """Check one video segment and record it; returns the bytes to send as a binary frame."""
        data = binary(data)
        self._core.handle("segment", data, now)
        if self._record is not None:
            self._record(segment_line(data, now))
        return data

    def send_close(self, now: float | None = None) -> str:
        """The text frame that asks the server to drain and end the session."""
        self._core.handle("close", _CLOSE if self._core.version is V1 else self._close(), now)
        if self._record is not None:
            self._record(sent_line(_CLOSE_FRAME, now))
        return _CLOSE_FRAME

    def _close(self) -> SessionClose:
        return self._core.version.models.SessionClose()  # type: ignore[no-any-return]

    def connection_lost(self, code: int | None = None) -> None:
        """Tell the session its WebSocket closed (with the close code, when known); an
        attached summary fold is finalised too, and a recording gets its last line."""
        self._core.connection_lost(code)
        if self._record is not None:
            self._record(lost_line(code))

    def segment_for(self, message: ErrorMessage) -> SentSegment | None:
        """The sent segment an error refers to, or None for a connection-wide error. Its
        `base` says under which segment index base it was picked (D36)."""
        return self._core.segment(
            message.data.segment if message.data.segment is not UNSET else None
        )

    @property
    def version(self) -> str:
        """The protocol version this connection speaks ("v1", "v2")."""
        return self._core.version.name

    @property
    def correlation_id(self) -> str | None:
        """The connection's id: the correlation_id of its first envelope (D37)."""
        return self._core.correlation_id


def _as_list(values: Any) -> Any:
    # A list or tuple of values becomes the frame's list; anything else (a bare string, a
    # number) is kept as given so that the config-well-formed rule names it.
    if values is None:
        return UNSET
    if isinstance(values, (list, tuple)):
        return list(values)
    return values


def _shape_of(kind: type) -> str:
    """The values a Struct of fixed choices takes, field by field (for an error message)."""
    hints = typing.get_type_hints(kind)
    return ", ".join(
        f"{name} " + " or ".join(repr(value) for value in typing.get_args(hints[name]))
        for name in kind.__struct_fields__  # type: ignore[attr-defined]
    )
