"""The UI in a real browser, against a live webserver and a running scheduler.

A person logs in, unpauses a DAG, triggers it with a conf, watches the grid turn green and
reads a task's log, including one followed live while the task is still running.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.www.browser import chromium_page, require_browser, scheduler_process, serve
from tests.www.conftest import add_user, make_client
from tradewind.config import Config
from tradewind.db.engine import Database

BROWSER_DAGS = """
from datetime import datetime

from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(dag_id="browser_demo", schedule=None, start_date=datetime(2024, 1, 1),
         catchup=False, tags=["browser"]) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting for {{ dag_run.conf }}")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = EmptyOperator(task_id="load")
    extract >> transform >> load

with DAG(dag_id="browser_slow", schedule=None, start_date=datetime(2024, 1, 1),
         catchup=False, tags=["browser"]) as slow:
    BashOperator(
        task_id="ticker",
        bash_command="for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done",
    )
"""

SECRET = "browser-test-secret"


@pytest.fixture
def chromium() -> str:
    return require_browser()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
def live(
    chromium: str, tw_env: dict[str, str], config: Config, sqlite_database_url: str, tmp_path: Path
) -> Iterator[str]:
    """A migrated SQLite database with the DAGs parsed, a webserver and a scheduler."""
    from tradewind.dagfiles.sync import sync_dag_folder

    overrides = {
        ("database", "sql_alchemy_conn"): sqlite_database_url,
        ("webserver", "authenticate"): "True",
        ("webserver", "secret_key"): SECRET,
    }
    ui_config = config.with_overrides(overrides)
    (ui_config.dags_folder / "browser_dags.py").write_text(BROWSER_DAGS)
    database = Database.from_config(ui_config)
    sync_dag_folder(ui_config, database)
    add_user(database, "admin", "s3cret-pass")
    env = {
        **tw_env,
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": sqlite_database_url,
        "TRADEWIND__WEBSERVER__SECRET_KEY": SECRET,
    }
    app = make_client(ui_config, database).app
    with (
        scheduler_process(env, tmp_path / "scheduler.log") as scheduler,
        serve(app) as base_url,
    ):
        yield base_url
        assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()[-3000:]
    database.dispose()


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/dags")
    assert "/login" in page.url
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', "s3cret-pass")
    page.click('button:has-text("Log in")')
    page.wait_for_url(f"{base_url}/dags")


def test_unpause_trigger_with_conf_and_watch_it_succeed(
    live: str, chromium: str, shots: Path
) -> None:
    with chromium_page(chromium) as page:
        log_in(page, live)
        page.screenshot(path=shots / "01-dags.png", full_page=True)

        toggle = page.locator('button.switch[data-dag-id="browser_demo"]')
        assert toggle.get_attribute("aria-checked") == "false"
        toggle.click()
        page.wait_for_selector('button.switch[data-dag-id="browser_demo"][aria-checked="true"]')
        page.reload()  # the change was saved, not only drawn
        assert toggle.get_attribute("aria-checked") == "true"

        page.click('a[aria-label="Trigger browser_demo"]')
        page.wait_for_url(re.compile(r".*/dags/browser_demo/trigger$"))
        editor = page.locator("textarea#conf")
        editor.fill('{"who": "browser"')  # not JSON yet: refused before sending
        assert "Not valid JSON" in page.locator("#conf-error").inner_text()
        assert page.locator('form[data-conf-form] button[type="submit"]').is_disabled()
        editor.fill("[1, 2]")
        assert "must be a JSON object" in page.locator("#conf-error").inner_text()
        page.screenshot(path=shots / "02-trigger-invalid-conf.png", full_page=True)
        editor.fill('{"who": "browser"}')
        page.click('form[data-conf-form] button[type="submit"]')
        page.wait_for_url(re.compile(r".*/dags/browser_demo/runs/manual__.*"))
        assert "is queued" in page.content()

        page.click('.tabs a:has-text("Grid")')
        page.wait_for_url(f"{live}/dags/browser_demo")
        # The grid refreshes itself while the run is active: wait for every cell to be green.
        page.wait_for_function(
            """() => {
                const cells = document.querySelectorAll('#grid a.cell');
                return cells.length === 3 &&
                    [...cells].every((cell) => cell.dataset.state === 'success');
            }""",
            timeout=60_000,
        )
        page.screenshot(path=shots / "03-grid-success.png", full_page=True)

        page.click('a.cell[data-task-id="extract"]')
        page.wait_for_url(re.compile(r".*/tasks/extract$"))
        log = page.locator("pre#log").inner_text()
        assert "extracting for {who: browser}" in log  # bash ate the quotes
        assert page.locator("#ti-state .badge").inner_text() == "success"
        page.screenshot(path=shots / "04-task-log.png", full_page=True)


def test_running_task_log_is_followed_live(live: str, chromium: str, shots: Path) -> None:
    with chromium_page(chromium) as page:
        log_in(page, live)
        page.locator('button.switch[data-dag-id="browser_slow"]').click()
        page.wait_for_selector('button.switch[data-dag-id="browser_slow"][aria-checked="true"]')
        page.goto(f"{live}/dags/browser_slow/trigger")
        page.click('form[data-conf-form] button[type="submit"]')
        page.wait_for_url(re.compile(r".*/runs/manual__.*"))
        page.click('a:has-text("ticker")')
        page.wait_for_url(re.compile(r".*/tasks/ticker$"))
        # Opened while queued or early in the run: lines must arrive without a reload.
        page.wait_for_function(
            "() => document.querySelector('pre#log')?.textContent.includes('tick 2')",
            timeout=60_000,
        )
        page.screenshot(path=shots / "05-log-following.png", full_page=True)
        assert "following" in page.locator("#log-status").inner_text()
        page.wait_for_function(
            "() => document.querySelector('pre#log').textContent.includes('tick 6')",
            timeout=30_000,
        )
        page.wait_for_function(
            "() => document.querySelector('#log-status').textContent.includes('finished')",
            timeout=15_000,
        )
        assert page.locator("#ti-state .badge").inner_text() == "success"
        page.screenshot(path=shots / "06-log-finished.png", full_page=True)
