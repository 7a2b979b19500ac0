"""password_auth end to end: curl-shaped requests to a running ``tradewind webserver``."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.auth.webserver import TRADEWIND, Webserver, run_cli, sqlite_env, webserver
from tradewind.db.engine import Database
from tradewind.db.models import AuditLog

BACKEND = "tradewind.api.auth.backend.password_auth"
CHALLENGE = 'Basic realm="Tradewind API", charset="UTF-8"'
BAD = {"error": "Invalid username or password."}
UNICODE_PASSWORD = "Grüße-密码-🔑"


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> dict[str, str]:
    root = tmp_path_factory.mktemp("password_auth")
    environ = sqlite_env(
        root,
        _sqlite_template,
        TRADEWIND__API__AUTH_BACKEND=BACKEND,
    )
    for name, password in [("alice", "s3cret"), ("ünï", UNICODE_PASSWORD), ("sleepy", "zz")]:
        result = run_cli(environ, "users", "create", "-u", name, "--password-stdin", stdin=password)
        assert result.returncode == 0, result.stderr
    assert run_cli(environ, "users", "deactivate", "-u", "sleepy").returncode == 0
    return environ


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[Webserver]:
    with webserver(env) as running:
        yield running


def get(server: Webserver, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{server.api}/test", headers=headers, timeout=30)


def assert_refused(response: httpx.Response, body: dict[str, str] | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == CHALLENGE
    assert response.headers["content-type"] == "application/json"
    if body is not None:
        assert response.json() == body


def test_right_password_is_let_in(server: Webserver) -> None:
    response = get(server, basic("alice", "s3cret"))
    assert response.status_code == 200
    assert response.json() == {"status": "OK"}


def test_curl_user_option_works(server: Webserver) -> None:
    result = subprocess.run(
        ["curl", "-sS", "-u", "alice:s3cret", "-w", "\n%{http_code}", f"{server.api}/test"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.splitlines() == ['{"status":"OK"}', "200"]


def test_unicode_password_works_and_its_nfd_spelling_too(server: Webserver) -> None:
    assert get(server, basic("ünï", UNICODE_PASSWORD)).status_code == 200
    import unicodedata

    decomposed = unicodedata.normalize("NFD", UNICODE_PASSWORD)
    assert decomposed != UNICODE_PASSWORD
    assert get(server, basic("ünï", decomposed)).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(server: Webserver) -> None:
    wrong = get(server, basic("alice", "S3cret"))
    unknown = get(server, basic("nobody", "s3cret"))
    assert_refused(wrong, BAD)
    assert_refused(unknown, BAD)
    assert wrong.content == unknown.content


def test_inactive_user_is_refused_like_a_wrong_password(server: Webserver) -> None:
    assert_refused(get(server, basic("sleepy", "zz")), BAD)


def test_missing_credentials_get_a_basic_challenge(server: Webserver) -> None:
    assert_refused(get(server))
    # A 401 says nothing about whether what was asked for exists.
    known = httpx.get(f"{server.api}/pools/default_pool", timeout=30)
    unknown = httpx.get(f"{server.api}/pools/no_such_pool", timeout=30)
    assert_refused(known)
    assert known.content == unknown.content


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":password-without-user").decode(),
        "Basic " + base64.b64encode(b"alice:\xff\xfe").decode(),
        "Bearer abc.def.ghi",
        "Negotiate YIIC",
        "basic",
    ],
)
def test_malformed_headers_are_401_json(server: Webserver, header: str) -> None:
    assert_refused(get(server, {"Authorization": header}))


def test_scheme_is_case_insensitive(server: Webserver) -> None:
    token = base64.b64encode(b"alice:s3cret").decode()
    assert get(server, {"Authorization": f"bAsIc {token}"}).status_code == 200


def test_user_name_is_the_actor_of_changes(server: Webserver, env: dict[str, str]) -> None:
    response = httpx.post(
        f"{server.api}/pools",
        content='{"name": "by_alice", "slots": 3}',
        headers=basic("alice", "s3cret"),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    database = Database(env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        with database.session() as session:
            owners = session.scalars(select(AuditLog.owner).where(AuditLog.event == "pool_set"))
            assert "alice" in list(owners)
    finally:
        database.dispose()


def test_password_change_and_deletion_take_effect_at_once(
    server: Webserver, env: dict[str, str]
) -> None:
    assert run_cli(env, "users", "create", "-u", "carol", "-p", "old-pw").returncode == 0
    for _ in range(3):  # the second and third are answered from the verified cache
        assert get(server, basic("carol", "old-pw")).status_code == 200

    changed = run_cli(
        env, "users", "reset-password", "-u", "carol", "--password-stdin", stdin="new"
    )
    assert changed.returncode == 0, changed.stderr
    assert_refused(get(server, basic("carol", "old-pw")), BAD)
    assert get(server, basic("carol", "new")).status_code == 200

    assert run_cli(env, "users", "deactivate", "-u", "carol").returncode == 0
    assert_refused(get(server, basic("carol", "new")), BAD)
    assert run_cli(env, "users", "activate", "-u", "carol").returncode == 0
    assert get(server, basic("carol", "new")).status_code == 200

    assert run_cli(env, "users", "delete", "-u", "carol").returncode == 0
    assert_refused(get(server, basic("carol", "new")), BAD)


def test_cli_json_client_sends_configured_credentials(
    server: Webserver, env: dict[str, str]
) -> None:
    client_env = {
        **env,
        "TRADEWIND__CLI__API_CLIENT": "tradewind.api.client.json_client",
        "TRADEWIND__CLI__ENDPOINT_URL": server.url,
        "TRADEWIND__CLI__API_USERNAME": "alice",
        "TRADEWIND__CLI__API_PASSWORD": "s3cret",
    }
    listed = run_cli(client_env, "pools", "list")
    assert listed.returncode == 0, listed.stderr
    assert "default_pool" in listed.stdout

    shown = run_cli(client_env, "config", "list")
    assert "s3cret" not in shown.stdout
    assert "api_password = < hidden >" in shown.stdout

    wrong = run_cli({**client_env, "TRADEWIND__CLI__API_PASSWORD": "nope"}, "pools", "list")
    assert wrong.returncode == 1
    assert "401" in wrong.stderr and "nope" not in wrong.stderr


def test_deny_all_refuses_everyone(env: dict[str, str]) -> None:
    deny_env = {**env, "TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.deny_all"}
    with webserver(deny_env) as running:
        response = get(running, basic("alice", "s3cret"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("DenyAll")
    assert "deny_all" in response.json()["error"]


def test_unknown_backend_stops_the_webserver_at_start(env: dict[str, str]) -> None:
    bad_env = {**env, "TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.nope"}
    result = subprocess.run(
        [*TRADEWIND, "webserver", "--port", "1", "--workers", "1"],
        env=bad_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "auth_backend" in result.stderr and "nope" in result.stderr
