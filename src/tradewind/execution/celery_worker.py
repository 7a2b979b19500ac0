"""What a Celery worker does with a workload: hand it to a runner host, as LocalExecutor does.

Each Celery pool process starts its own :class:`~tradewind.execution.runner_host.RunnerHost`
on first use (before it opens any database connection) and passes it each workload: the
same claim, warm fork per try, result recording, log file and ``execution_timeout`` as with
the LocalExecutor. The pool process waits for that try's outcome, wakes the schedulers
(their next pass sees the recorded state at once) and returns the outcome as the Celery
result.

Stopping (SIGTERM, Celery's warm shutdown) takes at most ``[core] shutdown_grace``: the
worker stops taking messages and its running tries get until shortly before the grace is
over; then :class:`GraceTimer` has each pool process kill its try (its outcome, "killed",
goes back as the result, and the scheduler fails or retries the try), and if the worker is
still not done at the end, it asks Celery for a cold shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from tradewind.config import Config
from tradewind.execution.runner_host import RunnerHost
from tradewind.execution.shutdown import ShutdownPlan
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
        self._terminations = 0

    def run_json(self, payload: str) -> str:
        return self.run(Workload.from_json(payload)).to_json()

    def run(self, workload: Workload) -> TaskOutcome:
        host = self._runner_host()
        if not host.submit(workload):
            host = self._runner_host(restart=True)
            if not host.submit(workload):
                return TaskOutcome(workload.key, "start_failed", None, "runner host is gone")
        outcome = _wait_for(host, workload)
        if self._terminations and not outcome.detail and (outcome.returncode or 0) < 0:
            outcome = replace(
                outcome,
                detail=f"killed by signal {-(outcome.returncode or 0)}: the Celery worker was "
                "stopped and its [core] shutdown_grace ran out",
            )
        self._wake_schedulers()
        return outcome

    def terminate_tries(self, _signum: int = 0, _frame: object = None) -> None:
        """This pool process's SIGTERM handler (sent by :class:`GraceTimer`): kill its try,
        SIGTERM the first time, SIGKILL after."""
        self._terminations += 1
        if self._host is not None and self._pid == os.getpid():
            self._host.terminate_tries(force=self._terminations > 1)

    def _runner_host(self, *, restart: bool = False) -> RunnerHost:
        if self._host is None or self._pid != os.getpid() or restart:
            if self._host is not None and self._pid == os.getpid():
                self._host.stop()
            self._host = RunnerHost(self.config)
            self._host.start()  # forked before this process opens a database connection
            self._pid = os.getpid()
            # Set here, not at the pool process's start: billiard sets its own after that.
            signal.signal(signal.SIGTERM, self.terminate_tries)
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


#: Seconds before the end of the grace when a stopping worker kills its tries: Celery's own
#: warm shutdown takes two or three seconds once they have ended.
WORKER_TERMINATE_LEAD = 5.0


class GraceTimer:
    """In the worker's main process, from the start of Celery's warm shutdown: the pool
    processes are told to kill their tries (:meth:`WorkerRuntime.terminate_tries`) near the
    end of ``[core] shutdown_grace``, and a worker still running at the end is cold-stopped."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self._started = False

    def start(self, **_: object) -> None:
        """Connected to Celery's ``worker_shutting_down`` signal (sent on each stop signal)."""
        if self._started:
            return
        self._started = True
        plan = ShutdownPlan.starting(time.monotonic(), self.grace, WORKER_TERMINATE_LEAD)
        threading.Thread(
            target=self._run, args=(plan,), name="tradewind-grace", daemon=True
        ).start()

    def _run(self, plan: ShutdownPlan) -> None:
        for when in (plan.terminate_at, plan.kill_at):
            time.sleep(max(when - time.monotonic(), 0))
            pool = _pool_pids()
            if pool:
                log.warning(
                    "[core] shutdown_grace is running out: the pool processes kill the tries "
                    "they still run"
                )
            for pid in pool:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        time.sleep(max(plan.deadline - time.monotonic(), 0))
        log.warning("[core] shutdown_grace is over: cold shutdown")
        os.kill(os.getpid(), signal.SIGQUIT)


def _pool_pids() -> list[int]:
    from billiard.process import active_children  # type: ignore[import-untyped]

    return [child.pid for child in active_children() if child.pid]


def run_worker(
    config: Config, *, queues: list[str], concurrency: int, hostname: str, loglevel: str
) -> None:
    """``tradewind celery worker``: consume ``queues`` until stopped (warm shutdown on TERM)."""
    from celery.signals import worker_shutting_down

    from tradewind.execution.celery_app import create_celery_app
    from tradewind.observability import metrics

    metrics.configure(config)  # inherited by the pool processes and their runner hosts
    app = create_celery_app(config, with_worker_task=True)
    timer = GraceTimer(float(config.get("core", "shutdown_grace")))
    worker_shutting_down.connect(timer.start, weak=False)
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
