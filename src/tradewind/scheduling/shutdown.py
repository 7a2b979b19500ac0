"""How a scheduler stops: its tries get ``[core] shutdown_grace`` to finish, the rest are killed.

A SIGTERM (a deploy, ``systemctl stop``, ``docker stop``, Ctrl-C) ends the scheduler loop at
once. With an executor whose tries run under this process (local, sequential):

1. nothing new starts; tries that end are handled as in a pass (the runner host records
   their states; one that died without a state is failed or retried);
2. shortly before the grace is over the tries still running get SIGTERM, then SIGKILL, and
   are failed or retried (``retries`` apply) with the reason in their log;
3. the executor stops and the job row is closed, all within the grace.

A process that exits leaves no try ``running`` behind for ever: what the scheduler could not
record (the database was down, it was SIGKILLed) the next scheduler finds through
:func:`~tradewind.scheduling.recovery.fail_dead_tries`.

With the CeleryExecutor the tries run on workers, which carry on and record their own states:
the scheduler exits at once and the next one picks their outcomes up.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from dataclasses import replace

from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.shutdown import ShutdownPlan
from tradewind.execution.workload import TaskOutcome

log = logging.getLogger(__name__)

HandleOutcomes = Callable[[list[TaskOutcome]], None]


class Drain:
    """Waits out the executor's running tries along a :class:`ShutdownPlan`."""

    def __init__(self, executor: BaseExecutor, plan: ShutdownPlan, handle: HandleOutcomes):
        self.executor = executor
        self.plan = plan
        self.handle = handle
        self.killed = False

    def run(self) -> None:
        if not self.executor.supervises_tries:
            return
        if self.executor.running:
            log.info(
                "Stopping: waiting up to %gs ([core] shutdown_grace) for %d running tries",
                self.plan.grace,
                len(self.executor.running),
            )
        self._wait_until(self.plan.terminate_at)
        if self.executor.running:
            self.killed = True
            log.warning(
                "Stopping: %d tries still running at the end of [core] shutdown_grace; "
                "killing them: %s",
                len(self.executor.running),
                ", ".join(f"{k.dag_id}.{k.task_id} ({k.run_id})" for k in self.executor.running),
            )
            self.executor.terminate_tries()
            self._wait_until(self.plan.kill_at)
        if self.executor.running:
            self.executor.terminate_tries(force=True)
            self._wait_until(self.plan.deadline)
        if self.executor.running:
            log.warning(
                "Stopping: %d tries did not report their end; the next scheduler fails or "
                "retries them",
                len(self.executor.running),
            )

    def _wait_until(self, when: float) -> None:
        fd = self.executor.fileno()
        while self.executor.running and (left := when - time.monotonic()) > 0:
            if fd is not None:
                select.select([fd], [], [], left)
            else:
                time.sleep(min(left, self.executor.poll_interval or 0.1))
            outcomes = self.executor.collect_outcomes()
            if outcomes:
                self.handle([self._explained(outcome) for outcome in outcomes])

    def _explained(self, outcome: TaskOutcome) -> TaskOutcome:
        """A try killed here says why in its log, not just which signal."""
        if not self.killed or outcome.detail or outcome.reason != "exited":
            return outcome
        code = outcome.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        return replace(
            outcome,
            detail=f"{how}: the scheduler was stopped and its [core] shutdown_grace "
            f"({self.plan.grace:g}s) ran out",
        )
