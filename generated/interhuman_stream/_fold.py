# Hand-written runtime: edit codegen/runtime/_fold.py (regen copies it verbatim).

"""Fold: what a connection feeds the messages it applied to. A module of its own so that a
program that never names it does not build the Protocol class at import."""

from __future__ import annotations

from typing import Any, Protocol


class Fold(Protocol):
    """What a connection feeds (SummaryFold, or your own): every message it applied, in
    order, and the loss of the connection."""

    def add(self, message: Any) -> None: ...

    def connection_lost(self) -> None: ...
