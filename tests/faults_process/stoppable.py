"""A DAG whose tries outlive a stop, and the checks every process-level fault test makes."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from sqlalchemy import select

from tests.processes import running
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance

#: ``quick`` ends well within the grace; the ``stuck`` ones would run for minutes on their
#: first try (the second try of ``stuck`` returns at once).
STOPPABLE = """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def note_pid(ti):
    with open(os.path.join("@TMP@", f"{ti.task_id}.{ti.try_number}.pid"), "w") as f:
        f.write(str(os.getpid()))

def quick(ti):
    note_pid(ti)
    time.sleep(1.5)

def stuck(ti):
    note_pid(ti)
    if ti.try_number == 1:
        time.sleep(300)

with DAG("stoppable", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="quick", python_callable=quick)
    PythonOperator(task_id="stuck", python_callable=stuck, retries=1,
                   retry_delay=timedelta(seconds=0.1))
    PythonOperator(task_id="stuck_no_retry", python_callable=stuck)
"""

TASKS = ("quick", "stuck", "stuck_no_retry")


def try_pids(folder: Path, try_number: int = 1) -> dict[str, int]:
    """The pid of each task's try that has started (each try writes its own)."""
    pids = {}
    for task_id in TASKS:
        path = folder / f"{task_id}.{try_number}.pid"
        if path.exists() and path.read_text():
            pids[task_id] = int(path.read_text())
    return pids


def wait_gone(pids: set[int], timeout: float = 3.0) -> set[int]:
    """Those of ``pids`` still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (alive := {pid for pid in pids if running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def running_tis(database: Database) -> list[str]:
    with database.session() as session:
        return [
            f"{ti.dag_id}.{ti.task_id} ({ti.run_id})"
            for ti in session.scalars(select(TaskInstance).where(TaskInstance.state == "running"))
        ]


def kill_quietly(pids: set[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
