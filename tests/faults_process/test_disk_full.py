"""The log folder's disk fills up, before and while tries run.

A try whose log cannot be written still runs and records its state (and XCom); the scheduler
keeps going and says, in its own log, which try's log could not be written and why. Once
there is space again, logs are written again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults_process.small_disk import SmallDisk, small_disk
from tests.scheduling.harness import Harness
from tradewind.execution.xcoms import pull_xcom

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

CHATTY = """
from datetime import datetime
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def wait_then_talk(ti):
    gate = os.path.join("@TMP@", "gate")
    with open(os.path.join("@TMP@", f"{ti.run_id}.started"), "w") as f:
        f.write(str(os.getpid()))
    deadline = time.time() + 30
    while ti.run_id.startswith("during") and not os.path.exists(gate) and time.time() < deadline:
        time.sleep(0.05)
    print("a line of output the log may not have room for")
    print("and more: " + "x" * 10_000)  # more than the page its log file has left
    return 42

with DAG("chatty", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=wait_then_talk)
"""


def _try_log(disk: SmallDisk, run_id: str) -> str:
    return (
        disk.path / "dag_id=chatty" / f"run_id={run_id}" / "task_id=t" / "attempt=1.log"
    ).read_text()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "logs") as mounted:
        yield mounted


def test_tries_record_their_state_when_the_log_disk_is_full(
    harness: Harness, disk: SmallDisk
) -> None:
    harness.add_dag("chatty", CHATTY)
    harness.sync()
    harness.start(TRADEWIND__LOGGING__BASE_LOG_FOLDER=str(disk.path))

    disk.fill()  # before the try: not even its first log line fits
    before = harness.trigger("chatty", run_id="before")
    assert harness.wait_run("chatty", before) == "success"
    assert pull_xcom(harness.db, "chatty", before, "t", "return_value") == 42

    disk.empty()  # while the try runs: it started with room, it ends without
    during = harness.trigger("chatty", run_id="during")
    harness.wait_for((harness.tmp / f"{during}.started").exists, what="the try to start")
    disk.fill()
    (harness.tmp / "gate").touch()
    assert harness.wait_run("chatty", during) == "success"
    assert pull_xcom(harness.db, "chatty", during, "t", "return_value") == 42
    assert "Starting try 1" in _try_log(disk, during)  # written with room

    assert harness.proc is not None and harness.proc.poll() is None  # the scheduler lives
    log = harness.scheduler_log()
    for run_id in (before, during):
        assert f"Cannot write the log of chatty.t ({run_id}, try 1)" in log, log[-3000:]
    assert "No space left on device" in log

    disk.empty()  # room again: logs are written again
    after = harness.trigger("chatty", run_id="after")
    assert harness.wait_run("chatty", after) == "success"
    written = _try_log(disk, after)
    assert "a line of output" in written and "Marked chatty.t as success" in written
    time.sleep(0.2)
    assert "Cannot write the log of chatty.t (after" not in harness.scheduler_log()
    print(
        "survived: a full log disk before and during a try; states and XComs recorded, "
        "the scheduler kept running and reported the failed log writes; logs resumed"
    )
