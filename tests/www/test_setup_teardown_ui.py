"""Setup and teardown tasks on the graph: an arrow up or down before the name, and a dashed
edge from a setup to its teardown (as Airflow's graph marks them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.www.conftest import make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database

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
