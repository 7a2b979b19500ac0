"""``tasks run``, ``tasks logs``, ``tasks clear``, ``tasks failed-deps``, ``dags backfill``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.config import Config
from tradewind.db.engine import Database

DAG_SOURCE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

with DAG("cli_dag", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
    first = PythonOperator(task_id="first", python_callable=lambda: print("first ran") or 7)
    second = BashOperator(task_id="second", bash_command="echo second {{ ds }}",
                          pool="tiny")
    first >> second
"""


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tradewind.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def cli_setup(db_config: Config, database: Database, db_env: dict[str, str]) -> dict[str, str]:
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.operations.dag_runs import trigger_dag

    (db_config.dags_folder / "cli_dag.py").write_text(DAG_SOURCE)
    sync_dag_folder(db_config, database)
    trigger_dag(database, "cli_dag", execution_date="2024-01-05T00:00:00+00:00", actor="t")
    return db_env


def test_tasks_run_logs_failed_deps_and_clear(
    cli_setup: dict[str, str], database: Database
) -> None:
    env = cli_setup
    run_ref = "2024-01-05T00:00:00+00:00"
    deps = _cli(env, "tasks", "failed-deps", "cli_dag", "second", run_ref)
    assert deps.returncode == 0, deps.stderr
    assert "first=none" in deps.stdout and "pool 'tiny' does not exist" in deps.stdout
    assert "paused" in deps.stdout

    refused = _cli(env, "tasks", "run", "cli_dag", "second", run_ref)
    assert refused.returncode == 1
    assert "dependencies not met" in refused.stderr

    ran = _cli(env, "tasks", "run", "cli_dag", "first", run_ref)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert "success" in ran.stdout
    logs = _cli(env, "tasks", "logs", "cli_dag", "first", run_ref)
    assert "first ran" in logs.stdout and "Marked cli_dag.first as success" in logs.stdout

    again = _cli(env, "tasks", "run", "cli_dag", "first", run_ref)
    assert again.returncode == 1 and "--force" in again.stderr
    forced = _cli(env, "tasks", "run", "cli_dag", "first", run_ref, "--force")
    assert forced.returncode == 0
    assert "Marked" in _cli(env, "tasks", "logs", "cli_dag", "first", run_ref, "--try", "2").stdout

    ignored = _cli(env, "tasks", "run", "cli_dag", "second", run_ref, "--ignore-dependencies")
    assert ignored.returncode == 0, ignored.stderr
    assert "second 2024-01-05" in _cli(env, "tasks", "logs", "cli_dag", "second", run_ref).stdout

    cleared = _cli(env, "tasks", "clear", "cli_dag", "-t", "^sec", "--yes")
    assert cleared.returncode == 0, cleared.stderr
    assert "Cleared 1 task instance(s)" in cleared.stdout
    from tradewind.db.models import AuditLog, DagRun, TaskInstance

    with database.session() as session:
        ti = session.get(
            TaskInstance, ("cli_dag", "manual__2024-01-05T00:00:00+00:00", "second", -1)
        )
        assert ti is not None and ti.state is None and ti.max_tries == ti.try_number
        run = session.query(DagRun).filter_by(dag_id="cli_dag").one()
        assert run.state == "queued"
        audit = session.query(AuditLog).filter_by(event="clear").one()
        assert (audit.owner, audit.dag_id, audit.task_id) == ("cli", "cli_dag", "second")


def test_dags_backfill_runs_each_interval(
    cli_setup: dict[str, str], database: Database, tmp_path: Path
) -> None:
    from tradewind.db.models import DagRun, Pool

    with database.session() as session:
        session.add(Pool(pool="tiny", slots=1, description=""))
    result = _cli(cli_setup, "dags", "backfill", "cli_dag", "-s", "2024-02-01", "-e", "2024-02-03")
    assert result.returncode == 0, result.stderr + result.stdout
    with database.session() as session:
        runs = session.query(DagRun).filter_by(run_type="backfill").order_by("execution_date")
        assert [(r.run_id, r.state) for r in runs] == [
            ("backfill__2024-02-01T00:00:00+00:00", "success"),
            ("backfill__2024-02-02T00:00:00+00:00", "success"),
            ("backfill__2024-02-03T00:00:00+00:00", "success"),
        ]
