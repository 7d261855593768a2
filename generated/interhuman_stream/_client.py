# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/protocol.schema.json, spec/contract.json
# Template: codegen/templates/_client.py.jinja2

"""ClientConnection: the client role of a session, without I/O.

Feed it every text frame the server sends (receive_message) and ask it for every frame you
send (send_config, send_segment, send_close); it returns what to put on the wire and keeps
the session state. The transport - any WebSocket library, a test rig, a proxy - stays yours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec
from msgspec import UNSET

from ._codec import (
    UnknownMessage,
    _check_uuid,
    _checked_uuids,
    _server_decoder,
    decode_server_message,
    encode_client_message,
)
from ._models import (
    ErrorMessage,
    GoalDimension,
    IncludeFlag,
    ServerMessage,
    SessionClose,
    SessionConfig,
)
from ._session import SentSegment, Session, binary

_CLOSE: Final = SessionClose()
_CLOSE_FRAME: Final = encode_client_message(_CLOSE).decode()


class ClientConnection(Session):
    """One client session.

    strict=False (the default): a server message that breaks the contract is recorded in
    `violations` and still returned. strict=True: it is applied the same way, then
    RemoteProtocolError is raised naming the rule, with the decoded message attached. In both
    modes undecodable data raises DecodeError, and a send the contract forbids raises
    LocalProtocolError before anything changes.

    check_segment_sizes and sniff_containers turn those local checks on outgoing video off.
    audit=True is for replaying a recorded session (or proxying someone else's client): a send
    the contract forbids is recorded in `violations` and still counted, instead of refused.
    Every method takes an optional `now`, the current time of any monotonic clock in seconds;
    pass it to get deadlines (next_deadline, expired).
    """

    __slots__ = ()

    def __init__(
        self,
        strict: bool = False,
        *,
        check_segment_sizes: bool = True,
        sniff_containers: bool = True,
        audit: bool = False,
    ) -> None:
        super().__init__(
            "client",
            strict=strict,
            switches={
                "check_segment_sizes": check_segment_sizes,
                "sniff_containers": sniff_containers,
            },
            audit=audit,
        )

    def __repr__(self) -> str:
        return (
            f"<ClientConnection state={self._state.value} segments={len(self._segments)} "
            f"active_signals={len(self._signals)} violations={len(self._violations)}>"
        )

    def receive_message(
        self, data: bytes | str, now: float | None = None
    ) -> ServerMessage | UnknownMessage:
        """Decode a server text frame, check it against the contract, and return it."""
        # decode_server_message, inlined: one Python call less on every frame.
        message: ServerMessage | UnknownMessage
        try:
            known: ServerMessage = _server_decoder.decode(data)
        except (msgspec.DecodeError, UnicodeError, RecursionError):
            message = decode_server_message(data)  # the slow path, or a DecodeError
        else:
            if known.correlation_id not in _checked_uuids:
                _check_uuid(known.correlation_id, "$.correlation_id", data)
            message = known
        self._on[message.__class__](self, message, now)
        return message

    def send_config(
        self,
        include: Sequence[IncludeFlag] | None = None,
        goal_dimensions: Sequence[GoalDimension] | None = None,
        now: float | None = None,
    ) -> str:
        """The text frame that sets the session config (it replaces the whole previous one).

        A field left as None is left out of the frame, so the server uses its default for it.
        """
        config = SessionConfig(
            include=UNSET if include is None else list(include),
            goal_dimensions=UNSET if goal_dimensions is None else list(goal_dimensions),
        )
        frame = encode_client_message(config)
        self._handle("config", config, now)
        return frame.decode()

    def send_segment(self, data: bytes, now: float | None = None) -> bytes:
        """Check one video segment and record it; returns the bytes to send as a binary frame."""
        data = binary(data)
        self._handle("segment", data, now)
        return data

    def send_close(self, now: float | None = None) -> str:
        """The text frame that asks the server to drain and end the session."""
        self._handle("close", _CLOSE, now)
        return _CLOSE_FRAME

    def segment_for(self, message: ErrorMessage) -> SentSegment | None:
        """The sent segment an error refers to, or None for a connection-wide error."""
        return self.segment(message.data.segment if message.data.segment is not UNSET else None)
