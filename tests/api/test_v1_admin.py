"""``/api/v1`` pools, variables, connections and config: the rules the client test does not
reach (configuration switches, bad bodies, conflicts), over real HTTP to a real server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jsonschema
import pytest

from tests.api.server import make_home, serve, sqlite_copy, sync_dags
from tests.services import postgres_admin_url
from tradewind.db.engine import Database

PROBLEM = "application/problem+json"
JSON = "application/json"


@contextmanager
def v1_server(root: Path, template: Path, **settings: str) -> Iterator[str]:
    """The URL of ``/api/v1`` on a server with ``settings`` (``TRADEWIND__...``)."""
    config = make_home(root, sqlite_copy(root, template), settings)
    database = Database.from_config(config)
    sync_dags(config, database)
    try:
        with serve(config, database) as server:
            yield f"{server.url}/api/v1"
    finally:
        database.dispose()


@pytest.fixture
def v1(tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    with v1_server(tmp_path, _sqlite_template) as url:
        yield url


def assert_problem(response: httpx.Response, status: int, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert detail in response.json()["detail"]


def test_config_is_refused_unless_exposed(v1: str) -> None:
    refused = httpx.get(f"{v1}/config", headers={"Accept": "application/json"})
    assert_problem(refused, 403, "expose_config")
    option = httpx.get(f"{v1}/config/section/core/option/dags_folder")
    assert_problem(option, 403, "expose_config")


def test_exposed_config_as_json_or_text(tmp_path: Path, _sqlite_template: Path) -> None:
    with v1_server(tmp_path, _sqlite_template, TRADEWIND__WEBSERVER__EXPOSE_CONFIG="True") as v1:
        _exposed_config(v1)


def _exposed_config(v1: str) -> None:
    as_json = httpx.get(f"{v1}/config", headers={"Accept": "application/json"})
    sections = {
        s["name"]: dict((o["key"], o["value"]) for o in s["options"])
        for s in as_json.json()["sections"]
    }
    assert sections["webserver"]["expose_config"] == "True"
    assert sections["core"]["fernet_key"] not in ("", "< hidden >")  # True shows everything

    as_text = httpx.get(f"{v1}/config", params={"section": "api"}, headers={"Accept": "*/*"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text.splitlines()[0] == "[api]"
    assert "maximum_page_limit = 100" in as_text.text

    assert_problem(httpx.get(f"{v1}/config", params={"section": "nope"}), 404, "nope")
    refused = httpx.get(f"{v1}/config", headers={"Accept": "text/html"})
    assert_problem(refused, 406, "text/plain")
    secret = httpx.get(
        f"{v1}/config/section/webserver/option/secret_key", headers={"Accept": "application/json"}
    )
    assert secret.json()["sections"][0]["options"] == [{"key": "secret_key", "value": "< hidden >"}]


def test_connection_testing_is_off_by_default(v1: str) -> None:
    body = {"connection_id": "pg", "conn_type": "postgres", "host": "127.0.0.1"}
    assert_problem(httpx.post(f"{v1}/connections/test", json=body), 403, "test_connection")


@pytest.mark.postgres
def test_connection_testing_reaches_the_database(tmp_path: Path, _sqlite_template: Path) -> None:
    with v1_server(tmp_path, _sqlite_template, TRADEWIND__CORE__TEST_CONNECTION="Enabled") as v1:
        _test_connections(v1)


def _test_connections(v1: str) -> None:
    url = httpx.URL(postgres_admin_url("postgres").replace("postgresql+psycopg", "http"))
    reachable = {
        "connection_id": "not_stored",
        "conn_type": "postgres",
        "host": url.host,
        "port": url.port,
        "login": url.username or "postgres",
        "schema": "postgres",
    }
    answer = httpx.post(f"{v1}/connections/test", json=reachable, timeout=30)
    assert answer.json() == {"status": True, "message": "Connection successfully tested"}
    closed = httpx.post(f"{v1}/connections/test", json={**reachable, "port": 1}, timeout=30)
    assert closed.status_code == 200 and closed.json()["status"] is False
    # Nothing was stored: a test is not a create.
    assert httpx.get(f"{v1}/connections").json()["total_entries"] == 0


def test_bad_bodies_change_nothing(v1: str) -> None:
    assert_problem(
        httpx.post(f"{v1}/pools", json={"name": "p", "slots": 1, "occupied_slots": 3}),
        400,
        "Unknown field(s): occupied_slots",
    )
    assert_problem(httpx.post(f"{v1}/pools", json={"name": "p"}), 400, "['slots']")
    assert_problem(httpx.post(f"{v1}/pools", json={"name": "p", "slots": "5"}), 400, "slots")
    assert httpx.get(f"{v1}/pools/p").status_code == 404

    assert httpx.post(f"{v1}/pools", json={"name": "p", "slots": 2}).status_code == 200
    assert_problem(httpx.patch(f"{v1}/pools/p", json={"slots": 3}), 400, "['name']")
    masked = httpx.patch(f"{v1}/pools/p", params={"update_mask": "slots"}, json={"name": "p"})
    assert_problem(masked, 400, "'slots' is unknown or cannot be updated.")
    assert httpx.get(f"{v1}/pools/p").json()["slots"] == 2

    assert httpx.post(f"{v1}/pools", json={"name": "q", "slots": 1}).status_code == 200
    collision = httpx.patch(f"{v1}/pools/q", json={"name": "p", "slots": 1})
    assert_problem(collision, 409, "already exists")
    renamed = httpx.patch(f"{v1}/pools/q", json={"name": "r", "slots": 4})
    assert renamed.json()["name"] == "r" and httpx.get(f"{v1}/pools/q").status_code == 404

    body = {"connection_id": "c", "conn_type": "http", "extra": {"a": 1}}
    assert_problem(httpx.post(f"{v1}/connections", json=body), 400, "extra")
    body = {"connection_id": "c", "conn_type": "http", "host": "h" * 501}
    assert_problem(httpx.post(f"{v1}/connections", json=body), 400, "500 characters")
    assert httpx.get(f"{v1}/connections").json()["total_entries"] == 0

    # The body is required, as the document says: a blank one is a 400, not an empty edit.
    created = httpx.post(f"{v1}/connections", json={"connection_id": "c", "conn_type": "http"})
    assert created.status_code == 200, created.text
    for path in ("/pools/r", "/connections/c"):
        blank = httpx.patch(f"{v1}{path}", content=b"\n", headers={"Content-Type": JSON})
        assert_problem(blank, 400, "Request body is required")
    assert httpx.get(f"{v1}/connections/c").json()["conn_type"] == "http"


def test_health_is_airflows_shape_and_always_200(v1: str) -> None:
    """No scheduler runs here: unhealthy, but the answer is still a 200."""
    health = httpx.get(f"{v1}/health")
    assert health.status_code == 200
    assert health.json() == {
        "metadatabase": {"status": "healthy"},
        "scheduler": {"status": "unhealthy", "latest_scheduler_heartbeat": None},
        "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        "dag_processor": {"status": None, "latest_dag_processor_heartbeat": None},
    }


ADMIN_PATHS = {
    "/pools": {"get", "post"},
    "/pools/{pool_name}": {"get", "patch", "delete"},
    "/variables": {"get", "post"},
    "/variables/{variable_key}": {"get", "patch", "delete"},
    "/connections": {"get", "post"},
    "/connections/{connection_id}": {"get", "patch", "delete"},
    "/connections/test": {"post"},
    "/importErrors": {"get"},
    "/importErrors/{import_error_id}": {"get"},
    "/health": {"get"},
    "/version": {"get"},
    "/config": {"get"},
    "/config/section/{section}/option/{option}": {"get"},
}


def test_answers_match_the_served_document(tmp_path: Path, _sqlite_template: Path) -> None:
    """Airflow's paths and schema names, and what the server answers is valid against them."""
    with v1_server(tmp_path, _sqlite_template, TRADEWIND__WEBSERVER__EXPOSE_CONFIG="True") as v1:
        document = httpx.get(f"{v1}/openapi.json").json()
        for path, methods in ADMIN_PATHS.items():
            assert set(document["paths"][path]) == methods, path

        def check(schema_name: str, answer: httpx.Response) -> None:
            assert answer.status_code == 200, answer.text
            schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
            jsonschema.Draft202012Validator(schema).validate(answer.json())

        pool = {"name": "p", "slots": 2, "description": "d", "include_deferred": True}
        check("Pool", httpx.post(f"{v1}/pools", json=pool))
        check("PoolCollection", httpx.get(f"{v1}/pools"))
        variable = {"key": "k", "value": "v", "description": None}
        check("Variable", httpx.post(f"{v1}/variables", json=variable))
        check("VariableCollection", httpx.get(f"{v1}/variables"))
        connection = {"connection_id": "c", "conn_type": "http", "port": 80, "extra": '{"a": "b"}'}
        check("Connection", httpx.post(f"{v1}/connections", json=connection))
        check("ConnectionCollection", httpx.get(f"{v1}/connections"))
        check("ImportErrorCollection", httpx.get(f"{v1}/importErrors"))
        check("HealthInfo", httpx.get(f"{v1}/health"))
        check("VersionInfo", httpx.get(f"{v1}/version"))
        check("Config", httpx.get(f"{v1}/config", headers={"Accept": "application/json"}))
