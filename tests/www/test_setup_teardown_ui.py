"""Setup and teardown tasks on the graph: an arrow up or down before the name, and a dashed
edge from a setup to its teardown (as Airflow's graph marks them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.www.conftest import csrf_token, make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.operations import dag_runs, task_state

WRAPPED_DAG = """
from datetime import datetime

from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG(dag_id="wrapped", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    create = EmptyOperator(task_id="create")
    delete = EmptyOperator(task_id="delete")
    create >> EmptyOperator(task_id="query") >> delete.as_teardown(setups=create)
"""


@pytest.fixture
def wrapped_client(db_config: Config, database: Database) -> Iterator[TestClient]:
    db_config.dags_folder.mkdir(parents=True, exist_ok=True)
    (db_config.dags_folder / "wrapped.py").write_text(WRAPPED_DAG)
    sync(db_config, database)
    with make_client(db_config, database) as client:
        yield client


def test_graph_marks_setups_teardowns_and_the_edge_between_them(
    wrapped_client: TestClient,
) -> None:
    page = wrapped_client.get("/dags/wrapped/graph").text
    roles = dict(re.findall(r'data-task-id="([^"]+)" data-role="([^"]+)"', page))
    assert roles == {"create": "setup", "delete": "teardown"}
    assert '<tspan class="role" aria-label="setup">&#8593; </tspan>create' in page
    assert '<tspan class="role" aria-label="teardown">&#8595; </tspan>delete' in page
    dashed = re.findall(
        r'<path class="edge setup-teardown"[^>]*data-source="([^"]+)" data-target="([^"]+)"',
        page,
    )
    assert dashed == [("create", "delete")]
    plain = re.findall(r'<path class="edge"[^>]*data-source="([^"]+)" data-target="([^"]+)"', page)
    assert sorted(plain) == [("create", "query"), ("query", "delete")]


def test_clearing_work_from_the_ui_clears_its_setup_and_teardown(
    wrapped_client: TestClient, database: Database
) -> None:
    run = dag_runs.trigger_dag(database, "wrapped", actor="test")
    for task_id in ("create", "query", "delete"):
        task_state.set_task_instance_state(
            database, "wrapped", run.run_id, task_id, "success", actor="t"
        )
    url = f"/dags/wrapped/runs/{run.run_id}/tasks/query"
    token = csrf_token(wrapped_client, url)
    assert wrapped_client.post(f"{url}/clear", data={"csrf_token": token}).status_code == 303
    with database.read_session() as session:
        states = dict(
            session.execute(
                select(TaskInstance.task_id, TaskInstance.state).where(
                    TaskInstance.run_id == run.run_id
                )
            ).all()
        )
    assert states == {"create": None, "query": None, "delete": None}
    assert (
        "Cleared query with its setups and teardowns (create, delete)"
        in wrapped_client.get(url).text
    )
