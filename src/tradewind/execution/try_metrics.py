"""What a try's supervisor tells the metrics when it claims and records tries.

The runner host (LocalExecutor, and each Celery pool process) is long-lived and already
holds each try's times when it claims and records it in batches: counting here costs no
query, and the short-lived try processes write no metrics files of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tradewind.observability import catalog, metrics
from tradewind.states import TaskInstanceState


def tries_started(claimed: Sequence[tuple[str, str, datetime | None]], now: datetime) -> None:
    """``claimed``: each started try's (dag_id, task_id, when its TI was queued)."""
    if not metrics.enabled():
        return
    with metrics.batch():
        for dag_id, task_id, queued_at in claimed:
            _started(dag_id, task_id, queued_at, now)


def _started(dag_id: str, task_id: str, queued_at: datetime | None, now: datetime) -> None:
    metrics.incr(catalog.TRIES_STARTED, dag_id=dag_id, task_id=task_id)
    if queued_at is not None:
        delay = max((now - queued_at).total_seconds(), 0.0)
        metrics.observe(catalog.TRY_QUEUED_DELAY, delay, dag_id=dag_id, task_id=task_id)


def tries_ended(
    results: Sequence[tuple[Any, Any, int | None]],
    ends: Sequence[tuple[str, bool]],
    now: datetime,
) -> None:
    """``results`` as :func:`~tradewind.execution.task_runner.record_results` takes them
    (``(started, result, pid)``), ``ends`` as it found them (``(state, recorded)``)."""
    if not metrics.enabled():
        return
    with metrics.batch():
        for (started, _, _), (state, recorded) in zip(results, ends, strict=True):
            if recorded:
                try_ended(started.dag_id, started.task_id, state, started.start_date, now)


def try_ended(dag_id: str, task_id: str, state: str, started_at: datetime, now: datetime) -> None:
    metrics.incr(catalog.TRIES_FINISHED, dag_id=dag_id, task_id=task_id, state=state)
    if state == TaskInstanceState.SUCCESS:
        metrics.incr(catalog.TI_SUCCESSES)
    elif state == TaskInstanceState.FAILED:
        metrics.incr(catalog.TI_FAILURES)
    seconds = max((now - started_at).total_seconds(), 0.0)
    metrics.observe(catalog.TRY_DURATION, seconds, dag_id=dag_id, task_id=task_id)
