"""The timetable of a stop: ``[core] shutdown_grace`` seconds from SIGTERM to exit.

A stopped scheduler (:mod:`tradewind.scheduling.shutdown`) or Celery worker
(:mod:`tradewind.execution.celery_worker`) lets running tries finish until shortly before the
grace is over, then kills them - SIGTERM, then SIGKILL - and records them failed or up for
retry, so it exits within the grace and leaves no try ``running`` behind.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds before the end of the grace when still-running tries get SIGTERM, and SIGKILL.
TERMINATE_LEAD = 3.0
KILL_LEAD = 1.0


@dataclass(frozen=True)
class ShutdownPlan:
    """When (``time.monotonic()``) each step of a shutdown that began at ``began`` happens."""

    grace: float
    terminate_at: float
    kill_at: float
    deadline: float

    @classmethod
    def starting(
        cls, began: float, grace: float, terminate_lead: float = TERMINATE_LEAD
    ) -> ShutdownPlan:
        """``terminate_lead``: seconds the process needs after its tries are killed."""
        grace = max(grace, 0.0)
        return cls(
            grace=grace,
            terminate_at=began + grace - min(terminate_lead, grace / 2),
            kill_at=began + grace - min(KILL_LEAD, grace / 4),
            deadline=began + grace,
        )
