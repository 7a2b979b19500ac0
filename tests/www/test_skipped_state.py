"""A skipped task reads as skipped in the grid and the graph: its own state class and
title, and Airflow's pink with a hotpink edge, which a person tells apart from "no status"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from tests.www.browser import chromium_page, require_browser, serve
from tests.www.conftest import make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.operations import dag_runs

PINK = "rgb(255, 192, 203)"
HOTPINK = "rgb(255, 105, 180)"


def run_with_a_skip(database: Database) -> str:
    """A run of ``ui_sample`` where extract succeeded, transform was skipped, load waits."""
    run = dag_runs.trigger_dag(database, "ui_sample", actor="test")
    with database.session() as session:
        for task_id, state in (("extract", "success"), ("transform", "skipped")):
            ti = session.get(TaskInstance, ("ui_sample", run.run_id, task_id, -1))
            assert ti is not None
            ti.state = state
    return run.run_id


def test_grid_and_graph_mark_a_skipped_task(client: TestClient, ui_database: Database) -> None:
    run_id = run_with_a_skip(ui_database)
    grid = client.get("/dags/ui_sample").text
    cells = {
        task_id: css
        for css, task_id in re.findall(r'<a class="cell ([^"]+)"[^>]*data-task-id="([^"]+)"', grid)
    }
    assert cells == {
        "extract": "state-success",
        "transform": "state-skipped",
        "load": "state-none",
    }
    assert "transform &middot; " in grid and "skipped</span>" in grid  # title and legend

    graph = client.get("/dags/ui_sample/graph", params={"run_id": run_id}).text
    node = re.search(r'<g class="node ([^"]+)" data-task-id="transform">\s*<title>([^<]+)', graph)
    assert node is not None
    assert node.group(1) == "state-skipped"
    assert node.group(2).endswith(": skipped")


@pytest.fixture
def served_ui(config: Config, sqlite_database_url: str) -> Iterator[tuple[str, str]]:
    """A webserver over a SQLite database holding one run with a skipped task."""
    ui_config = config.with_overrides({("database", "sql_alchemy_conn"): sqlite_database_url})
    database = Database.from_config(ui_config)
    sync(ui_config, database)
    run_id = run_with_a_skip(database)
    with serve(make_client(ui_config, database).app) as base_url:
        yield base_url, run_id
    database.dispose()


def test_a_browser_shows_skipped_in_pink(served_ui: tuple[str, str], tmp_path: Path) -> None:
    chromium = require_browser()
    base_url, run_id = served_ui
    with chromium_page(chromium) as page:
        page.goto(f"{base_url}/dags/ui_sample")
        cell = page.locator('a.cell[data-task-id="transform"]')
        assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == PINK
        assert cell.evaluate("e => getComputedStyle(e).borderTopColor") == HOTPINK
        waiting = page.locator('a.cell[data-task-id="load"]')
        assert waiting.evaluate("e => getComputedStyle(e).backgroundColor") != PINK

        page.goto(f"{base_url}/dags/ui_sample/graph?{urlencode({'run_id': run_id})}")
        box = page.locator('g.node[data-task-id="transform"] rect').first
        assert box.evaluate("e => getComputedStyle(e).fill") == PINK
        assert box.evaluate("e => getComputedStyle(e).stroke") == HOTPINK
        page.screenshot(path=str(tmp_path / "graph_skipped.png"))  # for a look when it fails
