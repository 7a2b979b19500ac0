"""Pools, pause state, tasks, code, lineage, deletion, latest runs, health, errors, docs."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import delete, func, select

from tests.api.server import ApiServer
from tradewind.authoring.timezone import utcnow
from tradewind.db.models import DagModel, DagRun, Job, TaskInstance


def post_pool(server: ApiServer, body: object):
    with server.client() as http:
        return http.post("/pools", content=json.dumps(body))


# --- pools ------------------------------------------------------------------------------------


def test_default_pool_is_listed_and_cannot_be_deleted(api_server: ApiServer) -> None:
    with api_server.client() as http:
        pools = http.get("/pools").json()
        refused = http.delete("/pools/default_pool")
    default = next(p for p in pools if p["pool"] == "default_pool")
    assert default["slots"] == 128 and default["include_deferred"] is False
    assert {"id", "open_slots", "used_slots", "queued_slots", "running_slots"} <= set(default)
    assert refused.status_code == 400
    assert refused.json() == {"error": "default_pool cannot be deleted"}


def test_pool_create_update_get_delete(api_server: ApiServer) -> None:
    created = post_pool(
        api_server, {"name": "etl", "slots": 4, "description": "d", "include_deferred": False}
    )
    assert created.status_code == 200, created.text
    pool = created.json()
    assert pool["pool"] == "etl" and pool["slots"] == 4 and pool["open_slots"] == 4
    updated = post_pool(api_server, {"name": "etl", "slots": "6", "description": "bigger"}).json()
    assert updated["id"] == pool["id"] and updated["slots"] == 6
    assert updated["description"] == "bigger"
    unlimited = post_pool(api_server, {"name": "any", "slots": -1}).json()
    assert unlimited["slots"] == -1 and unlimited["open_slots"] == -1
    with api_server.client() as http:
        assert http.get("/pools/etl").json()["slots"] == 6
        deleted = http.delete("/pools/etl")
        assert deleted.status_code == 200 and deleted.json()["pool"] == "etl"
        gone = http.get("/pools/etl")
        again = http.delete("/pools/etl")
    assert gone.status_code == 404 and gone.json() == {"error": "Pool 'etl' doesn't exist"}
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"name": "", "slots": 1}, "Pool name shouldn't be empty"),
        ({"name": "   ", "slots": 1}, "Pool name shouldn't be empty"),
        ({"slots": 1}, "Pool name shouldn't be empty"),
        ({"name": "n" * 257, "slots": 1}, "Pool name can't be more than 256 characters"),
        ({"name": "n" * 10_240, "slots": 1}, "Pool name can't be more than 256 characters"),
        ({"name": 123, "slots": 1}, "Pool name must be a string, not 123"),
        ({"name": ["etl"], "slots": 1}, 'Pool name must be a string, not ["etl"]'),
        ({"name": True, "slots": 1}, "Pool name must be a string, not true"),
        ({"name": {"a": 1}, "slots": 1}, 'Pool name must be a string, not {"a": 1}'),
        ({"name": "p", "slots": "abc"}, "Bad value for `slots`: abc"),
        ({"name": "p", "slots": 2.5}, "Bad value for `slots`: 2.5"),
        ({"name": "p", "slots": 1e10}, "Bad value for `slots`: 10000000000.0 (at most 2147483647)"),
        ({"name": "p", "slots": True}, "Bad value for `slots`: true"),
        ({"name": "p", "slots": None}, "Bad value for `slots`: null"),
        ({"name": "p"}, "Bad value for `slots`: null"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_pool_validation(api_server: ApiServer, body: dict, error: str) -> None:
    with api_server.client() as http:
        before = http.get("/pools").json()
    response = post_pool(api_server, body)
    assert response.status_code == 400
    assert response.json() == {"error": error}
    with api_server.client() as http:
        assert http.get("/pools").json() == before


@pytest.mark.parametrize(
    "name", ["p/1", "a/b/c", "ends/", "/starts", "x%2Fy", "q?x=1#f/ &", "é/ü", "..", "."]
)
def test_pool_with_slash_or_odd_characters_in_its_name(api_server: ApiServer, name: str) -> None:
    created = post_pool(api_server, {"name": name, "slots": 2})
    assert created.status_code == 200 and created.json()["pool"] == name
    # Dots too are encoded, or the client would resolve "/pools/.." to "/".
    segment = quote(name, safe="").replace(".", "%2E")
    with api_server.client() as http:
        got = http.get(f"/pools/{segment}")
        deleted = http.delete(f"/pools/{segment}")
        gone = http.get(f"/pools/{segment}")
    assert got.status_code == 200, got.text
    assert got.json()["pool"] == name and got.json()["slots"] == 2
    assert deleted.status_code == 200 and deleted.json()["pool"] == name
    assert gone.status_code == 404 and gone.json() == {"error": f"Pool '{name}' doesn't exist"}


def test_pools_with_a_trailing_slash_is_still_the_list(api_server: ApiServer) -> None:
    with api_server.client() as http:
        response = http.get("/pools/", follow_redirects=True)
        delete_nothing = http.delete("/pools/")
    assert response.status_code == 200 and isinstance(response.json(), list)
    assert delete_nothing.status_code != 200


def test_negative_slots_other_than_minus_one_are_refused(api_server: ApiServer) -> None:
    response = post_pool(api_server, {"name": "neg", "slots": -2})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Bad value for `slots`: -2")


def test_pool_slot_counts_follow_task_instances(api_server: ApiServer) -> None:
    post_pool(api_server, {"name": "loaders", "slots": 3})
    with api_server.client() as http:
        http.post(
            "/dags/demo/dag_runs", content='{"run_id": "pooled", "execution_date": "2001-01-01"}'
        )
    with api_server.database.session() as session:
        session.query(TaskInstance).filter_by(run_id="pooled", task_id="load").update(
            {"state": "running"}
        )
    with api_server.client() as http:
        pool = http.get("/pools/loaders").json()
    assert pool["running_slots"] == 1 and pool["used_slots"] == 1 and pool["open_slots"] == 2


# --- DAG-level endpoints ----------------------------------------------------------------------


def test_pause_and_unpause(api_server: ApiServer) -> None:
    with api_server.client() as http:
        assert http.get("/dags/other/paused/false").json() == {"response": "ok"}
        assert http.get("/dags/other/paused").json() == {"is_paused": False}
        assert http.get("/dags/other/paused/TRUE").json() == {"response": "ok"}
        assert http.get("/dags/other/paused").json() == {"is_paused": True}
        bad = http.get("/dags/other/paused/maybe")
    assert bad.status_code == 400 and "true or false" in bad.json()["error"]


def test_task_attributes_are_strings_like_airflow(api_server: ApiServer) -> None:
    with api_server.client() as http:
        extract = http.get("/dags/demo/tasks/extract").json()
        load = http.get("/dags/demo/tasks/load").json()
    assert all(isinstance(value, str) for value in extract.values())
    assert extract["upstream_task_ids"] == "set()"
    assert extract["downstream_task_ids"] == "{'load'}"
    assert extract["retries"] == "0" and extract["end_date"] == "None"
    assert extract["execution_timeout"] == "None"
    assert load["retries"] == "2" and load["retry_delay"] == "0:01:00"
    assert load["pool"] == "loaders" and load["start_date"] == "2024-01-01T00:00:00+00:00"
    for key in ("task_id", "owner", "email", "pool_slots", "priority_weight", "trigger_rule",
                "queue", "depends_on_past", "params"):  # fmt: skip
        assert key in extract


def test_task_instance_attributes_are_strings(api_server: ApiServer) -> None:
    with api_server.client() as http:
        http.post(
            "/dags/demo/dag_runs", content='{"run_id": "ti_run", "execution_date": "2002-01-01"}'
        )
        ti = http.get("/dags/demo/dag_runs/2002-01-01T00:00:00+00:00/tasks/extract").json()
    expected_keys = {
        "dag_id", "task_id", "run_id", "execution_date", "start_date", "end_date", "duration",
        "state", "try_number", "max_tries", "hostname", "unixname", "pid", "pool", "pool_slots",
        "queue", "priority_weight", "operator", "queued_dttm",
    }  # fmt: skip
    assert expected_keys <= set(ti)
    # Every Airflow attribute is a string; rendered_fields (Tradewind's extension, named and
    # shaped like Airflow 2's stable API's) is JSON: null before a try has rendered them.
    rendered = ti.pop("rendered_fields")
    assert rendered is None
    assert all(isinstance(value, str) for value in ti.values())
    assert ti["run_id"] == "ti_run" and ti["execution_date"] == "2002-01-01T00:00:00+00:00"
    assert ti["operator"] == "BashOperator" and ti["pid"] == "None"


def test_code_lineage_and_latest_runs(api_server: ApiServer) -> None:
    with api_server.client() as http:
        http.post(
            "/dags/demo/dag_runs", content='{"run_id": "lin", "execution_date": "2030-01-01"}'
        )
        code = http.get("/dags/demo/code")
        lineage = http.get("/lineage/demo/2030-01-01T00:00:00+00:00").json()
        no_run = http.get("/lineage/demo/1990-01-01T00:00:00+00:00")
        latest = http.get("/latest_runs").json()
    assert code.status_code == 200 and 'DAG("demo"' in code.json()
    assert lineage["task_ids"]["extract"] == {"inlets": ["s3://raw"], "outlets": ["s3://clean"]}
    assert lineage["task_ids"]["load"] == {"inlets": [], "outlets": []}
    assert isinstance(lineage["message"], str)
    assert no_run.status_code == 404
    demo = next(item for item in latest["items"] if item["dag_id"] == "demo")
    assert demo["execution_date"] == "2030-01-01T00:00:00+00:00"
    assert demo["dag_run_url"] == "/dags/demo/runs/lin" and demo["start_date"] == ""


def test_dag_run_url_page_answers(api_server: ApiServer) -> None:
    with api_server.client() as http:
        http.post(
            "/dags/demo/dag_runs", content='{"run_id": "page", "execution_date": "2031-01-01"}'
        )
        html = http.get(f"{api_server.url}/dags/demo/runs/page")
        as_json = http.get(
            f"{api_server.url}/dags/demo/runs/page", headers={"Accept": "application/json"}
        )
    assert html.status_code == 200 and "page" in html.text
    assert as_json.json()["task_instances"] == {"extract": "none", "load": "none"}


@pytest.mark.parametrize("path", ["/dags/to_delete", "/dags/to_delete_alias/delete_dag"])
def test_delete_dag_and_its_json_client_alias(api_server: ApiServer, path: str) -> None:
    dag_id = path.split("/")[2]
    with api_server.client() as http:
        http.post(f"/dags/{dag_id}/dag_runs", content='{"execution_date": "2020-02-02"}')
        response = http.request("DELETE", path, content='{"include_deferred": false}')
        assert response.status_code == 200, response.text
        # the run, its task instance, the serialized DAG and the DAG row
        assert response.json() == {"message": "Removed 4 record(s)", "count": 4}
        assert http.get(f"/dags/{dag_id}/paused").status_code == 404
        assert http.request("DELETE", path).status_code == 404
    with api_server.database.read_session() as session:
        assert session.scalar(select(func.count()).where(DagRun.dag_id == dag_id)) == 0


def test_list_dags_extension(api_server: ApiServer) -> None:
    with api_server.client() as http:
        dags = http.get("/dags").json()
    ids = [dag["dag_id"] for dag in dags]
    assert "demo" in ids and ids == sorted(ids)
    assert {"is_paused", "fileloc", "schedule", "tags"} <= set(dags[0])


# --- logs extension ---------------------------------------------------------------------------


def test_task_log_extension(api_server: ApiServer) -> None:
    from tradewind.execution.logs import log_path

    with api_server.client() as http:
        http.post(
            "/dags/demo/dag_runs", content='{"run_id": "logged", "execution_date": "2040-01-01"}'
        )
        not_yet = http.get("/dags/demo/dag_runs/logged/tasks/extract/logs")
    assert not_yet.status_code == 404
    with api_server.database.session() as session:
        session.query(TaskInstance).filter_by(run_id="logged", task_id="extract").update(
            {"try_number": 2, "state": "success"}
        )
    for attempt in (1, 2):
        path = log_path(api_server.config, "demo", "logged", "extract", attempt)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"try {attempt} output\n")
    with api_server.client() as http:
        latest = http.get("/dags/demo/dag_runs/2040-01-01T00:00:00+00:00/tasks/extract/logs")
        first = http.get("/dags/demo/dag_runs/logged/tasks/extract/logs?try_number=1").json()
        text = http.get("/dags/demo/dag_runs/logged/tasks/extract/logs?format=text")
        bad = http.get("/dags/demo/dag_runs/logged/tasks/extract/logs?try_number=x")
        missing = http.get("/dags/demo/dag_runs/logged/tasks/extract/logs?try_number=3")
    assert latest.json()["content"] == "try 2 output\n" and latest.json()["try_number"] == 2
    assert first["content"] == "try 1 output\n"
    assert text.text == "try 2 output\n"
    assert bad.status_code == 400 and missing.status_code == 404


# --- server-level behaviour -------------------------------------------------------------------


def test_unknown_paths_and_methods_answer_json(api_server: ApiServer) -> None:
    with api_server.client() as http:
        unknown = http.get("/no/such/thing")
        wrong_method = http.put("/test")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "No such endpoint: GET /api/experimental/no/such/thing"}
    assert wrong_method.status_code == 405 and "PUT" in wrong_method.json()["error"]


def test_test_info_and_openapi_document(api_server: ApiServer) -> None:
    from tradewind import __version__

    with api_server.client() as http:
        assert http.get("/test").json() == {"status": "OK"}
        assert http.get("/info").json() == {"version": __version__}
        document = http.get("/openapi.json").json()
        docs = http.get("/docs")
    assert docs.status_code == 200
    paths = document["paths"]
    for path in (
        "/api/experimental/dags/{dag_id}/dag_runs",
        "/api/experimental/pools/{name}",
        "/api/experimental/dags/{dag_id}/delete_dag",
        "/api/experimental/lineage/{dag_id}/{execution_date}",
    ):
        assert path in paths
    trigger = paths["/api/experimental/dags/{dag_id}/dag_runs"]["post"]
    schema = trigger["requestBody"]["content"]["application/json"]["schema"]
    assert {"run_id", "conf", "execution_date", "replace_microseconds"} <= set(schema["properties"])
    assert {"200", "400", "404"} <= set(trigger["responses"])


def test_health_reports_scheduler_heartbeat(api_server: ApiServer) -> None:
    health = f"{api_server.url}/health"
    with api_server.database.session() as session:
        session.execute(delete(Job))
    with api_server.client() as http:
        down = http.get(health)
        with api_server.database.session() as session:
            now = utcnow()
            session.add(Job(job_type="SchedulerJob", state="running", start_date=now,
                            latest_heartbeat=now - timedelta(seconds=2)))  # fmt: skip
        up = http.get(health)
    assert down.status_code == 503
    assert down.json()["metadatabase"] == {"status": "healthy"}
    assert down.json()["scheduler"]["status"] == "unhealthy"
    assert up.status_code == 200
    assert up.json()["scheduler"]["status"] == "healthy"


def test_deactivated_dag_is_not_listed(api_server: ApiServer) -> None:
    with api_server.database.session() as session:
        session.query(DagModel).filter_by(dag_id="other").update({"is_active": False})
    try:
        with api_server.client() as http:
            ids = [dag["dag_id"] for dag in http.get("/dags").json()]
        assert "other" not in ids
    finally:
        with api_server.database.session() as session:
            session.query(DagModel).filter_by(dag_id="other").update({"is_active": True})
