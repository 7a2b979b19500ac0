"""Callbacks no try can call, run by the scheduler's callback runner: a DAG's callbacks
(success, task failure, dagrun_timeout) and those of tries that were killed or timed out."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.scheduling.harness import Harness

NOTE = """
from pathlib import Path
OUT = Path("@TMP@") / "out"

def note(name):
    def callback(context):
        ti = context["ti"]
        extra = context.get("reason") or context.get("exception")
        with open(OUT / name, "a") as handle:
            handle.write(f"{ti.task_id} try={ti.try_number} {ti.state} {extra}\\n")
    return callback
"""

DAGS = (
    NOTE
    + """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("fine", start_date=datetime(2024, 1, 1), schedule=None,
         on_success_callback=note("fine_success"), on_failure_callback=note("fine_failure")):
    BashOperator(task_id="a", bash_command="true") >> BashOperator(task_id="b", bash_command="true")

with DAG("broken", start_date=datetime(2024, 1, 1), schedule=None,
         on_failure_callback=[note("broken_failure"), note("broken_failure_2")]):
    ok = BashOperator(task_id="ok", bash_command="true")
    ok >> BashOperator(task_id="boom", bash_command="exit 3")

with DAG("too_long", start_date=datetime(2024, 1, 1), schedule=None,
         dagrun_timeout=timedelta(seconds=1), on_failure_callback=note("too_long_failure")):
    BashOperator(task_id="slow", bash_command="sleep 4")
"""
)


def read(tmp: Path, name: str) -> str:
    path = tmp / "out" / name
    return path.read_text() if path.exists() else ""


def wait_file(harness: Harness, name: str, lines: int = 1) -> str:
    harness.wait_for(
        lambda: len(read(harness.tmp, name).splitlines()) >= lines, timeout=30, what=name
    )
    return read(harness.tmp, name)


def test_dag_callbacks_get_the_run_and_the_reason(harness: Harness) -> None:
    (harness.tmp / "out").mkdir()
    harness.add_dag("dags", DAGS)
    harness.sync()
    harness.start()
    fine, broken, too_long = (harness.trigger(d) for d in ("fine", "broken", "too_long"))
    assert harness.wait_run("fine", fine) == "success"
    assert harness.wait_run("broken", broken) == "failed"
    assert harness.wait_run("too_long", too_long) == "failed"

    assert wait_file(harness, "fine_success") == "b try=1 success success\n"
    # The failing task instance is the context's ti; every callback of a list runs.
    assert wait_file(harness, "broken_failure") == "boom try=1 failed task_failure\n"
    assert wait_file(harness, "broken_failure_2") == "boom try=1 failed task_failure\n"
    assert wait_file(harness, "too_long_failure").endswith(" timed_out\n")
    assert read(harness.tmp, "fine_failure") == ""
    assert "Running on_failure_callback of DAG broken" in harness.scheduler_log()


KILLED = (
    NOTE
    + """
import os, time
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def wait_to_be_killed(ti):
    (OUT / f"pid{ti.try_number}").write_text(str(os.getpid()))
    time.sleep(60)

def ignore_the_alarm():
    try:
        time.sleep(30)
    except BaseException:
        time.sleep(30)  # a task that swallows its timeout: its processes are killed

with DAG("killed", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="victim", python_callable=wait_to_be_killed, retries=1,
                   retry_delay=timedelta(seconds=0),
                   on_retry_callback=note("victim_retry"),
                   on_failure_callback=note("victim_failure"))
    PythonOperator(task_id="soft_timeout", python_callable=lambda: time.sleep(30),
                   execution_timeout=timedelta(seconds=1),
                   on_failure_callback=note("soft_timeout"))
    PythonOperator(task_id="hard_timeout", python_callable=ignore_the_alarm,
                   execution_timeout=timedelta(seconds=1),
                   on_failure_callback=note("hard_timeout"))
"""
)


def test_killed_and_timed_out_tries_call_their_failure_callbacks(harness: Harness) -> None:
    out = harness.tmp / "out"
    out.mkdir()
    harness.add_dag("killed", KILLED)
    harness.sync()
    harness.start()
    run_id = harness.trigger("killed")
    for try_number in (1, 2):
        pid_file = out / f"pid{try_number}"
        harness.wait_for(pid_file.exists, what=f"try {try_number} to start")
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert harness.wait_run("killed", run_id, timeout=60) == "failed"

    retry = wait_file(harness, "victim_retry")
    assert retry.startswith("victim try=1 up_for_retry ") and "killed by signal 9" in retry
    failure = wait_file(harness, "victim_failure")
    assert failure.startswith("victim try=2 failed ") and "killed by signal 9" in failure
    assert "Error when executing" not in harness.try_log("killed", run_id, "victim", 2)
    # Its own alarm ends the try: the try calls the callback with the timeout exception.
    assert wait_file(harness, "soft_timeout") == (
        "soft_timeout try=1 failed the task ran longer than its execution_timeout\n"
    )
    # Killed past its deadline: the callback runner calls it.
    hard = wait_file(harness, "hard_timeout")
    assert hard.startswith("hard_timeout try=1 failed ") and "execution_timeout" in hard


MARKED = (
    NOTE
    + """
import os, time
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def run_long():
    (OUT / "pid").write_text(str(os.getpid()))
    time.sleep(60)

with DAG("marked", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="long", python_callable=run_long, retries=3,
                   on_failure_callback=note("marked_failure"))
"""
)


def test_a_try_marked_failed_by_hand_is_stopped_and_calls_its_failure_callback(
    harness: Harness,
) -> None:
    from tests.scheduling.harness import pid_alive
    from tradewind.operations.task_state import set_task_instance_state

    out = harness.tmp / "out"
    out.mkdir()
    harness.add_dag("marked", MARKED)
    harness.sync()
    harness.start()
    run_id = harness.trigger("marked")
    harness.wait_for((out / "pid").exists, what="the try to start")
    pid = int((out / "pid").read_text())
    set_task_instance_state(
        harness.db, "marked", run_id, "long", "failed", actor="test", config=harness.config
    )
    failure = wait_file(harness, "marked_failure")
    assert failure.startswith("long try=1 failed ") and "marked failed externally" in failure
    harness.wait_for(lambda: not pid_alive(pid), what="the try's process to end")
    assert harness.wait_run("marked", run_id) == "failed"
    assert harness.tis("marked", run_id)["long"].state == "failed"  # not retried
    assert "set to failed externally: stopping this try" in harness.try_log(
        "marked", run_id, "long"
    )
