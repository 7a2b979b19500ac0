"""What a Celery worker does with a workload: hand it to a runner host, as LocalExecutor does.

Each Celery pool process starts its own :class:`~tradewind.execution.runner_host.RunnerHost`
on first use (before it opens any database connection) and passes it each workload: the
same claim, warm fork per try, result recording, log file and ``execution_timeout`` as with
the LocalExecutor. The pool process waits for that try's outcome, wakes the schedulers
(their next pass sees the recorded state at once) and returns the outcome as the Celery
result.
"""

from __future__ import annotations

import logging
import os
import select
from typing import TYPE_CHECKING

from tradewind.config import Config
from tradewind.execution.runner_host import RunnerHost
from tradewind.execution.workload import TaskOutcome, Workload

if TYPE_CHECKING:
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)


class WorkerRuntime:
    """Per pool process: its runner host, and a database handle for wake-ups."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._host: RunnerHost | None = None
        self._database: Database | None = None
        self._pid = -1

    def run_json(self, payload: str) -> str:
        return self.run(Workload.from_json(payload)).to_json()

    def run(self, workload: Workload) -> TaskOutcome:
        host = self._runner_host()
        if not host.submit(workload):
            host = self._runner_host(restart=True)
            if not host.submit(workload):
                return TaskOutcome(workload.key, "start_failed", None, "runner host is gone")
        outcome = _wait_for(host, workload)
        self._wake_schedulers()
        return outcome

    def _runner_host(self, *, restart: bool = False) -> RunnerHost:
        if self._host is None or self._pid != os.getpid() or restart:
            if self._host is not None and self._pid == os.getpid():
                self._host.stop()
            self._host = RunnerHost(self.config)
            self._host.start()  # forked before this process opens a database connection
            self._pid = os.getpid()
        return self._host

    def _wake_schedulers(self) -> None:
        from tradewind.db.engine import Database
        from tradewind.db.wakeup import notify_scheduler

        if self._database is None:
            self._database = Database.from_config(self.config)
        notify_scheduler(self._database, self.config)


def _wait_for(host: RunnerHost, workload: Workload) -> TaskOutcome:
    """Block until the host reports this workload's try (a pool process runs one at a time)."""
    while True:
        select.select([host.fileno()], [], [])
        for outcome in host.outcomes():
            if outcome.key == workload.key:
                return outcome
            log.warning("unexpected outcome %s from the runner host", outcome)
        if not host.alive:
            return TaskOutcome(workload.key, "exited", None, "the runner host died")


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
