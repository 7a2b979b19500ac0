"""The database blinks while tries run: a try that succeeded still ends success, once.

The runner host records how tries ended before it tells the scheduler; when that write
fails (a PostgreSQL restart, SQLite "database is locked") it keeps the results and records
them again once the database is back, instead of passing on outcomes nobody recorded.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import running
from tests.scheduling.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: The task notes each run, says it is about to end, then ends once the test says so.
ENDS_ON_CUE = """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def work():
    with open(os.path.join("@TMP@", "ran.txt"), "a") as f:
        f.write("ran\\n")
    with open(os.path.join("@TMP@", "about_to_end"), "w") as f:
        f.write(str(os.getpid()))
    while not os.path.exists(os.path.join("@TMP@", "end_now")):
        time.sleep(0.01)
    return "done"

with DAG("blink", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=work, retries=2,
                   retry_delay=timedelta(seconds=0.1))
"""


def end_the_try(harness: Harness) -> None:
    """Let the waiting try end, and give its runner host time to try recording it."""
    pid = int((harness.tmp / "about_to_end").read_text())
    (harness.tmp / "end_now").touch()
    harness.wait_for(
        lambda: "Recording how tries ended failed" in harness.scheduler_log() or not running(pid),
        what="the try to end",
    )
    time.sleep(1)  # the host records (and fails) a few times meanwhile


@contextmanager
def database_locked(path: str) -> Iterator[None]:
    """Hold SQLite's write lock from a separate connection, as another writer would."""
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


@SQLITE_ONLY
def test_a_try_that_ends_while_the_database_is_locked_is_recorded_once_it_is_back(
    harness: Harness,
) -> None:
    harness.add_dag("blink", ENDS_ON_CUE)
    harness.sync()
    harness.start(TRADEWIND__DATABASE__SQLITE_BUSY_TIMEOUT="0.1")
    run_id = harness.trigger("blink")
    harness.wait_for(lambda: _text(harness.tmp / "about_to_end") != "", what="the try to start")
    assert harness.db.sqlite_file is not None
    with database_locked(harness.db.sqlite_file):
        end_the_try(harness)  # recording its end fails (busy timeout 0.1 s), repeatedly

    assert harness.wait_run("blink", run_id) == "success"
    ti = harness.tis("blink", run_id)["t"]
    assert (ti.state, ti.try_number) == ("success", 1)
    assert (harness.tmp / "ran.txt").read_text().splitlines() == ["ran"]
    log = harness.scheduler_log()
    assert "Recording how tries ended failed (database is locked)" in log
    assert "Recording how tries ended recovered" in log
    assert "Marked blink.t as success" in harness.try_log("blink", run_id, "t")


#: A runner host without a scheduler: claims the workload given, prints its outcome.
ONE_WORKLOAD_HOST = """
import logging, select, sys
from tradewind.config import load_config
from tradewind.execution.runner_host import RunnerHost
from tradewind.execution.workload import Workload

logging.basicConfig(level=logging.INFO)
host = RunnerHost(load_config())
host.start()
host.submit(Workload.from_json(sys.argv[1]))
while not (outcomes := host.outcomes()):
    select.select([host.fileno()], [], [])
print(outcomes[0].to_json(), flush=True)
host.stop()
"""

QUICK = """
from datetime import datetime
import os
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def work():
    with open(os.path.join("@TMP@", "ran.txt"), "a") as f:
        f.write("ran\\n")

with DAG("quick", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=work)
"""


@SQLITE_ONLY
def test_a_try_queued_while_the_database_is_locked_starts_once_it_is_back(
    harness: Harness,
) -> None:
    from tradewind.db.models import TaskInstance
    from tradewind.execution.workload import TaskOutcome, Workload

    path = harness.add_dag("quick", QUICK)
    harness.sync()
    run_id = harness.trigger("quick")
    with harness.db.session() as session:  # as a scheduler would have queued it
        session.get(TaskInstance, ("quick", run_id, "t", -1)).state = "queued"
    workload = Workload("quick", run_id, "t", 1, str(path))
    errors = harness.tmp / "host.err"
    env = {**harness.env, "TRADEWIND__DATABASE__SQLITE_BUSY_TIMEOUT": "0.1"}
    assert harness.db.sqlite_file is not None
    with errors.open("w") as stderr, database_locked(harness.db.sqlite_file):
        host = subprocess.Popen(
            [sys.executable, "-c", ONE_WORKLOAD_HOST, workload.to_json()],
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        harness.wait_for(
            lambda: "Claiming tries failed" in errors.read_text() or host.poll() is not None,
            what="the runner host to fail claiming the try",
        )
        time.sleep(1)  # and fail again, a few times
        assert not (harness.tmp / "ran.txt").exists()
    out, _ = host.communicate(timeout=30)
    err = errors.read_text()

    outcome = TaskOutcome.from_json(out)
    assert (outcome.reason, outcome.returncode) == ("exited", 0), err
    ti = harness.tis("quick", run_id)["t"]
    assert (ti.state, ti.try_number) == ("success", 1)
    assert (harness.tmp / "ran.txt").read_text().splitlines() == ["ran"]
    assert "Claiming tries failed (database is locked)" in err
    assert "Claiming tries recovered" in err


POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@contextmanager
def postgres_away(database_url: str) -> Iterator[None]:
    """The test's database refuses connections and drops the open ones (a restart, as its
    clients see it), without touching the other databases on the server."""
    from sqlalchemy.engine import make_url

    from tests.conftest import _pg_admin

    name = make_url(database_url).database
    _pg_admin(
        f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )
    try:
        yield
    finally:
        _pg_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


@POSTGRES_ONLY
def test_a_try_that_ends_while_postgres_is_away_is_recorded_once_it_is_back(
    harness: Harness, database_url: str
) -> None:
    harness.add_dag("blink", ENDS_ON_CUE)
    harness.sync()
    harness.start()
    run_id = harness.trigger("blink")
    harness.wait_for(lambda: _text(harness.tmp / "about_to_end") != "", what="the try to start")
    with postgres_away(database_url):
        end_the_try(harness)  # recording its end fails, repeatedly

    assert harness.wait_run("blink", run_id) == "success"
    ti = harness.tis("blink", run_id)["t"]
    assert (ti.state, ti.try_number) == ("success", 1)
    assert (harness.tmp / "ran.txt").read_text().splitlines() == ["ran"]
    log = harness.scheduler_log()
    assert "Recording how tries ended failed" in log
    assert "Recording how tries ended recovered" in log


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""
