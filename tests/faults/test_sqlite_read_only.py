"""The SQLite file's directory made read-only for a while under a running installation.

Root ignores file permissions, so the Tradewind processes run as root *without* the
capabilities that let it (``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``, dropped with
``setpriv``): the permission bits then bind them like any user, here and in CI (which also
runs as root, where mounting or ``chattr`` may not be allowed).

What read-only means to SQLite: the kernel checks permissions when a file is opened, so a
connection opened before keeps writing; a connection opened meanwhile is read-only and
every write through it fails ("attempt to write a readonly database"). The test makes sure
such failures are reported clearly, change nothing, and leave nothing behind once the
directory is writable again: no task lost or run twice, no process restarted.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.faults.stack import TRIGGERED_DAG, Stack, fanout_dag
from tests.scheduling.harness import Harness
from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.schema import migrate

pytestmark = pytest.mark.slow

WIDTH = 100
READ_ONLY_FOR = 5.0
#: Seconds into the read-only window before the new DAG file appears. A sync reads what is
#: stored first, then lists the folder: one that read before the directory turned read-only
#: would store a file added at once through the connection it already had (a connection
#: opened earlier keeps writing), and have nothing to report.
LATE_DAG_AFTER = 1.5
#: Root's capabilities that bypass file permissions, dropped from Tradewind's processes.
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


@pytest.fixture
def sqlite_stack(tw_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and util-linux's setpriv to run Tradewind without root's rights")
    folder = tmp_path / "db"
    folder.mkdir()
    env = {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{folder}/tradewind.db"}
    config = load_config(env)
    database = Database.from_config(config)
    migrate(database)
    stack = Stack(Harness(config, database, env, tmp_path), prefix=UNPRIVILEGED)
    try:
        yield stack
    finally:
        _set_writable(folder, True)
        stack.stop()
        database.dispose()


def _set_writable(folder: Path, writable: bool) -> None:
    for path in folder.iterdir():
        path.chmod(0o644 if writable else 0o444)
    folder.chmod(0o755 if writable else 0o555)


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    _set_writable(folder, False)
    try:
        yield
    finally:
        _set_writable(folder, True)


def test_sqlite_directory_read_only_for_5s(sqlite_stack: Stack) -> None:
    stack, harness = sqlite_stack, sqlite_stack.harness
    folder = Path(str(harness.db.sqlite_file)).parent
    harness.add_dag("fanout", fanout_dag(WIDTH, seconds=2.0))
    harness.add_dag("triggered", TRIGGERED_DAG)
    harness.sync()
    # The DAG folder is synced every second, so syncs run while the database is read-only.
    harness.env["TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL"] = "1"
    stack.start()
    stack.trigger("fanout", "fan", "2024-01-01T00:00:00+00:00")
    harness.wait_for(lambda: len(stack.starts()) >= 20, 60, "20 tasks to start")
    before = stack.pids()  # the runner host starts its zygote with the first try

    answers: list[tuple[int, float]] = []
    in_flight = len(stack.starts())
    with read_only(folder):
        began = time.monotonic()
        refused = stack.cli("dags", "trigger", "triggered", "-r", "while_read_only")
        late_added = False
        while (now := time.monotonic()) < began + READ_ONLY_FOR:
            if not late_added and now >= began + LATE_DAG_AFTER:
                harness.add_dag("late", LATE_DAG)
                late_added = True
            answers.append(_api_trigger(stack, f"api_{len(answers)}", len(answers)))
            time.sleep(0.5)
        during = len(stack.starts()) - in_flight

    # A new connection could not write: one clear line, nothing changed.
    assert refused.returncode == 1, refused
    assert refused.stderr.strip() == (
        "Error: the metadata database is unavailable (attempt to write a readonly database)"
    ), refused.stderr
    # Through the webserver a trigger either worked (a connection opened before) or was
    # refused with a quick 503 JSON, never a 500 or a hang.
    assert {status for status, _ in answers} <= {200, 503}, answers
    assert max(took for _, took in answers) < 2.0, answers

    assert harness.wait_run("fanout", "fan", timeout=60) == "success"
    tis = harness.tis("fanout", "fan")
    assert {(ti.state, ti.try_number) for ti in tis.values()} == {("success", 1)}
    starts = stack.starts()
    assert sum(1 for line in starts if line.startswith("fan ")) == WIDTH
    assert set(starts.values()) == {1}, starts.most_common(3)
    # Writable again: the same processes write, new connections too.
    after = stack.cli("dags", "trigger", "triggered", "-r", "after_read_only")
    assert after.returncode == 0, after.stderr
    api_after = _api_trigger(stack, "api_after", 59)
    assert api_after[0] == 200, api_after
    accepted = [f"api_{i}" for i, (status, _) in enumerate(answers) if status == 200]
    for run_id in ["after_read_only", "api_after", *accepted]:
        assert harness.wait_run("triggered", run_id, timeout=30) == "success", run_id
    run_ids = {run.run_id for run in harness.runs("triggered")}
    assert "while_read_only" not in run_ids
    assert run_ids == {"after_read_only", "api_after", *accepted}
    # The DAG processor could not store the new DAG meanwhile, said so, and did it after.
    harness.wait_for(lambda: _has_dag(stack, "late"), 30, "the DAG added meanwhile to appear")
    assert (
        "DAG folder sync could not use the metadata database (attempt to write a readonly"
        in harness.scheduler_log()
    )
    stack.assert_survived(before)
    refused_api = sum(1 for status, _ in answers if status == 503)
    assert during > 0, "no task started while the directory was read-only"
    print(
        f"\nSURVIVED: SQLite directory read-only for {READ_ONLY_FOR:g}s after {in_flight}/"
        f"{WIDTH} tasks had started ({during} more started meanwhile): the CLI said"
        f" {refused.stderr.strip()!r} and changed nothing; the API accepted"
        f" {len(accepted)} and refused {refused_api} triggers"
        f" (503 JSON); all {WIDTH} tasks succeeded at try 1, each started once; scheduler,"
        f" runner host and webserver kept their pids {before}; the DAG processor stored the DAG"
        " added meanwhile once it could"
    )


LATE_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("late", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="nothing")
"""


def _has_dag(stack: Stack, dag_id: str) -> bool:
    return httpx.get(f"{stack.api}/dags/{dag_id}/paused", timeout=5).status_code == 200


def _api_trigger(stack: Stack, run_id: str, minute: int) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{stack.api}/dags/triggered/dag_runs",
        content=json.dumps(
            {"run_id": run_id, "execution_date": f"2024-01-01T01:{minute:02d}:00+00:00"}
        ),
        timeout=10,
    )
    took = time.monotonic() - started
    assert "error" in response.json() or response.status_code == 200, response.text
    return response.status_code, took
