"""The open ``default`` backend warns when the webserver is reachable beyond loopback."""

from __future__ import annotations

import logging

import pytest

from tradewind.api.auth.backend.default import create_backend
from tradewind.config import Config


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "api.example.com"])
def test_open_api_on_a_reachable_address_is_warned_about(
    config: Config, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = config.with_overrides({("webserver", "web_server_host"): host})
    with caplog.at_level(logging.WARNING):
        create_backend(settings, None)  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if "without credentials" in r.getMessage()]
    assert host in record.getMessage()
    assert "password_auth or kerberos_auth" in record.getMessage()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_open_api_on_loopback_is_not_warned_about(
    config: Config, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = config.with_overrides({("webserver", "web_server_host"): host})
    with caplog.at_level(logging.WARNING):
        create_backend(settings, None)  # type: ignore[arg-type]
    assert not [r for r in caplog.records if "without credentials" in r.getMessage()]
