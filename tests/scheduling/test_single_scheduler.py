"""SQLite takes one scheduler: a second one refuses to start; a crash never locks you out."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import Job

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("hello", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="echo hi")
"""


def _running_scheduler_pids(harness: Harness) -> set[int]:
    with harness.db.read_session() as session:
        return set(
            session.scalars(
                select(Job.pid).where(Job.job_type == "SchedulerJob", Job.state == "running")
            )
        )


@SQLITE_ONLY
def test_second_scheduler_on_sqlite_refuses_and_a_killed_one_frees_the_lock(
    harness: Harness,
) -> None:
    harness.add_dag("hello", DAG)
    harness.sync()
    harness.start()
    assert harness.proc is not None
    first_pid = harness.proc.pid
    harness.wait_for(lambda: first_pid in _running_scheduler_pids(harness), what="scheduler job")

    second = subprocess.run(
        [sys.executable, "-c", "from tradewind.cli import main; main()", "scheduler"],
        env=harness.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert f"Another scheduler (pid {first_pid}) is already running" in second.stderr
    assert "use PostgreSQL to run several" in second.stderr
    assert "Traceback" not in second.stderr
    assert harness.proc.poll() is None, "the first scheduler must be unharmed"
    assert _running_scheduler_pids(harness) == {first_pid}

    harness.stop(signal.SIGKILL)  # no clean-up at all: the kernel must drop the lock
    harness.start()
    run_id = harness.trigger("hello")
    assert harness.wait_run("hello", run_id) == "success"
