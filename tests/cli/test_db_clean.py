"""``tradewind db clean``: old history goes, in batches, while a scheduler keeps running."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from tests.scheduling.conftest import harness
from tests.scheduling.harness import Harness
from tradewind.db.engine import Database
from tradewind.db.models import (
    AuditLog,
    DagRun,
    RenderedTaskInstanceFields,
    TaskInstance,
    XCom,
)

__all__ = ["harness"]

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
OLD = datetime(2020, 1, 1, tzinfo=UTC)
CUT_OFF = "2021-01-01T00:00:00+00:00"
LIVE_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("live", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=50) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def _seed_runs(
    database: Database,
    dag_id: str,
    count: int,
    *,
    first: datetime = OLD,
    state: str = "success",
    external_trigger: bool = True,
    tasks: int = 2,
    prefix: str = "old",
) -> None:
    """``count`` runs an hour apart from ``first``, each with ``tasks`` task instances, an
    XCom and rendered fields per task (inserted in bulk, no ORM objects)."""
    runs, tis, xcoms, rendered = [], [], [], []
    for index in range(count):
        when = first + timedelta(hours=index)
        run_id = f"{prefix}_{index}"
        runs.append(
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "execution_date": when,
                "state": state,
                "run_type": "manual" if external_trigger else "scheduled",
                "external_trigger": external_trigger,
                "start_date": when,
                "end_date": when,
            }
        )
        for task in range(tasks):
            key = {"dag_id": dag_id, "run_id": run_id, "task_id": f"t{task}", "map_index": -1}
            tis.append({**key, "state": "success", "start_date": when, "end_date": when})
            xcoms.append({**key, "key": "return_value", "value": index, "timestamp": when})
            rendered.append({**key, "rendered_fields": {}})
    with database.session() as session:
        session.execute(insert(DagRun), runs)
        session.execute(insert(TaskInstance), tis)
        session.execute(insert(XCom), xcoms)
        session.execute(insert(RenderedTaskInstanceFields), rendered)


def _count(database: Database, model: type, *where: object) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _run_ids(database: Database, dag_id: str) -> set[str]:
    with database.read_session() as session:
        return set(session.scalars(select(DagRun.run_id).where(DagRun.dag_id == dag_id)))


def _clean(harness: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRADEWIND, "db", "clean", *args],
        env=harness.env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_db_clean_deletes_old_history_and_keeps_what_the_scheduler_needs(
    harness: Harness,
) -> None:
    db = harness.db
    # "manual": old triggered runs only; its newest (old_4) is its latest run.
    _seed_runs(db, "manual", 5)
    # "mixed": old scheduled runs, then newer triggered ones: the latest scheduled run stays.
    _seed_runs(db, "mixed", 3, external_trigger=False, prefix="sched")
    _seed_runs(db, "mixed", 2, first=OLD + timedelta(days=100), prefix="manual")
    # "busy": an old run still running, and a newer finished one.
    _seed_runs(db, "busy", 1, state="running", prefix="running")
    _seed_runs(db, "busy", 1, first=datetime(2022, 1, 1, tzinfo=UTC), prefix="new")
    with db.session() as session:
        session.execute(
            insert(AuditLog),
            [
                {"dttm": OLD, "event": "old", "owner": "test"},
                {"dttm": datetime(2022, 1, 1, tzinfo=UTC), "event": "new", "owner": "test"},
            ],
        )
    before = {"runs": _count(db, DagRun), "tis": _count(db, TaskInstance)}

    # Bad input: a clear error, nothing deleted.
    bad_table = _clean(harness, "--clean-before-timestamp", CUT_OFF, "-t", "sla_miss", "-y")
    assert bad_table.returncode == 2 and "Tradewind has no SLA table" in bad_table.stderr
    bad_stamp = _clean(harness, "--older-than", "last week", "-y")
    assert bad_stamp.returncode == 2 and "is not a timestamp" in bad_stamp.stderr
    dry = _clean(harness, "--older-than", CUT_OFF, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dag_run" in dry.stdout and "log" in dry.stdout
    assert {"runs": _count(db, DagRun), "tis": _count(db, TaskInstance)} == before

    done = _clean(harness, "--older-than", CUT_OFF, "--yes", "--batch-size", "2", "-v")
    assert done.returncode == 0, done.stderr

    assert _run_ids(db, "manual") == {"old_4"}
    assert _run_ids(db, "mixed") == {"sched_2", "manual_1"}
    assert _run_ids(db, "busy") == {"running_0", "new_0"}
    # The running run keeps its task instances and XComs; the finished history is gone,
    # rendered fields with their runs.
    assert _count(db, TaskInstance, TaskInstance.run_id == "running_0") == 2
    assert _count(db, XCom, XCom.run_id == "running_0") == 2
    assert _count(db, TaskInstance, TaskInstance.dag_id == "manual") == 0
    assert (
        _count(db, RenderedTaskInstanceFields, RenderedTaskInstanceFields.dag_id == "manual") == 0
    )
    assert (
        _count(db, RenderedTaskInstanceFields, RenderedTaskInstanceFields.run_id == "sched_0") == 0
    )
    assert _count(db, AuditLog, AuditLog.event == "old") == 0
    assert _count(db, AuditLog, AuditLog.event == "new") == 1
    # Batches of 2 rows: the 20 old finished task instances took 10 transactions.
    assert done.stdout.count("task_instance: 2 rows in") == 10
    # Progress goes to stderr (plain lines when piped): rows done of the rows counted first.
    assert "db clean task_instance: 20/20 rows done" in done.stderr


@pytest.mark.slow
def test_db_clean_runs_beside_a_working_scheduler(harness: Harness) -> None:
    db = harness.db
    _seed_runs(db, "history", 2000, tasks=5)
    harness.add_dag("live", LIVE_DAG)
    harness.sync()
    harness.start()
    clean = subprocess.Popen(
        [*TRADEWIND, "db", "clean", "--older-than", CUT_OFF, "-y", "--batch-size", "200"],
        env=harness.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    finished_during_clean = 0
    index = 0
    try:
        while clean.poll() is None:
            run_id = harness.trigger("live", run_id=f"live_{index}")
            index += 1
            deadline = time.monotonic() + 30
            while harness.run_state("live", run_id) not in ("success", "failed"):
                assert time.monotonic() < deadline, "a run triggered during the clean stalled"
                time.sleep(0.02)
            if clean.poll() is None:
                finished_during_clean += 1
        out, err = clean.communicate()
    finally:
        if clean.poll() is None:
            clean.kill()
    assert clean.returncode == 0, err
    assert finished_during_clean >= 1, "the clean ended before a run could go through it"
    assert _run_ids(db, "history") == {"old_1999"}
    assert _count(db, TaskInstance, TaskInstance.dag_id == "history") == 0
    assert {harness.run_state("live", f"live_{i}") for i in range(index)} == {"success"}
    assert "dag_run: 1,999 rows deleted" in out
    print(f"{finished_during_clean} runs triggered and finished while db clean ran")
