"""``dags test --mark-success-pattern``: tries of matching tasks are recorded, not run.

Airflow's option marks the tasks whose id matches the regular expression successful instead
of running them (a sensor waiting on something that is not there on a laptop, a clean-up
step). They are marked when the scheduler queues them, that is when their upstream tasks
are done, so what runs after them waits exactly as it would have. The executor that
Tradewind's scheduler talks to is wrapped: matching workloads are recorded ``success`` here
(with a line in their log), the others go to the real executor.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.workload import TaskOutcome, Workload
from tradewind.operations.dags import wake_scheduler
from tradewind.states import TaskInstanceState as S


class MarkSuccessExecutor(BaseExecutor):
    """``inner`` runs the tries whose task id does not match ``pattern``."""

    def __init__(
        self, inner: BaseExecutor, pattern: re.Pattern[str], config: Config, db: Database
    ) -> None:
        super().__init__(config, inner.parallelism)
        self.inner = inner
        self.pattern = pattern
        self.db = db
        self.supervises_tries = inner.supervises_tries
        self.poll_interval = inner.poll_interval
        self._marked: list[TaskOutcome] = []

    def start(self) -> None:
        self.inner.start()

    def queue(self, workloads: list[Workload]) -> None:
        for workload in workloads:
            self.running[workload.key] = workload
        to_mark = [w for w in workloads if self.pattern.search(w.task_id)]
        to_run = [w for w in workloads if not self.pattern.search(w.task_id)]
        if to_run:
            self.inner.queue(to_run)
        if to_mark:
            self._mark(to_mark)
            wake_scheduler(self.db, self.config)  # their outcomes wait for the next pass

    def _submit(self, workload: Workload) -> None:  # queue() routes every workload itself
        raise NotImplementedError

    def _mark(self, workloads: list[Workload]) -> None:
        now = datetime.now(UTC)
        with self.db.session() as session:
            for workload in workloads:
                ti = session.get(
                    TaskInstance,
                    (workload.dag_id, workload.run_id, workload.task_id, workload.map_index),
                )
                if ti is None or ti.state != S.QUEUED:
                    continue
                ti.state = S.SUCCESS
                ti.try_number = workload.try_number
                ti.start_date = ti.end_date = now
                ti.duration = 0.0
                append_line(
                    log_path(self.config, *workload.key),
                    f"Marked success without running: {workload.task_id} matches "
                    f"--mark-success-pattern {self.pattern.pattern!r}",
                )
        self._marked += [TaskOutcome(w.key, "exited", 0) for w in workloads]

    def fileno(self) -> int | None:
        return self.inner.fileno()

    def _collect(self) -> list[TaskOutcome]:
        marked, self._marked = self._marked, []
        return marked + self.inner.collect_outcomes()

    def terminate_tries(self, *, force: bool = False) -> None:
        self.inner.terminate_tries(force=force)

    def end(self) -> None:
        self.inner.end()
