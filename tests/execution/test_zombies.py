"""A try that stops heartbeating without exiting (a hung or frozen process) is a zombie."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.processes import running
from tests.scheduling.harness import Harness
from tradewind.db.models import TaskInstance, XCom

FROZEN = """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def hang_first_time(ti):
    if ti.try_number == 1:
        with open(os.path.join("@TMP@", "pid1"), "w") as f:
            f.write(str(os.getpid()))
        deadline = time.time() + 120
        while not os.path.exists(os.path.join("@TMP@", "release")) and time.time() < deadline:
            time.sleep(0.05)
    return f"try {ti.try_number}"

with DAG("frozen", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=hang_first_time, retries=1,
                   retry_delay=timedelta(seconds=0.1))
"""

THRESHOLD = "3"


def _holds_no_lock(harness: Harness, run_id: str) -> bool:
    """Whether the database is free for other writers (not held by a stopped process)."""
    if harness.db.is_sqlite:
        # Tradewind's SQLite writers take turns on an flock: a stopped holder would block
        # every writer, the scheduler included.
        fd = os.open(make_url(harness.db.url).database + ".writelock", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # releases the flock
        return True
    try:
        with harness.db.session() as session:
            session.execute(
                select(TaskInstance.task_id)
                .where(TaskInstance.dag_id == "frozen", TaskInstance.run_id == run_id)
                .with_for_update(nowait=True)
            ).all()
    except OperationalError:
        return False
    return True


def _proc_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def _stop_between_heartbeats(harness: Harness, run_id: str, pid: int) -> None:
    """SIGSTOP ``pid``, but not in the middle of a heartbeat's transaction.

    A process stopped inside a write transaction would keep its locks: that is a different
    failure (a stuck database) from the one under test (a silent try).
    """
    for _ in range(200):
        os.kill(pid, signal.SIGSTOP)
        harness.wait_for(lambda: _proc_state(pid) == "T", timeout=10, what="the stop")
        if _holds_no_lock(harness, run_id):
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError("could not stop the try outside a transaction")


def test_stopped_task_without_heartbeat_is_retried(harness: Harness) -> None:
    harness.add_dag("frozen", FROZEN)
    harness.sync()
    harness.start(
        TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD=THRESHOLD,
        TRADEWIND__SCHEDULER__JOB_HEARTBEAT_SEC="0.5",
    )
    run_id = harness.trigger("frozen")
    pid_file = harness.tmp / "pid1"
    harness.wait_for(pid_file.exists, timeout=60, what="try 1 to start")
    harness.wait_for(lambda: pid_file.read_text().strip() != "", what="the pid")
    pid = int(pid_file.read_text())
    try:
        # The try's process no longer heartbeats but does not exit: only the heartbeat
        # check can notice it.
        _stop_between_heartbeats(harness, run_id, pid)
        assert harness.wait_run("frozen", run_id, timeout=90) == "success"
        ti = harness.tis("frozen", run_id)["t"]
        assert (ti.state, ti.try_number) == ("success", 2)
        assert running(pid), "the zombie check fails the try, it does not kill the process"
        folder = harness.config.base_log_folder / "dag_id=frozen" / f"run_id={run_id}" / "task_id=t"
        first = (folder / "attempt=1.log").read_text()
        assert f"No heartbeat from the task for over {THRESHOLD}s (pid {pid}" in first
        assert "marked up_for_retry" in first
        assert "No heartbeat" not in (folder / "attempt=2.log").read_text()

        # The frozen try wakes up and finishes: it must not overwrite the retry's result.
        (harness.tmp / "release").touch()
        os.kill(pid, signal.SIGCONT)
        harness.wait_for(lambda: not running(pid), timeout=60, what="try 1 to exit")
        ti = harness.tis("frozen", run_id)["t"]
        assert (ti.state, ti.try_number) == ("success", 2)
        with harness.db.session() as session:
            value = session.scalars(
                select(XCom.value).where(XCom.run_id == run_id, XCom.task_id == "t")
            ).one()
        assert value == "try 2"
        # The runner host records the try's end just after its process exits.
        harness.wait_for(
            lambda: "not overwriting" in (folder / "attempt=1.log").read_text(),
            timeout=30,
            what="try 1's end to be recorded as not overwriting",
        )
        assert harness.run_state("frozen", run_id) == "success"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
