"""A mapped task in the UI: one grid row whose cell counts its instances per state; a click
lists the instances, each with its own page and log."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from starlette.testclient import TestClient

from tests.www.conftest import make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.execution.logs import log_path
from tradewind.operations import dag_runs

MAPPED_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("ui_mapped", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    BashOperator.partial(task_id="echo").expand(bash_command=["echo a", "echo b", "echo c"])
"""


@pytest.fixture
def mapped_client(db_config: Config, database: Database) -> Iterator[tuple[TestClient, str]]:
    (db_config.dags_folder).mkdir(parents=True, exist_ok=True)
    (db_config.dags_folder / "ui_mapped.py").write_text(MAPPED_DAG)
    sync(db_config, database)
    run = dag_runs.trigger_dag(database, "ui_mapped", actor="test")
    with database.session() as session:  # as the scheduler expands it
        session.execute(delete(TaskInstance).where(TaskInstance.dag_id == "ui_mapped"))
        for map_index, state in enumerate(("success", "success", "failed")):
            session.add(
                TaskInstance(
                    dag_id="ui_mapped",
                    run_id=run.run_id,
                    task_id="echo",
                    map_index=map_index,
                    state=state,
                    try_number=1,
                    max_tries=0,
                    hostname="",
                    unixname="",
                    pool="default_pool",
                    pool_slots=1,
                    queue="default",
                    priority_weight=1,
                )
            )
    path = log_path(db_config, "ui_mapped", run.run_id, "echo", 1, map_index=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("instance two says c\n")
    with make_client(db_config, database) as client:
        yield client, run.run_id


def test_grid_counts_instances_and_a_click_lists_them(
    mapped_client: tuple[TestClient, str],
) -> None:
    client, run_id = mapped_client
    grid = client.get("/dags/ui_mapped").text
    cell = re.search(r'<a class="cell mapped ([^"]+)"[^>]*title="([^"]+)"[^>]*>(\d+)</a>', grid)
    assert cell is not None, grid
    assert cell.group(1) == "state-failed"  # the summary: a failure shows first
    assert "3 mapped instances: failed 1, success 2" in cell.group(2)
    assert cell.group(3) == "3"

    listing = client.get(f"/dags/ui_mapped/runs/{run_id}/tasks/echo")
    assert listing.status_code == 200
    rows = re.findall(r'<tr data-map-index="(\d+)">', listing.text)
    assert rows == ["0", "1", "2"]

    one = client.get(f"/dags/ui_mapped/runs/{run_id}/tasks/echo", params={"map_index": 2})
    assert one.status_code == 200
    assert 'data-map-index="2"' in one.text
    assert "instance two says c" in one.text

    run_page = client.get(f"/dags/ui_mapped/runs/{run_id}").text
    assert "3 mapped: failed 1, success 2" in run_page
