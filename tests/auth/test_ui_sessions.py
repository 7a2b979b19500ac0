"""UI sessions end for good: a copied cookie stops working once its login is revoked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.ui_login import copied_cookie, csrf_from, eventually, login, opens_dags
from tests.auth.webserver import Webserver, run_cli, sqlite_env, webserver


def create_user(env: dict[str, str], name: str, password: str) -> None:
    result = run_cli(env, "users", "create", "-u", name, "--password-stdin", stdin=password)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> dict[str, str]:
    root = tmp_path_factory.mktemp("ui_sessions")
    environ = sqlite_env(
        root,
        _sqlite_template,
        TRADEWIND__WEBSERVER__AUTHENTICATE="True",
    )
    for name in ("ann", "ben", "cat", "dan", "eve"):
        create_user(environ, name, f"{name}-pw")
    return environ


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[Webserver]:
    with webserver(env) as running:
        yield running


def test_logout_ends_the_session_for_a_copied_cookie(server: Webserver) -> None:
    client = login(server.url, "ann", "ann-pw")
    stolen = copied_cookie(client)
    assert opens_dags(server.url, stolen)
    logout = client.post("/logout", data={"csrf_token": csrf_from(client.get("/dags"))})
    assert logout.status_code == 303
    assert not opens_dags(server.url, stolen)
    # Logging in again works, with a new cookie.
    assert opens_dags(server.url, copied_cookie(login(server.url, "ann", "ann-pw")))


def test_reset_password_ends_sessions(server: Webserver, env: dict[str, str]) -> None:
    stolen = copied_cookie(login(server.url, "ben", "ben-pw"))
    assert opens_dags(server.url, stolen)
    result = run_cli(env, "users", "reset-password", "-u", "ben", "--password-stdin", stdin="new")
    assert result.returncode == 0, result.stderr
    assert eventually(lambda: not opens_dags(server.url, stolen))


def test_deactivate_then_activate_does_not_revive_sessions(
    server: Webserver, env: dict[str, str]
) -> None:
    stolen = copied_cookie(login(server.url, "cat", "cat-pw"))
    assert run_cli(env, "users", "deactivate", "-u", "cat").returncode == 0
    assert run_cli(env, "users", "activate", "-u", "cat").returncode == 0
    assert eventually(lambda: not opens_dags(server.url, stolen))
    assert opens_dags(server.url, copied_cookie(login(server.url, "cat", "cat-pw")))


def test_recreated_user_does_not_accept_the_old_cookie(
    server: Webserver, env: dict[str, str]
) -> None:
    stolen = copied_cookie(login(server.url, "dan", "dan-pw"))
    assert run_cli(env, "users", "delete", "-u", "dan").returncode == 0
    create_user(env, "dan", "dan-pw")
    assert eventually(lambda: not opens_dags(server.url, stolen))


def test_revoke_sessions_command_logs_out_everywhere(
    server: Webserver, env: dict[str, str]
) -> None:
    first = copied_cookie(login(server.url, "eve", "eve-pw"))
    second = copied_cookie(login(server.url, "eve", "eve-pw"))
    result = run_cli(env, "users", "revoke-sessions", "-u", "eve")
    assert result.returncode == 0, result.stderr
    assert "eve" in result.stdout
    assert eventually(lambda: not opens_dags(server.url, first))
    assert not opens_dags(server.url, second)
