"""``total_entries`` of the task instance lists: counted without joining the runs unless a
run's logical date filters, and the same either way (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from tradewind.db.engine import Database
from tradewind.db.models import DagModel, DagRun, TaskInstance
from tradewind.operations.task_instance_list import TaskInstanceFilter, list_task_instances_page

DAY = datetime(2024, 1, 1, tzinfo=UTC)


def seed(database: Database) -> None:
    """Two DAGs, three runs each a day apart, four task instances per run."""
    with database.session() as session:
        session.execute(
            insert(DagModel), [{"dag_id": d, "fileloc": f"/{d}.py"} for d in ("a", "b")]
        )
        runs = [
            {
                "dag_id": dag_id,
                "run_id": f"r{n}",
                "execution_date": DAY + timedelta(days=n),
                "state": "success",
                "run_type": "manual",
            }
            for dag_id in ("a", "b")
            for n in range(3)
        ]
        session.execute(insert(DagRun), runs)
        session.execute(
            insert(TaskInstance),
            [
                {
                    "dag_id": run["dag_id"],
                    "run_id": run["run_id"],
                    "task_id": f"t{t}",
                    "state": "failed" if t == 0 else "success",
                    "try_number": 1,
                }
                for run in runs
                for t in range(4)
            ],
        )


def total(database: Database, **filters: object) -> tuple[int, int]:
    rows, count = list_task_instances_page(
        database, TaskInstanceFilter(**filters), limit=5, offset=0
    )
    return len(rows), count


def test_total_entries_count_every_match_not_only_the_page(database: Database) -> None:
    seed(database)
    assert total(database) == (5, 24)
    assert total(database, dag_ids=("a",)) == (5, 12)
    assert total(database, states=("failed",)) == (5, 6)
    assert total(database, dag_ids=("b",), run_ids=("r1",)) == (4, 4)


def test_a_logical_date_filter_still_counts_through_the_runs(database: Database) -> None:
    seed(database)
    assert total(database, execution_date_gte=DAY + timedelta(days=1)) == (5, 16)
    assert total(database, execution_date_lte=DAY, states=("failed",)) == (2, 2)
