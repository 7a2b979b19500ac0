"""What a Celery worker does with a workload: run the try as LocalExecutor would.

Each Celery pool process is warm (Tradewind imported, the database's statements
compiled, DAG files imported once per file and modification time); a try is a ``fork()``
of it, in its own session, through the same :func:`~tradewind.execution.runner_host.fork_try`
as LocalExecutor's. So a try on a worker writes the same log file, XComs and states, and a
crash, ``sys.exit`` or ``execution_timeout`` kill ends that try only, never the worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time
from typing import TYPE_CHECKING, Any

from tradewind.config import Config
from tradewind.execution.runner_host import (
    KILL_GRACE,
    fork_try,
    freeze_warm_heap,
    lower_priority,
    warm_up,
)
from tradewind.execution.workload import TaskOutcome, Workload

if TYPE_CHECKING:
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)


class WorkerRuntime:
    """Per pool process: the warm database and the DAG files imported so far."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._database: Database | None = None
        self._pid = -1
        self._dags: dict[str, tuple[float | None, dict[str, Any]]] = {}

    def run_json(self, payload: str) -> str:
        return self.run(Workload.from_json(payload)).to_json()

    def run(self, workload: Workload) -> TaskOutcome:
        database = self._warm_database()
        pid = fork_try(self.config, database, workload, self._loaded(workload.fileloc), [])
        deadline = None
        if workload.execution_timeout is not None:
            deadline = time.monotonic() + workload.execution_timeout + KILL_GRACE
        returncode, timed_out = wait_for_try(pid, deadline)
        return TaskOutcome(workload.key, "timeout" if timed_out else "exited", returncode)

    def _warm_database(self) -> Database:
        if self._database is None or self._pid != os.getpid():
            from tradewind.dagfiles.discovery import dag_folders
            from tradewind.dagfiles.loader import ensure_importable
            from tradewind.execution.runner_host import warm_database

            lower_priority(self.config)  # this pool process only waits for its tries
            warm_up(self.config)
            ensure_importable(dag_folders(self.config))
            self._database = warm_database(self.config)
            self._pid = os.getpid()
        return self._database

    def _loaded(self, fileloc: str) -> dict[str, Any]:
        """The file's DAGs, imported once per modification time; ``{}`` if it fails.

        A file that fails to import here is imported again by the try itself, which then
        fails with the error in its own log, where a person looks for it.
        """
        mtime = _mtime(fileloc)
        cached = self._dags.get(fileloc)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        dags: dict[str, Any] = {}
        try:
            from tradewind.dagfiles.loader import load_dags_from_file

            dags = {dag.dag_id: dag for dag in load_dags_from_file(fileloc)}
        except Exception:
            log.warning("could not import %s in the worker; the try will", fileloc)
        self._dags[fileloc] = (mtime, dags)
        freeze_warm_heap()
        return dags


def wait_for_try(pid: int, deadline: float | None) -> tuple[int | None, bool]:
    """Wait for the try's process; past ``deadline`` kill its process group.

    Returns (exit code, negative for a signal, or ``None`` if someone else reaped it;
    whether it was killed for overrunning).
    """
    timed_out = False
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            ready, _, _ = select.select([pidfd], [], [], timeout)
            if ready:
                break
            timed_out, deadline = True, None
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
    finally:
        os.close(pidfd)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None, timed_out
    return os.waitstatus_to_exitcode(status), timed_out


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def run_worker(
    config: Config, *, queues: list[str], concurrency: int, hostname: str, loglevel: str
) -> None:
    """``tradewind celery worker``: consume ``queues`` until stopped (warm shutdown on TERM)."""
    from tradewind.execution.celery_app import create_celery_app

    app = create_celery_app(config, with_worker_task=True)
    app.worker_main(
        [
            "worker",
            f"--queues={','.join(queues)}",
            f"--concurrency={concurrency}",
            f"--hostname={hostname}",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )
