"""The runner host starts its first zygote with the first try, not ahead of any work."""

from __future__ import annotations

import time
from pathlib import Path

from tests.processes import descendants
from tests.scheduling.harness import Harness

ONE_TASK = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def _zygotes(pid: int) -> set[int]:
    found = set()
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"tradewind.execution.zygote" in command:
            found.add(child)
    return found


def test_an_idle_scheduler_keeps_no_zygote_until_its_first_try(harness: Harness) -> None:
    harness.add_dag("one", ONE_TASK)
    harness.sync()
    harness.start()
    try:
        assert harness.proc is not None
        pid = harness.proc.pid
        harness.wait_for(lambda: len(descendants(pid)) >= 1, what="the runner host to start")
        time.sleep(2)  # idle passes
        assert _zygotes(pid) == set(), "a zygote waits before any try was asked for"
        run_id = harness.trigger("one")
        assert harness.wait_run("one", run_id) == "success"
        # The file's zygote, and a spare kept ahead for the next file.
        harness.wait_for(lambda: len(_zygotes(pid)) == 2, what="the file's zygote and a spare")
    finally:
        harness.stop()
