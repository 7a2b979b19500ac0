"""Seeding a big metadata database for the benchmarks, with core bulk inserts.

``big_database.py`` and ``ui_render.py`` both need many DAGs made from one template and a
history of finished runs for each; this module writes those rows (no DAG file is parsed,
no ORM object is built), so both benchmarks seed the same shapes the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from tradewind.dagfiles.serialization import dag_hash, serialize_dag
from tradewind.db.engine import Database
from tradewind.db.models import DagFile, DagModel, DagRun, SerializedDagModel, TaskInstance

#: The state of a seeded run (and its tasks) by its position; the newest run is running.
STATES = ["success"] * 9 + ["failed"]
SOURCE = "# a benchmark DAG file\n" + "x = 1\n" * 200


def template_dag(steps: int, schedule: str = "@daily") -> dict[str, Any]:
    """A DAG ``start >> [step_0 .. step_<steps-1>] >> end``, serialized."""
    from tradewind import DAG
    from tradewind.operators.bash import BashOperator
    from tradewind.operators.empty import EmptyOperator

    with DAG("template", schedule=schedule, start_date=datetime(2024, 1, 1), catchup=False) as dag:
        start = EmptyOperator(task_id="start")
        middle = [BashOperator(task_id=f"step_{n}", bash_command="echo hi") for n in range(steps)]
        end = EmptyOperator(task_id="end")
        start >> middle >> end
    return serialize_dag(dag)


def dag_id_of(index: int) -> str:
    return f"bench_{index:04d}"


def run_id_of(when: datetime) -> str:
    return f"scheduled__{when.isoformat()}"


def seed_dags(
    database: Database,
    dags: int,
    template: dict[str, Any],
    now: datetime,
    *,
    tags: Callable[[int], list[str]],
) -> None:
    """``dags`` copies of ``template`` (``bench_0000``...), a seventh of them paused, each
    with its serialized DAG and DAG file row; the next run due within the next day."""
    dag_rows, serialized, files = [], [], []
    for index in range(dags):
        dag_id = dag_id_of(index)
        fileloc = f"/bench/{dag_id}.py"
        data = {**template, "dag_id": dag_id, "fileloc": fileloc}
        dag_rows.append(
            {
                "dag_id": dag_id,
                "is_paused": index % 7 == 0,
                "is_active": True,
                "fileloc": fileloc,
                "schedule": "@daily",
                "owners": "bench",
                "tags": tags(index),
                "next_dagrun": now + timedelta(hours=1 + index % 24),
            }
        )
        serialized.append(
            {
                "dag_id": dag_id,
                "fileloc": fileloc,
                "data": data,
                "dag_hash": dag_hash(data),
                "last_updated": now,
            }
        )
        files.append(
            {
                "fileloc": fileloc,
                "mtime": 0.0,
                "size": len(SOURCE),
                "content_hash": "0" * 64,
                "source": SOURCE,
                "dag_ids": [dag_id],
                "last_parsed": now,
            }
        )
    with database.session() as session:
        session.execute(insert(DagModel), dag_rows)
        session.execute(insert(SerializedDagModel), serialized)
        session.execute(insert(DagFile), files)


def history_rows(
    dag_id: str, index: int, runs: int, task_ids: list[str], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One DAG's ``runs`` daily runs before ``now`` and their task instances, as rows.

    States follow :data:`STATES` (shifted by the DAG's ``index``); the newest run is running.
    """
    run_rows: list[dict[str, Any]] = []
    ti_rows: list[dict[str, Any]] = []
    for n in range(runs):
        when = now - timedelta(days=runs - n)
        state = STATES[(index + n) % len(STATES)] if n < runs - 1 else "running"
        run_id = run_id_of(when)
        run_rows.append(
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "execution_date": when,
                "state": state,
                "run_type": "scheduled",
                "external_trigger": False,
                "start_date": when,
                "end_date": when + timedelta(minutes=3),
                "queued_at": when,
            }
        )
        ti_rows.extend(
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "task_id": task_id,
                "state": state,
                "try_number": 1,
                "start_date": when,
                "end_date": when + timedelta(seconds=30),
                "duration": 30.0,
                "operator": "BashOperator",
            }
            for task_id in task_ids
        )
    return run_rows, ti_rows


def seed_history(
    database: Database, dag_id: str, index: int, runs: int, task_ids: list[str], now: datetime
) -> None:
    """:func:`history_rows` of one DAG, in one transaction (memory stays flat)."""
    run_rows, ti_rows = history_rows(dag_id, index, runs, task_ids, now)
    with database.session() as session:
        session.execute(insert(DagRun), run_rows)
        session.execute(insert(TaskInstance), ti_rows)
