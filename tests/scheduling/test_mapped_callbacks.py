"""A mapped instance's callbacks get that instance's context: its map index, its own try,
the operator it ran with its own values and ``expanded_ti_count``, whether the try calls
them or, for a killed try, the scheduler's callback runner (SQLite and PostgreSQL, a real
scheduler)."""

from __future__ import annotations

import os
import signal

import pytest

from tests.scheduling.harness import Harness
from tests.scheduling.test_dead_try_and_dag_callbacks import read, wait_file

CALLBACKS_DAG = """
import os, time
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG
from tradewind.decorators import task, task_group
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

OUT = Path("@TMP@") / "out"

def note(name):
    def callback(context):
        ti, task = context["ti"], context["task"]
        own = getattr(task, "bash_command", None) or getattr(task, "op_kwargs", None)
        with open(OUT / name, "a") as handle:
            handle.write(
                f"{ti.task_id}[{ti.map_index}] try={ti.try_number} {ti.state} "
                f"{type(task).__name__} {own} of {context['expanded_ti_count']}\\n"
            )
    return callback

def wait_to_be_killed(tag, ti):
    if tag == "b":
        (OUT / "pid").write_text(str(os.getpid()))
        time.sleep(60)

with DAG("mapped_callbacks", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator.partial(
        task_id="echo",
        retries=1,
        retry_delay=timedelta(seconds=0),
        on_success_callback=note("success"),
        on_retry_callback=note("retry"),
        on_failure_callback=note("failure"),
    ).expand(bash_command=["true", "exit 3"])

    PythonOperator.partial(
        task_id="victim", python_callable=wait_to_be_killed, on_failure_callback=note("killed")
    ).expand(op_kwargs=[{"tag": "a"}, {"tag": "b"}])

    @task(on_success_callback=note("group"))
    def inner(x):
        return x

    @task_group
    def grouped(x):
        inner(x=x)

    grouped.expand(x=[7, 8])
"""


@pytest.mark.slow
def test_callbacks_of_mapped_instances_see_their_own_instance(harness: Harness) -> None:
    h = harness
    (h.tmp / "out").mkdir()
    h.add_dag("mapped_callbacks", CALLBACKS_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("mapped_callbacks")
    pid_file = h.tmp / "out" / "pid"
    h.wait_for(pid_file.exists, timeout=60, what="victim[1] to start")
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert h.wait_run("mapped_callbacks", run_id, timeout=90) == "failed"

    # Called by the tries: each instance's own map index, try and values.
    assert wait_file(h, "success") == "echo[0] try=1 success BashOperator true of 2\n"
    assert wait_file(h, "retry") == "echo[1] try=1 up_for_retry BashOperator exit 3 of 2\n"
    assert wait_file(h, "failure") == "echo[1] try=2 failed BashOperator exit 3 of 2\n"
    assert sorted(wait_file(h, "group", lines=2).splitlines()) == [
        "grouped.inner[0] try=1 success DecoratedPythonOperator {'x': 7} of 2",
        "grouped.inner[1] try=1 success DecoratedPythonOperator {'x': 8} of 2",
    ]
    # Called by the callback runner for the killed instance: still that instance's context.
    assert wait_file(h, "killed") == "victim[1] try=1 failed PythonOperator {'tag': 'b'} of 2\n"
    assert read(h.tmp, "killed").count("\n") == 1
