"""Every /api/experimental request goes through the configured auth backend."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.api.server import ApiServer, make_home, serve, sqlite_copy, sync_dags
from tradewind.db.engine import Database
from tradewind.db.models import AuditLog, DagRun

BACKEND = "tests.api.fake_auth_backend"


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("auth")
    config = make_home(
        root, sqlite_copy(root, _sqlite_template), {"TRADEWIND__API__AUTH_BACKEND": BACKEND}
    )
    database = Database.from_config(config)
    sync_dags(config, database)
    try:
        with serve(config, database) as server:
            yield server
    finally:
        database.dispose()


@pytest.mark.parametrize("path", ["/test", "/pools", "/dags/demo/paused", "/openapi.json"])
def test_no_credentials_is_401_with_a_challenge(guarded: ApiServer, path: str) -> None:
    with guarded.client() as http:
        response = http.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Test realm="tradewind"'
    assert response.json() == {"error": "Who are you?"}


def test_forbidden_is_403_json(guarded: ApiServer) -> None:
    with guarded.client() as http:
        response = http.post(
            "/dags/demo/dag_runs", content="{}", headers={"X-Test-User": "mallory"}
        )
    assert response.status_code == 403
    assert response.json() == {"error": "mallory may not use the API"}


def test_identity_reaches_the_run_the_audit_log_and_the_headers(guarded: ApiServer) -> None:
    with guarded.client() as http:
        response = http.post(
            "/dags/demo/dag_runs",
            content='{"run_id": "by_alice", "execution_date": "2024-05-05"}',
            headers={"X-Test-User": "alice"},
        )
        assert response.status_code == 200
        assert response.headers["x-test-seen"] == "alice"
        paused = http.get("/dags/demo/paused/false", headers={"X-Test-User": "bob"})
        assert paused.status_code == 200
    with guarded.database.read_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == "by_alice"))
        owners = {
            entry.event: entry.owner
            for entry in session.scalars(select(AuditLog).where(AuditLog.dag_id == "demo"))
        }
    assert run.triggered_by == "alice"
    assert owners == {"trigger": "alice", "unpause": "bob"}


def test_health_and_run_page_are_outside_the_api(guarded: ApiServer) -> None:
    with guarded.client() as http:
        assert http.get(f"{guarded.url}/health").status_code in (200, 503)


def test_unknown_backend_stops_the_webserver_at_start_up(
    tw_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **tw_env,
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/db.sqlite",
        "TRADEWIND__API__AUTH_BACKEND": "no.such.backend",
    }
    tradewind = [sys.executable, "-c", "from tradewind.cli import main; main()"]
    subprocess.run([*tradewind, "db", "migrate"], env=env, check=True, capture_output=True)
    result = subprocess.run(
        [*tradewind, "webserver", "-p", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "no.such.backend" in result.stderr
    assert "Traceback" not in result.stderr
