"""What the UI's forms change: trigger with a conf, pools, clear and mark task instances."""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.www.conftest import csrf_token
from tradewind.db.engine import Database
from tradewind.db.models import AuditLog, DagRun, Pool, TaskInstance
from tradewind.operations import dag_runs


def _runs(database: Database) -> list[DagRun]:
    with database.read_session() as session:
        return list(session.scalars(select(DagRun).where(DagRun.dag_id == "ui_sample")))


def test_trigger_with_conf(client: TestClient, ui_database: Database) -> None:
    token = csrf_token(client)
    response = client.post(
        "/dags/ui_sample/trigger",
        data={"csrf_token": token, "conf": '{"day": "monday", "n": 3}', "run_id": "from_ui"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dags/ui_sample/runs/from_ui"
    [run] = _runs(ui_database)
    assert run.run_id == "from_ui" and run.conf == {"day": "monday", "n": 3}
    assert run.state == "queued" and run.triggered_by == "webserver"
    assert "is queued" in client.get(response.headers["location"]).text  # flash message


def test_bad_json_conf_is_rejected_server_side(client: TestClient, ui_database: Database) -> None:
    token = csrf_token(client)
    for conf, message in (
        ("{not json", "Conf is not valid JSON"),
        ("[1, 2]", "Dag Run conf must be a dictionary object"),
        ('"text"', "Dag Run conf must be a dictionary object"),
    ):
        response = client.post("/dags/ui_sample/trigger", data={"csrf_token": token, "conf": conf})
        assert response.status_code == 400, conf
        assert message in response.text
        assert "{not json" in response.text or conf != "{not json"  # the editor keeps the text
    assert _runs(ui_database) == []


def test_duplicate_run_id_is_shown_not_raised(client: TestClient, ui_database: Database) -> None:
    token = csrf_token(client)
    data = {"csrf_token": token, "conf": "", "run_id": "twice"}
    assert client.post("/dags/ui_sample/trigger", data=data).status_code == 303
    again = client.post("/dags/ui_sample/trigger", data=data)
    assert again.status_code == 400 and "already exists" in again.text


def test_trigger_unknown_dag_is_404(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post("/dags/nope/trigger", data={"csrf_token": token, "conf": "{}"})
    assert response.status_code == 404


def test_pools_create_edit_delete(client: TestClient, ui_database: Database) -> None:
    token = csrf_token(client, "/pools")
    created = client.post(
        "/pools", data={"csrf_token": token, "name": "gpu", "slots": "4", "description": "GPUs"}
    )
    assert created.status_code == 303
    page = client.get("/pools").text
    assert 'data-pool="gpu"' in page and "GPUs" in page

    edit = client.get("/pools", params={"edit": "gpu"}).text
    assert 'value="gpu"' in edit and 'value="4"' in edit
    client.post("/pools", data={"csrf_token": token, "name": "gpu", "slots": "8"})
    with ui_database.read_session() as session:
        assert session.scalar(select(Pool.slots).where(Pool.pool == "gpu")) == 8

    bad = client.post("/pools", data={"csrf_token": token, "name": "gpu", "slots": "abc"})
    assert bad.status_code == 400 and "Bad value for `slots`: abc" in bad.text

    client.post("/pools/gpu/delete", data={"csrf_token": token})
    with ui_database.read_session() as session:
        assert session.scalar(select(Pool).where(Pool.pool == "gpu")) is None
    client.post("/pools/default_pool/delete", data={"csrf_token": token})
    assert "default_pool cannot be deleted" in client.get("/pools").text


def test_mark_and_clear_task_instance(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract"
    token = csrf_token(client, url)

    def state() -> str | None:
        with ui_database.read_session() as session:
            return session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1)).state

    assert client.post(f"{url}/mark_failed", data={"csrf_token": token}).status_code == 303
    assert state() == "failed"
    assert client.post(f"{url}/mark_success", data={"csrf_token": token}).status_code == 303
    assert state() == "success"
    response = client.post(f"{url}/clear", data={"csrf_token": token})
    assert response.status_code == 303
    assert state() is None
    assert "will run again" in client.get(url).text
    assert client.post(f"{url}/explode", data={"csrf_token": token}).status_code == 404


def test_clearing_from_the_ui_is_audited(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract"
    token = csrf_token(client, url)
    assert client.post(f"{url}/mark_failed", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{url}/clear", data={"csrf_token": token}).status_code == 303
    with ui_database.read_session() as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [entry.event for entry in entries][-2:] == ["mark_failed", "clear"]
    clear = entries[-1]
    assert (clear.event, clear.owner, clear.dag_id, clear.run_id, clear.task_id) == (
        "clear",
        "webserver",
        "ui_sample",
        run.run_id,
        "extract",
    )
    assert json.loads(clear.extra) == {"task_instances": [[run.run_id, "extract"]]}
