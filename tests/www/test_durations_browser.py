"""The Gantt chart and the run-duration chart in a real browser, after real runs (issue 17).

A scheduler runs a DAG three times (one task fails its first try and is retried, one is
mapped); Chromium opens the last run's Gantt chart, follows a retry's bar to that try, and
opens the DAG's duration chart, following a column to its run. Screenshots go to a
temporary folder, or to ``TRADEWIND_SCREENSHOTS`` (``docs/screenshots`` to refresh the docs').
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.www.browser import chromium_page, require_browser, scheduler_process, serve
from tests.www.conftest import make_client
from tradewind.config import Config
from tradewind.db.engine import Database

DAG_FILE = """
from datetime import datetime, timedelta
import time
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

def load_orders(ti):
    time.sleep(0.6)
    if ti.try_number < 2:
        raise RuntimeError("the warehouse was busy")
    return {"rows": 1200}

with DAG("nightly_orders", schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
         tags=["etl"]) as dag:
    extract = BashOperator(task_id="extract", bash_command="sleep 0.8; echo {{ ds }}")
    load = PythonOperator(task_id="load_orders", python_callable=load_orders, retries=1,
                          retry_delay=timedelta(seconds=0.5))

    @task
    def enrich(region):
        time.sleep(0.3)
        return region

    report = BashOperator(task_id="report", bash_command="sleep 0.4; echo done")
    extract >> load >> enrich.expand(region=["eu", "us", "apac"]) >> report
"""
RUNS = 3


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    wanted = os.environ.get("TRADEWIND_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def served_runs(
    tw_env: dict[str, str], config: Config, sqlite_database_url: str, tmp_path: Path
) -> Iterator[tuple[str, list[str]]]:
    """(the UI's URL, the run ids, oldest first) once the scheduler has run them all."""
    from sqlalchemy import select

    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.models import DagRun
    from tradewind.operations import dags
    from tradewind.operations.dag_runs import trigger_dag

    require_browser()
    ui_config = config.with_overrides({("database", "sql_alchemy_conn"): sqlite_database_url})
    (ui_config.dags_folder / "nightly_orders.py").write_text(DAG_FILE)
    database = Database.from_config(ui_config)
    sync_dag_folder(ui_config, database)
    dags.set_paused(database, "nightly_orders", False, actor="alice")
    env = {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": sqlite_database_url}
    run_ids: list[str] = []
    with scheduler_process(env, tmp_path / "scheduler.log"):
        for _ in range(RUNS):
            run_id = trigger_dag(database, "nightly_orders", actor="alice").run_id
            deadline = time.monotonic() + 90
            while True:
                with database.read_session() as session:
                    state = session.scalar(select(DagRun.state).where(DagRun.run_id == run_id))
                if state in ("success", "failed"):
                    break
                assert time.monotonic() < deadline, (tmp_path / "scheduler.log").read_text()
                time.sleep(0.3)
            assert state == "success", (tmp_path / "scheduler.log").read_text()[-3000:]
            run_ids.append(run_id)
    with serve(make_client(ui_config, database).app) as base_url:
        yield base_url, run_ids
    database.dispose()


def test_gantt_and_duration_chart_in_chromium(
    served_runs: tuple[str, list[str]], shots: Path
) -> None:
    from tradewind.operations.dag_runs import dag_run_url

    base_url, run_ids = served_runs
    chromium = require_browser()
    last = run_ids[-1]
    with chromium_page(chromium) as page:
        page.goto(base_url + dag_run_url("nightly_orders", last))
        page.click('a.btn:has-text("Gantt")')
        page.wait_for_selector("svg.gantt")
        assert page.url.endswith("/gantt")
        # A row per task, a row per mapped instance; the retried task has two run bars.
        labels = page.locator("svg.gantt .row-label").all_text_contents()
        assert labels[:2] == ["extract", "load_orders"] and "enrich [2]" in labels
        retried = page.locator('svg.gantt a[href*="/tasks/load_orders"] rect.bar.run')
        assert retried.count() == 2
        first, second = (retried.nth(i).bounding_box() for i in range(2))
        assert first and second and first["width"] > 5 and second["x"] > first["x"] + first["width"]
        assert page.locator("svg.gantt rect.bar.queued").count() >= 4
        assert "retried: load_orders" in page.inner_text("#gantt")
        page.screenshot(path=shots / "gantt.png", full_page=True)

        # A click on the first try's bar opens that try of the task instance.
        page.locator('svg.gantt a[href*="/tasks/load_orders"][href*="try_number=1"]').last.click()
        page.wait_for_selector('h1[data-task-id="load_orders"]')
        assert "try_number=1" in page.url
        assert "the warehouse was busy" in page.inner_text("#log")

        page.goto(f"{base_url}/dags/nightly_orders")
        page.click('nav.tabs a:has-text("Durations")')
        page.wait_for_selector("svg.durations")
        columns = page.locator("svg.durations g.column")
        assert columns.count() == RUNS
        heights = [columns.nth(i).locator("rect.run").bounding_box() for i in range(RUNS)]
        assert all(box and box["height"] > 10 for box in heights)
        assert page.locator("table.runs tbody tr").count() == RUNS
        page.screenshot(path=shots / "durations.png", full_page=True)
        page.goto(f"{base_url}/dags/nightly_orders/durations?runs=2")
        assert page.locator("svg.durations g.column").count() == 2
        page.locator(f'svg.durations g.column[data-run-id="{run_ids[-1]}"]').click()
        page.wait_for_selector("svg.gantt")
        assert page.url.endswith("/gantt")

        # The task instance's Rendered tab and the DAG's audit log, for the docs.
        page.goto(base_url + dag_run_url("nightly_orders", last) + "/tasks/extract?tab=rendered")
        assert "sleep 0.8; echo" in page.inner_text("#rendered-card")
        page.screenshot(path=shots / "rendered.png", full_page=True)
        page.goto(f"{base_url}/dags/nightly_orders/audit_log")
        assert page.locator('tr[data-event="trigger"]').count() == RUNS
        unpaused = page.locator('tr[data-event="unpause"]')
        assert unpaused.count() == 1 and "alice" in unpaused.inner_text()
        page.screenshot(path=shots / "audit-log.png", full_page=True)
