"""LocalExecutor: up to ``[core] parallelism`` tries at once, each in its own process.

Tries are forked from warm processes (see :mod:`tradewind.execution.runner_host`), so a
try starts in about a millisecond instead of paying for a fresh interpreter.
"""

from __future__ import annotations

from tradewind.config import Config
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.runner_host import RunnerHost
from tradewind.execution.workload import TaskOutcome, Workload


class LocalExecutor(BaseExecutor):
    supervises_tries = True

    def start(self) -> None:
        self._host = RunnerHost(self.config)
        self._host.start()

    def _submit(self, workload: Workload) -> None:
        if not self._host.submit(workload):
            self._lost.append(
                TaskOutcome(workload.key, "start_failed", None, "runner host is gone")
            )

    _lost: list[TaskOutcome]

    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        super().__init__(config, parallelism)
        self._lost = []

    def fileno(self) -> int | None:
        return self._host.fileno()

    def _collect(self) -> list[TaskOutcome]:
        outcomes, self._lost = self._lost + self._host.outcomes(), []
        if not self._host.alive and self.running:
            # The host died: every try it had is unaccounted for; restart it for new work.
            outcomes += [
                TaskOutcome(key, "exited", None, "the runner host died")
                for key in self.running
                if all(o.key != key for o in outcomes)
            ]
            self._host.stop()
            self.start()
        return outcomes

    def terminate_tries(self, *, force: bool = False) -> None:
        self._host.terminate_tries(force=force)

    def end(self) -> None:
        self._host.stop()
