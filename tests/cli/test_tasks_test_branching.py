"""``tasks test`` on a branch: it says what it would skip, and records nothing."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_dag_folder_commands import ok

BRANCH_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.empty import EmptyOperator

with DAG("branch_cli", start_date=datetime(2024, 1, 1), schedule=None):
    @task.branch
    def pick(ds=None):
        return "weekday_work"

    pick() >> [EmptyOperator(task_id="weekday_work"), EmptyOperator(task_id="weekend_rest")]
"""


def test_tasks_test_of_a_branch_reports_the_skip_only(
    tw_env: dict[str, str], tw_home: Path
) -> None:
    (tw_home / "dags" / "branch_cli.py").write_text(BRANCH_DAG)
    ok(tw_env, "db", "migrate")
    out = ok(tw_env, "tasks", "test", "branch_cli", "pick", "2024-02-03")
    assert "Following weekday_work" in out
    assert "Skipping tasks weekend_rest" in out
    assert "Not recorded: weekend_rest stay as they are" in out
    assert "Returned value: 'weekday_work'" in out
    runs = ok(tw_env, "dags", "list-runs", "branch_cli").splitlines()
    assert len(runs) == 2  # the header and its rule: no run was created
