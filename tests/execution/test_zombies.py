"""Heartbeats: a try whose supervisor goes silent (a frozen or lost machine) is a zombie.

The runner host heartbeats for every try it supervises; a try that merely runs long keeps
its heartbeat and is left alone.
"""

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


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _start_with_fast_heartbeats(harness: Harness, dag_id: str, source: str) -> str:
    """Start the scheduler with a zombie threshold of a few seconds; trigger ``dag_id``."""
    harness.add_dag(dag_id, source)
    harness.sync()
    harness.start(
        TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD=THRESHOLD,
        TRADEWIND__SCHEDULER__JOB_HEARTBEAT_SEC="0.5",
    )
    return harness.trigger(dag_id)


def test_tries_of_a_frozen_runner_host_are_retried(harness: Harness) -> None:
    run_id = _start_with_fast_heartbeats(harness, "frozen", FROZEN)
    pid_file = harness.tmp / "pid1"
    harness.wait_for(pid_file.exists, timeout=60, what="try 1 to start")
    harness.wait_for(lambda: pid_file.read_text().strip() != "", what="the pid")
    pid = int(pid_file.read_text())
    host = _parent(_parent(pid))  # try <- zygote <- runner host
    harness.wait_for(
        lambda: harness.tis("frozen", run_id)["t"].pid == pid, what="the try's pid on its row"
    )
    folder = harness.config.base_log_folder / "dag_id=frozen" / f"run_id={run_id}" / "task_id=t"
    try:
        # The host stops heartbeating but nothing exits: only the heartbeat check can
        # notice. The try's own process keeps running.
        _stop_between_heartbeats(harness, run_id, host)
        harness.wait_for(
            lambda: "marked up_for_retry" in (folder / "attempt=1.log").read_text(),
            timeout=60,
            what="the zombie check to fail try 1",
        )
        first = (folder / "attempt=1.log").read_text()
        assert f"No heartbeat from the task for over {THRESHOLD}s (pid {pid}" in first
        assert running(pid), "the zombie check fails the try, it does not kill the process"

        # The host wakes and runs the retry; then try 1 finishes, too late to count.
        os.kill(host, signal.SIGCONT)
        assert harness.wait_run("frozen", run_id, timeout=90) == "success"
        ti = harness.tis("frozen", run_id)["t"]
        assert (ti.state, ti.try_number) == ("success", 2)
        assert "No heartbeat" not in (folder / "attempt=2.log").read_text()
        (harness.tmp / "release").touch()
        harness.wait_for(lambda: not running(pid), timeout=60, what="try 1 to exit")
        harness.wait_for(
            lambda: "not overwriting" in (folder / "attempt=1.log").read_text(),
            timeout=30,
            what="try 1's end to be recorded as not overwriting",
        )
        ti = harness.tis("frozen", run_id)["t"]
        assert (ti.state, ti.try_number) == ("success", 2)
        with harness.db.session() as session:
            value = session.scalars(
                select(XCom.value).where(XCom.run_id == run_id, XCom.task_id == "t")
            ).one()
        assert value == "try 2"
        assert harness.run_state("frozen", run_id) == "success"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(host, signal.SIGCONT)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


LONG = """
from datetime import datetime
import time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("long", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: time.sleep(6) or "done", retries=1)
"""


def test_a_try_longer_than_the_threshold_keeps_its_heartbeat(harness: Harness) -> None:
    run_id = _start_with_fast_heartbeats(harness, "long", LONG)
    assert harness.wait_run("long", run_id, timeout=90) == "success"
    ti = harness.tis("long", run_id)["t"]
    assert (ti.state, ti.try_number) == ("success", 1)
    assert ti.duration is not None and ti.duration >= 6
