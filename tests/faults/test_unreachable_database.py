"""A metadata database nobody answers at: quick, clear refusals instead of hangs or 500s.

The fast companion of the restart tests: a PostgreSQL URL whose port has no server behind
it (bound and closed, so connecting is refused) is what every request meets while the real
server is down.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.api.server import free_port, make_home, serve
from tests.faults.stack import TRADEWIND
from tradewind.db.engine import Database

NOBODY_HOME = "postgresql+psycopg://postgres@127.0.0.1:{port}/tradewind"


def test_api_answers_503_json_quickly_and_health_names_the_database(tmp_path: Path) -> None:
    url = NOBODY_HOME.format(port=free_port())
    config = make_home(tmp_path, url)
    database = Database.from_config(config)
    with serve(config, database) as server, server.client() as client:
        for method, path in (
            ("GET", "/dags/demo/dag_runs"),
            ("GET", "/pools"),
            ("POST", "/dags/demo/dag_runs"),
            ("GET", "/dags/demo/paused/true"),
        ):
            started = time.monotonic()
            response = client.request(method, path, content="{}")
            assert time.monotonic() - started < 2.0, (method, path)
            assert response.status_code == 503, (method, path, response.text)
            error = response.json()["error"]
            assert error.startswith("The metadata database is unavailable ("), error
            assert "Connection refused" in error, error
        health = httpx.get(f"{server.url}/health", timeout=5)
    database.dispose()
    assert health.status_code == 503
    body = health.json()
    assert body["metadatabase"] == {"status": "unhealthy", "error": "OperationalError"}
    assert body["scheduler"]["status"] == "unhealthy"


def test_password_auth_answers_503_json_while_the_database_is_down(tmp_path: Path) -> None:
    """The credential check reads the users table: an outage there is a 503, not a 500."""
    url = NOBODY_HOME.format(port=free_port())
    backend = {"TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.password_auth"}
    config = make_home(tmp_path, url, backend)
    database = Database.from_config(config)
    with serve(config, database) as server:
        started = time.monotonic()
        response = httpx.get(f"{server.api}/pools", auth=("alice", "s3cret"), timeout=10)
        took = time.monotonic() - started
    database.dispose()
    assert took < 2.0
    assert response.status_code == 503, response.text
    assert response.json()["error"].startswith("The metadata database is unavailable ("), (
        response.text
    )


def test_a_database_that_never_answers_costs_a_request_the_connect_timeout(
    tmp_path: Path,
) -> None:
    """A server that accepts connections and then says nothing (hung, or a dead peer
    behind a firewall): the request gives up after ``sql_alchemy_connect_timeout``."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshake; nobody ever answers
        url = NOBODY_HOME.format(port=silent.getsockname()[1])
        config = make_home(tmp_path, url, {"TRADEWIND__DATABASE__SQL_ALCHEMY_CONNECT_TIMEOUT": "2"})
        database = Database.from_config(config)
        with serve(config, database) as server, server.client() as client:
            started = time.monotonic()
            response = client.get("/pools")
            took = time.monotonic() - started
        database.dispose()
    assert response.status_code == 503, response.text
    assert "timeout expired" in response.json()["error"], response.text
    assert 1.5 < took < 4.0, took


def test_cli_says_the_database_is_unavailable_in_one_line(tw_env: dict[str, str]) -> None:
    env = {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": NOBODY_HOME.format(port=free_port())}
    result = subprocess.run(
        [*TRADEWIND, "dags", "trigger", "demo"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: the metadata database is unavailable ("), lines[0]
    assert "Connection refused" in lines[0], lines[0]
