"""The run page's "Mark success" / "Mark failed": the run and its task instances, with
Airflow's rules; teardowns are left to run (under a real scheduler)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from tests.scheduling.harness import Harness
from tests.www.conftest import csrf_token, make_client
from tradewind.db.engine import Database
from tradewind.db.models import AuditLog, DagRun, TaskInstance
from tradewind.operations import dag_runs

TEARDOWN_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("marked", schedule=None, start_date=datetime(2024, 1, 1)):
    make = BashOperator(task_id="make", bash_command="echo made")
    work = BashOperator(task_id="work", bash_command="sleep 120")
    drop = BashOperator(task_id="drop", bash_command="echo dropped >> @TMP@/dropped")
    make >> work >> drop.as_teardown(setups=make)
"""


def _states(database: Database, dag_id: str, run_id: str) -> dict[str, str | None]:
    with database.read_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        )
        return dict(rows.all())


def _run(database: Database, dag_id: str, run_id: str) -> DagRun:
    with database.read_session() as session:
        return session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).one()


def _set_states(database: Database, run_id: str, states: dict[str, str | None]) -> None:
    with database.session() as session:
        for task_id, state in states.items():
            session.execute(
                update(TaskInstance)
                .where(TaskInstance.run_id == run_id, TaskInstance.task_id == task_id)
                .values(state=state)
            )


def test_mark_failed_then_success_without_teardowns(
    client: TestClient, ui_database: Database
) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", run_id="to_mark", actor="test")
    _set_states(ui_database, "to_mark", {"extract": "success", "transform": "running"})
    url = dag_runs.dag_run_url("ui_sample", run.run_id)
    token = csrf_token(client, url)
    assert 'data-run-action="mark_failed"' in client.get(url).text

    failed = client.post(f"{url}/mark_failed", data={"csrf_token": token})
    assert failed.status_code == 303 and failed.headers["location"] == url
    assert _states(ui_database, "ui_sample", "to_mark") == {
        "extract": "success",  # finished: unchanged
        "transform": "failed",  # running: failed (its runner stops it)
        "load": "skipped",  # not started: skipped
    }
    marked = _run(ui_database, "ui_sample", "to_mark")
    assert marked.state == "failed" and marked.end_date is not None
    page = client.get(url).text
    assert "Marked run to_mark failed (task instances: 1 failed, 1 skipped)." in page

    succeeded = client.post(f"{url}/mark_success", data={"csrf_token": token})
    assert succeeded.status_code == 303
    assert set(_states(ui_database, "ui_sample", "to_mark").values()) == {"success"}
    assert _run(ui_database, "ui_sample", "to_mark").state == "success"
    with ui_database.read_session() as session:
        events = session.scalars(
            select(AuditLog.event).where(AuditLog.run_id == "to_mark").order_by(AuditLog.id)
        ).all()
    assert list(events)[-2:] == ["mark_dag_run_failed", "mark_dag_run_success"]


def test_bad_run_actions_change_nothing(client: TestClient, ui_database: Database) -> None:
    dag_runs.trigger_dag(ui_database, "ui_sample", run_id="kept", actor="test")
    url = dag_runs.dag_run_url("ui_sample", "kept")
    token = csrf_token(client, url)
    assert client.post(f"{url}/mark_running", data={"csrf_token": token}).status_code == 404
    missing = dag_runs.dag_run_url("ui_sample", "nope")
    assert client.post(f"{missing}/mark_failed", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{url}/mark_failed", data={}).status_code == 403  # no CSRF token
    assert _run(ui_database, "ui_sample", "kept").state == "queued"
    assert set(_states(ui_database, "ui_sample", "kept").values()) == {None}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("action", "work_state", "run_state"),
    [
        ("mark_failed", "failed", "failed"),
        ("mark_success", "success", "success"),
    ],
)
def test_marking_a_run_leaves_its_teardown_to_run(
    harness: Harness, database_url: str, action: str, work_state: str, run_state: str
) -> None:
    harness.add_dag("marked", TEARDOWN_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("marked")
    harness.wait_for(
        lambda: harness.states("marked", run_id).get("work") == "running", 60, "work to start"
    )
    with make_client(harness.config, harness.db) as client:
        url = dag_runs.dag_run_url("marked", run_id)
        response = client.post(f"{url}/{action}", data={"csrf_token": csrf_token(client, url)})
        assert response.status_code == 303
        assert "Teardown drop still runs; the run ends after it." in client.get(url).text
    states = harness.states("marked", run_id)
    assert states["work"] == work_state
    assert states["drop"] not in ("failed", "skipped", "success")  # not marked: it will run
    assert harness.wait_run("marked", run_id, timeout=60) == run_state
    assert harness.states("marked", run_id)["drop"] == "success"
    assert (harness.tmp / "dropped").read_text() == "dropped\n"  # the clean-up ran, once
