# Hand-written runtime: edit codegen/runtime/_errors.py (regen copies it verbatim).

"""Errors of the session contract.

LocalProtocolError: our caller asked for something the contract forbids (sending video before
session.ready, a config after session.close); nothing was sent or changed. RemoteProtocolError:
the peer broke the contract; raised in strict mode, recorded as a Violation otherwise. Both name
the rule (contract.json), the role, the state and the event, carry a hint of what to do, and
say in `detail` which value broke the rule and the limit or set it broke.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

Role = Literal["client", "server"]


class ProtocolError(Exception):
    """A move against the session contract. `rule` is its id in contract.json; `detail` names
    the offending value and the limit or set it broke; `received` is the frame involved,
    decoded (None for a frame we were asked to send)."""

    def __init__(
        self,
        says: str,
        *,
        rule: str,
        role: Role,
        state: str,
        event: str,
        hint: str,
        received: object = None,
        detail: str = "",
    ) -> None:
        found = f": {detail}" if detail else ""
        super().__init__(
            f"[{rule}] {says}{found} ({role} in state {state!r}, event {event!r}). Hint: {hint}"
        )
        self.detail = detail
        self.says = says
        self.rule = rule
        self.role = role
        self.state = state
        self.event = event
        self.hint = hint
        self.received = received


class LocalProtocolError(ProtocolError):
    """Our caller tried a move the contract forbids; nothing was sent or changed."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the contract (strict mode). The frame was still applied as in lenient
    mode and is in `received`; `violations` lists every rule it broke."""

    violations: tuple[Violation, ...] = ()


class Violation(Struct, frozen=True, kw_only=True):
    """A contract breach by the peer (or, when replaying a recording, by the recorded side).
    `detail` names the offending value and the limit or set it broke; `received` is the
    decoded message, or a SentSegment for a binary frame."""

    rule: str
    says: str
    state: str
    event: str
    received: object
    hint: str
    detail: str = ""
