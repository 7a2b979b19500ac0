"""Issue 12: schemathesis finds nothing against a real webserver, under each auth backend.

Each test starts ``tradewind webserver`` with its own database and fuzzes every operation
of the OpenAPI document it serves (coverage, fuzzing and stateful phases, every check).
A failure prints schemathesis' report: each finding with a curl command to reproduce it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.api.fuzz import fuzz_env, run_schemathesis, served_document
from tests.auth.webserver import run_cli, webserver
from tradewind.api.app import create_app
from tradewind.config import load_config

BACKENDS = "tradewind.api.auth.backend"


def test_default_backend(tmp_path: Path, database_url: str) -> None:
    """On both databases: PostgreSQL refuses some text SQLite stores."""
    env = fuzz_env(tmp_path, database_url)
    with webserver(env) as server:
        document = served_document(server.api, None, tmp_path / "openapi.json")
        run_schemathesis(document, server.url, env=env)


def test_password_auth_with_credentials(tmp_path: Path, sqlite_database_url: str) -> None:
    # schemathesis sends wrong credentials on purpose, hundreds of times, and wants a 401
    # for each: the failed-login throttle (tested in tests/auth/test_login_throttle.py)
    # would answer 429 after the tenth, so here it is set out of reach.
    env = fuzz_env(
        tmp_path,
        sqlite_database_url,
        TRADEWIND__API__AUTH_BACKEND=f"{BACKENDS}.password_auth",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_USER="1000000",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_ADDRESS="1000000",
    )
    created = run_cli(env, "users", "create", "-u", "fuzzer", "--password-stdin", stdin="pw")
    assert created.returncode == 0, created.stderr
    with webserver(env) as server:
        refused = httpx.get(f"{server.api}/openapi.json", timeout=30)
        assert refused.status_code == 401
        auth = httpx.BasicAuth("fuzzer", "pw")
        document = served_document(server.api, auth, tmp_path / "openapi.json")
        run_schemathesis(document, server.url, "--auth", "fuzzer:pw", env=env)


def test_deny_all(tmp_path: Path, sqlite_database_url: str) -> None:
    """Every API call is a documented 401; the document itself is behind the backend too,
    so the fuzz reads the one this configuration builds."""
    env = fuzz_env(
        tmp_path, sqlite_database_url, TRADEWIND__API__AUTH_BACKEND=f"{BACKENDS}.deny_all"
    )
    app = create_app(load_config(env))
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(app.openapi()))
    app.state.database.dispose()
    with webserver(env) as server:
        assert httpx.get(f"{server.api}/openapi.json", timeout=30).status_code == 401
        run_schemathesis(document, server.url, env=env, let_in=False)
