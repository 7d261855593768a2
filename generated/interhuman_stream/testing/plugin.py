# Hand-written runtime: edit codegen/runtime/testing/plugin.py (regen copies it verbatim).
# ruff: noqa: E501, RUF100  (E501: the header above, which regen checks whole)

"""pytest fixtures for testing an integration offline, registered as the `pytest11` entry
point `interhuman_stream` (installing the package enables them in every project):

    def test_my_app(interhuman_mock):
        url, api_key, server = interhuman_mock    # a running MockServer on a free loopback port
        ...

    def test_idle(interhuman_mock_factory):
        url, api_key, server = interhuman_mock_factory("idle_timeout", seconds=0.5)
        ...                                       # also: a MockConfig, or nothing (defaults)

    def test_replay(interhuman_replay):
        url, api_key, server = interhuman_replay("tests/session.jsonl")

Override the `interhuman_mock_config` fixture (or parametrize it) to change what
`interhuman_mock` runs. Scenario names: see interhuman_stream.testing.mock.SCENARIOS.

This module imports only the standard library and pytest when pytest loads it; the servers
(and `websockets`, from the `testing` extra) are imported by the fixtures that use them, and
a fixture used without `websockets` fails its test with how to install it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from .mock import MockConfig, MockServer
    from .replay import ReplayServer

__all__ = ["Running"]


class Running(NamedTuple):
    """A server running for a test: its ws:// URL, the API key it accepts, the server."""

    url: str
    api_key: str | None
    server: Any


def _import(name: str) -> Any:
    try:
        return import_module(f"interhuman_stream.testing.{name}")
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.partition(".")[0] == "websockets":
            install = 'pip install "interhuman-stream[testing]"'
            pytest.fail(f"interhuman_stream.testing needs websockets: {install}", pytrace=False)
        raise


@pytest.fixture
def interhuman_mock_config() -> MockConfig:
    """What `interhuman_mock` runs; override or parametrize it to change limits or faults."""
    config: MockConfig = _import("mock").MockConfig()
    return config


@pytest.fixture
def interhuman_mock(interhuman_mock_config: MockConfig) -> Iterator[Running]:
    """A mock Streaming Analyze v1 endpoint on a free loopback port: (url, api_key, server)."""
    server: MockServer = _import("mock").MockServer(interhuman_mock_config)
    with server.running() as url:
        yield Running(url, server.api_key, server)


@pytest.fixture
def interhuman_mock_factory() -> Iterator[Callable[..., Running]]:
    """Start mock servers: factory(), factory(MockConfig(...)) or factory("scenario",
    **options); each is stopped when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(scenario: str | MockConfig | None = None, **options: Any) -> Running:
            mock = _import("mock")
            if isinstance(scenario, str):
                factory = mock.SCENARIOS.get(scenario)
                if factory is None:
                    known = ", ".join(sorted(mock.SCENARIOS))
                    raise ValueError(f"no mock scenario {scenario!r}; there are: {known}")
                server: MockServer = factory(**options)
            else:
                config = scenario if scenario is not None else mock.MockConfig()
                server = mock.MockServer(mock.with_options(config, **options))
            url = stack.enter_context(server.running())
            return Running(url, server.api_key, server)

        yield start


@pytest.fixture
def interhuman_replay() -> Iterator[Callable[..., Running]]:
    """Start a replay server for a recording: factory(path, **options) (see ReplayServer);
    a recording that is not a legal session raises RecordingError. Stopped when the test
    ends."""
    with contextlib.ExitStack() as stack:

        def start(recording: str | Path, **options: Any) -> Running:
            server: ReplayServer = _import("replay").ReplayServer(recording, **options)
            url = stack.enter_context(server.running())
            return Running(url, server.api_key, server)

        yield start
