"""Brute-force throttle on a running webserver: the API's password backend and the UI login
share their counts (in the database), answer 429 with Retry-After, and leave other
accounts usable."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.auth.test_password_backend import basic
from tests.auth.ui_login import post_login
from tests.auth.webserver import Webserver, run_cli, sqlite_env, webserver

WINDOW = 300


@pytest.fixture
def env(tmp_path: Path, _sqlite_template: Path) -> dict[str, str]:
    environ = sqlite_env(
        tmp_path,
        _sqlite_template,
        TRADEWIND__API__AUTH_BACKEND="tradewind.api.auth.backend.password_auth",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_USER="3",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_ADDRESS="8",
        TRADEWIND__WEBSERVER__LOGIN_FAILURE_WINDOW=str(WINDOW),
    )
    for name in ("victim", "alice", "bob", "carol"):
        result = run_cli(environ, "users", "create", "-u", name, "--password-stdin", stdin=name)
        assert result.returncode == 0, result.stderr
    return environ


def api_test(server: Webserver, username: str, password: str) -> httpx.Response:
    return httpx.get(f"{server.api}/test", headers=basic(username, password), timeout=60)


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= WINDOW


def test_guessing_one_password_throttles_that_account_only(env: dict[str, str]) -> None:
    with webserver(env) as server, httpx.Client(base_url=server.url, timeout=60) as ui:
        for guess in ("a", "b", "c"):
            assert api_test(server, "victim", guess).status_code == 401
        # Further attempts are refused before the password is looked at, right one included.
        throttled = api_test(server, "victim", "victim")
        assert_throttled(throttled)
        assert "Too many failed logins" in throttled.json()["error"]
        assert_throttled(post_login(ui, "victim", "victim"))  # the UI shares the count
        # Other accounts, from the very same address, still log in.
        assert api_test(server, "alice", "alice").status_code == 200
        assert post_login(ui, "bob", "bob").status_code == 303


def test_guessing_from_one_address_throttles_that_address(env: dict[str, str]) -> None:
    with webserver(env) as server, httpx.Client(base_url=server.url, timeout=60) as ui:
        for number in range(8):
            assert post_login(ui, f"nobody-{number}", "guess").status_code == 401
        page = post_login(ui, "carol", "carol")
        assert_throttled(page)
        assert "Too many failed logins" in page.text
        assert_throttled(api_test(server, "carol", "carol"))


def test_failures_counted_by_one_webserver_throttle_another(env: dict[str, str]) -> None:
    with webserver(env) as first, webserver(env) as second:
        for guess in ("a", "b", "c"):
            assert api_test(first, "victim", guess).status_code == 401
        assert_throttled(api_test(second, "victim", "victim"))
        assert api_test(second, "alice", "alice").status_code == 200
