"""Failing a try: retry when tries are left, else fail. Shared by the runner and scheduler.

The task runner calls it when the task raised; the scheduler calls it when a try's process
vanished without writing a final state (killed, crashed, timed out, a dead machine).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from tradewind.authoring.retries import next_retry_at
from tradewind.db.models import TaskInstance, TaskInstanceState


class RetrySettings(Protocol):
    """What a live operator, a ``SerializedTask`` and a ``RetryPolicy`` offer.

    Read-only properties, so frozen dataclasses satisfy it as well as plain attributes do.
    """

    @property
    def retry_delay(self) -> timedelta: ...

    @property
    def retry_exponential_backoff(self) -> bool: ...

    @property
    def max_retry_delay(self) -> timedelta | None: ...


def fail_try(
    ti: TaskInstance, task: RetrySettings | None, now: datetime, *, allow_retry: bool = True
) -> str:
    """Move ``ti`` (whose current try failed) to ``up_for_retry`` or ``failed``; return it."""
    ti.end_date = now
    if ti.start_date is not None:
        ti.duration = max((now - ti.start_date).total_seconds(), 0.0)
    ti.updated_at = now
    if allow_retry and task is not None and ti.try_number <= ti.max_tries:
        ti.state = TaskInstanceState.UP_FOR_RETRY
        ti.next_retry_at = next_retry_at(
            end_date=now,
            try_number=max(ti.try_number, 1),
            retry_delay=task.retry_delay,
            retry_exponential_backoff=task.retry_exponential_backoff,
            max_retry_delay=task.max_retry_delay,
            task_key=f"{ti.dag_id}/{ti.task_id}/{ti.run_id}",
        )
    else:
        ti.state = TaskInstanceState.FAILED
        ti.next_retry_at = None
    return ti.state
