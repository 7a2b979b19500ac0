"""LocalExecutor: up to ``[core] parallelism`` tries at once, each in its own process.

Tries are forked from warm processes (see :mod:`tradewind.execution.runner_host`), so a
try starts in about a millisecond instead of paying for a fresh interpreter.
"""

from __future__ import annotations

import threading

from tradewind.config import Config
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.runner_host import RunnerHost
from tradewind.execution.workload import TaskOutcome, Workload


class LocalExecutor(BaseExecutor):
    supervises_tries = True

    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        super().__init__(config, parallelism)
        self._lost: list[TaskOutcome] = []

    def start(self) -> None:
        # Lazy (``tradewind scheduler``, ``standalone``): an idle scheduler has no host
        # process; the first workload forks it. Eager where a thread may run by then.
        lazy = self.lazy and threading.active_count() == 1
        self._host = RunnerHost(self.config, lazy=lazy)
        self._host.start()

    def _submit(self, workload: Workload) -> None:
        if self._host.submit(workload):
            return
        # The host is gone (it died since the last pass): a new one gets this try.
        self._replace_host(sending=workload)
        if not self._host.submit(workload):
            self._lost.append(
                TaskOutcome(workload.key, "start_failed", None, "runner host is gone")
            )

    def fileno(self) -> int | None:
        return self._host.fileno()

    def _collect(self) -> list[TaskOutcome]:
        outcomes, self._lost = self._lost + self._host.outcomes(), []
        if not self._host.alive:
            self._lost = outcomes
            self._replace_host()
            outcomes, self._lost = self._lost, []
        return outcomes

    def _replace_host(self, sending: Workload | None = None) -> None:
        """The host died: what it reported is kept, every other try it had is reported
        died, and a new host takes its place (forked now, or by the next workload if lazy).
        Also when it died idle, so the next try neither fails nor waits for a pass."""
        self._lost += self._host.outcomes()
        reported = {outcome.key for outcome in self._lost}
        self._lost += [
            TaskOutcome(key, "exited", None, "the runner host died")
            for key in self.running
            if key not in reported and (sending is None or key != sending.key)
        ]
        self._host.stop()
        self.start()

    def terminate_tries(self, *, force: bool = False) -> None:
        self._host.terminate_tries(force=force)

    def end(self) -> None:
        self._host.stop()
