"""pytest fixtures for testing an integration against the mock server, offline.

Enable with `pytest_plugins = ["transports.pytest_plugin"]` in a conftest.py, then:

    def test_my_app(interhuman_mock):
        url, mock = interhuman_mock          # ws://127.0.0.1:<free port>/v1/stream/analyze
        ...                                  # connect with api key mock.config.api_key

    @pytest.mark.parametrize("interhuman_mock_config", [MockConfig(idle_timeout_seconds=1)])
    def test_idle(interhuman_mock): ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .mock_server import MockConfig, MockServer


@pytest.fixture
def interhuman_mock_config() -> MockConfig:
    """The mock's configuration; override or parametrize it to change limits."""
    return MockConfig()


@pytest.fixture
def interhuman_mock(interhuman_mock_config: MockConfig) -> Iterator[tuple[str, MockServer]]:
    """A mock Streaming Analyze v1 endpoint on a free loopback port: (url, server)."""
    mock = MockServer(interhuman_mock_config)
    with mock.running() as url:
        yield url, mock
