"""Processes die: a task's, a scheduler's. Each try still ends exactly once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.processes import running
from tests.scheduling.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CRASHY = """
from datetime import datetime, timedelta
import ctypes, os, sys, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def segfault():
    ctypes.string_at(0)

def exits():
    sys.exit(4)

def hard_exit():
    os._exit(0)

with DAG("crashy", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="segfault", python_callable=segfault)
    PythonOperator(task_id="sys_exit", python_callable=exits)
    PythonOperator(task_id="os_exit", python_callable=hard_exit)
    PythonOperator(task_id="fine", python_callable=lambda: "fine")
"""


@SQLITE_ONLY
def test_crashing_tasks_fail_only_themselves(harness: Harness) -> None:
    harness.add_dag("crashy", CRASHY)
    harness.sync()
    harness.start()
    run_id = harness.trigger("crashy")
    assert harness.wait_run("crashy", run_id) == "failed"
    assert harness.states("crashy", run_id) == {
        "segfault": "failed",
        "sys_exit": "failed",
        "os_exit": "failed",
        "fine": "success",
    }
    log = harness.config.base_log_folder / "dag_id=crashy" / f"run_id={run_id}"
    assert "signal 11" in (log / "task_id=segfault" / "attempt=1.log").read_text()
    assert harness.proc is not None and harness.proc.poll() is None  # scheduler unharmed


def test_sigkilled_task_is_retried_then_fails(harness: Harness) -> None:
    harness.add_dag(
        "victim",
        """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def wait(ti):
    with open(os.path.join("@TMP@", f"pid{ti.try_number}"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)

with DAG("victim", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=wait, retries=1,
                   retry_delay=timedelta(seconds=0.1))
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("victim")
    for try_number in (1, 2):
        pid_file = harness.tmp / f"pid{try_number}"
        harness.wait_for(pid_file.exists, what=f"try {try_number} to start")
        time.sleep(0.1)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        if try_number == 1:
            harness.wait_for(
                lambda: (
                    harness.states("victim", run_id)["t"]
                    in ("up_for_retry", "scheduled", "queued", "running")
                ),
                what="retry",
            )
    assert harness.wait_run("victim", run_id) == "failed"
    ti = harness.tis("victim", run_id)["t"]
    assert (ti.state, ti.try_number) == ("failed", 2)
    log = harness.try_log("victim", run_id, "t")
    assert "killed by signal 9" in log and "up_for_retry" in log


def test_execution_timeout_kills_the_task_tree(harness: Harness) -> None:
    harness.add_dag(
        "slow",
        """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("slow", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="echo $$ > @TMP@/bash.pid; sleep 30",
                 execution_timeout=timedelta(seconds=1))
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("slow")
    assert harness.wait_run("slow", run_id, timeout=20) == "failed"
    log = harness.try_log("slow", run_id, "t")
    assert "timed out" in log.lower() or "execution_timeout" in log
    bash_pid = int((harness.tmp / "bash.pid").read_text())
    harness.wait_for(lambda: not running(bash_pid), timeout=10, what="bash to be killed")


def test_scheduler_sigkill_and_restart_runs_every_task_exactly_once(harness: Harness) -> None:
    harness.add_dag(
        "steady",
        """
from datetime import datetime
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def work(name):
    time.sleep(0.3)
    with open(os.path.join("@TMP@", "done.txt"), "a") as f:
        f.write(name + "\\n")

with DAG("steady", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=3) as dag:
    previous = None
    for i in range(4):
        layer = [PythonOperator(task_id=f"t{i}_{j}", python_callable=work, op_args=[f"t{i}_{j}"])
                 for j in range(3)]
        if previous:
            previous >> layer[0]
            for t in layer:
                previous >> t
        previous = layer[-1]
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("steady")
    done = harness.tmp / "done.txt"
    harness.wait_for(
        lambda: done.exists() and len(done.read_text().split()) >= 4, what="some tasks"
    )
    harness.stop(signal.SIGKILL)
    time.sleep(0.5)
    harness.start()
    assert harness.wait_run("steady", run_id, timeout=60) == "success"
    lines = done.read_text().split()
    assert sorted(lines) == sorted(set(lines)), "a task ran twice"
    assert len(lines) == 12
