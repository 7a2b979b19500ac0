"""A sensor between pokes (``up_for_reschedule``) shows in the grid, the graph and the
legend, in Airflow's turquoise, and the API reports the state."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.www.browser import chromium_page, require_browser, serve
from tests.www.conftest import make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.operations import dag_runs

TURQUOISE = "rgb(64, 224, 208)"  # #40e0d0


def run_with_a_rescheduled_task(database: Database) -> str:
    run = dag_runs.trigger_dag(database, "ui_sample", actor="test")
    with database.session() as session:
        ti = session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1))
        assert ti is not None
        ti.state = "up_for_reschedule"
        ti.try_number = 1
    return run.run_id


def test_grid_graph_and_api_show_up_for_reschedule(
    client: TestClient, ui_database: Database
) -> None:
    run_id = run_with_a_rescheduled_task(ui_database)
    grid = client.get("/dags/ui_sample").text
    assert re.search(r'class="cell state-up_for_reschedule"[^>]*data-task-id="extract"', grid)
    assert "up for reschedule</span>" in grid  # the legend
    graph = client.get("/dags/ui_sample/graph", params={"run_id": run_id}).text
    node = re.search(r'<g class="node ([^"]+)" data-task-id="extract">\s*<title>([^<]+)', graph)
    assert node is not None and node.group(1) == "state-up_for_reschedule"
    api = client.get(f"/api/experimental/dags/ui_sample/dag_runs/{run_id}/tasks/extract")
    assert api.status_code == 200, api.text
    assert api.json()["state"] == "up_for_reschedule"


@pytest.fixture
def served_ui(config: Config, sqlite_database_url: str) -> Iterator[str]:
    ui_config = config.with_overrides({("database", "sql_alchemy_conn"): sqlite_database_url})
    database = Database.from_config(ui_config)
    sync(ui_config, database)
    run_with_a_rescheduled_task(database)
    with serve(make_client(ui_config, database).app) as base_url:
        yield base_url
    database.dispose()


def test_a_browser_shows_up_for_reschedule_in_turquoise(served_ui: str) -> None:
    chromium = require_browser()
    with chromium_page(chromium) as page:
        page.goto(f"{served_ui}/dags/ui_sample")
        cell = page.locator('a.cell[data-task-id="extract"]')
        assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == TURQUOISE
