"""A real ``tradewind scheduler`` process against the test's home and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance

FAST_SETTINGS = {
    "TRADEWIND__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "0.5",
    "TRADEWIND__SCHEDULER__JOB_HEARTBEAT_SEC": "0.5",
    "TRADEWIND__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "2",
    "TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
    "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
}


class Harness:
    def __init__(self, config: Config, database: Database, env: dict[str, str], tmp: Path):
        self.config = config
        self.db = database
        self.env = {**env, **FAST_SETTINGS}
        self.tmp = tmp
        self.dags_folder = config.dags_folder
        self.proc: subprocess.Popen[bytes] | None = None

    # --- DAG files -------------------------------------------------------------------------

    def add_dag(self, name: str, source: str) -> Path:
        path = self.dags_folder / f"{name}.py"
        path.write_text(textwrap.dedent(source).replace("@TMP@", str(self.tmp)))
        return path

    def sync(self, *, unpause: bool = True) -> None:
        from tradewind.dagfiles.sync import sync_dag_folder
        from tradewind.db.models import DagModel

        report = sync_dag_folder(self.config, self.db)
        assert not report.import_errors, report.import_errors
        if unpause:
            with self.db.session() as session:
                for dag in session.scalars(select(DagModel)):
                    dag.is_paused = False

    # --- scheduler process -----------------------------------------------------------------

    def start(self, **extra_env: str) -> None:
        env = {**self.env, **extra_env}
        log = open(self.tmp / "scheduler.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tradewind.cli import main; main()", "scheduler"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def scheduler_log(self) -> str:
        path = self.tmp / "scheduler.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- runs ------------------------------------------------------------------------------

    def trigger(self, dag_id: str, **kwargs: Any) -> str:
        from tradewind.operations.dag_runs import trigger_dag

        run = trigger_dag(
            self.db, dag_id, actor="test", config=self.config, replace_microseconds=False, **kwargs
        )
        return run.run_id

    def run_state(self, dag_id: str, run_id: str) -> str:
        with self.db.session() as session:
            return session.scalars(
                select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
            ).one()

    def runs(self, dag_id: str) -> list[DagRun]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.execution_date)
                )
            )

    def tis(self, dag_id: str, run_id: str) -> dict[str, TaskInstance]:
        with self.db.session() as session:
            rows = session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
                )
            )
            return {ti.task_id: ti for ti in rows}

    def states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        return {tid: ti.state for tid, ti in self.tis(dag_id, run_id).items()}

    def try_log(
        self, dag_id: str, run_id: str, task_id: str, try_number: int = 1, map_index: int = -1
    ) -> str:
        """The log file of one try, as ``tradewind tasks logs`` would print it."""
        from tradewind.execution.logs import log_path

        return log_path(self.config, dag_id, run_id, task_id, try_number, map_index).read_text()

    def wait_for(self, check: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"scheduler exited:\n{self.scheduler_log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}\n{self.scheduler_log()[-3000:]}")

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 30) -> str:
        self.wait_for(
            lambda: self.run_state(dag_id, run_id) in ("success", "failed"),
            timeout,
            f"run {run_id} of {dag_id} to finish",
        )
        return self.run_state(dag_id, run_id)


def read_intervals(folder: Path) -> list[tuple[float, float]]:
    """Task start/end stamps written by ``record`` in the DAG files below."""
    spans = []
    for path in folder.glob("*.span"):
        start, end = path.read_text().split()
        spans.append((float(start), float(end)))
    return spans


def max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    current = best = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


RECORD_HELPER = """
import os, time
def record(name, seconds=0.3):
    start = time.time()
    time.sleep(seconds)
    with open(os.path.join("@TMP@", "spans", name + ".span"), "w") as f:
        f.write(f"{start} {time.time()}")
"""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
