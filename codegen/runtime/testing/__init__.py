# Hand-written runtime: edit codegen/runtime/testing/__init__.py (regen copies it verbatim).
# ruff: noqa: E501, RUF100  (E501: the header above, which regen checks whole)

"""Test doubles for the Streaming Analyze v1 endpoint: `pip install "interhuman-stream[testing]"`.

    MockServer   a reference server (ServerConnection over websockets) with fault scenarios
    MockConfig   what it announces in session.ready and how it misbehaves
    ReplayServer plays a recorded session (the check CLI's JSONL) back to a client

The pytest plugin (interhuman_stream.testing.plugin, registered as a pytest11 entry point)
provides the fixtures `interhuman_mock`, `interhuman_mock_factory` and `interhuman_replay`.
Importing this package imports nothing beyond the core: `websockets` is imported when one of
the names above is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mock import MockConfig, MockServer, SessionRecord
    from .replay import RecordingError, ReplayServer

__all__ = ["MockConfig", "MockServer", "RecordingError", "ReplayServer", "SessionRecord"]

_HOMES = {
    "MockConfig": "mock",
    "MockServer": "mock",
    "SessionRecord": "mock",
    "RecordingError": "replay",
    "ReplayServer": "replay",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
