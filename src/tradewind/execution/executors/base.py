"""The executor interface: queue workloads, report outcomes, stop.

An executor never touches the database: it gets :class:`Workload` s (ids and how to run)
and reports :class:`TaskOutcome` s (a try's process ended). The task runner, wherever the
executor starts it, records states itself. A new executor (Celery, Kubernetes...) is one
more subclass in one more file, registered in :data:`tradewind.execution.executors.EXECUTORS`.

The scheduler blocks in ``select()`` on :meth:`BaseExecutor.fileno` (when not ``None``)
together with its wake-up channel, so outcomes are handled the moment they arrive. An
executor without a file descriptor is polled every :attr:`poll_interval` seconds instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from tradewind.config import Config
from tradewind.execution.workload import TaskKey, TaskOutcome, Workload


class BaseExecutor(ABC):
    #: For executors without a file descriptor to wait on: seconds between polls.
    poll_interval: float | None = None
    #: Whether its tries run under this process (and must end before it exits), rather
    #: than elsewhere (Celery workers), where they carry on and record their states.
    supervises_tries: bool = False

    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        self.config = config
        #: Whether :meth:`start` may leave starting its processes to the first workload,
        #: which then forks this process mid-life: only where no other thread runs by then
        #: (``tradewind scheduler`` sets it, see :func:`~.load_executor`).
        self.lazy = False
        self.parallelism = int(parallelism or config.get("core", "parallelism"))
        #: Tries queued or running, until their outcome is collected.
        self.running: dict[TaskKey, Workload] = {}

    @property
    def open_slots(self) -> int:
        """How many more workloads the scheduler may queue now (``[core] parallelism``)."""
        return max(self.parallelism - len(self.running), 0)

    @abstractmethod
    def start(self) -> None:
        """Get ready; called before the scheduler opens database connections (a lazy
        executor may fork its processes later, at the first workload)."""

    def queue(self, workloads: list[Workload]) -> None:
        """Start these tries (they are ``queued`` in the database already)."""
        for workload in workloads:
            self.running[workload.key] = workload
            self._submit(workload)

    @abstractmethod
    def _submit(self, workload: Workload) -> None: ...

    def fileno(self) -> int | None:
        """Readable when outcomes may be waiting; ``None`` to be polled."""
        return None

    def collect_outcomes(self) -> list[TaskOutcome]:
        """Outcomes that arrived since the last call; frees their slots."""
        outcomes = self._collect()
        for outcome in outcomes:
            self.running.pop(outcome.key, None)
        return outcomes

    @abstractmethod
    def _collect(self) -> list[TaskOutcome]: ...

    def terminate_tries(self, *, force: bool = False) -> None:
        """Shutting down: kill the tries this process supervises (SIGTERM; SIGKILL if
        ``force``). Their outcomes arrive as usual. Nothing to do for tries run elsewhere."""
        return

    @abstractmethod
    def end(self) -> None:
        """Stop accepting work. Tries still running (run elsewhere, or outliving a stop
        without :meth:`terminate_tries`) finish on their own and record their state."""
