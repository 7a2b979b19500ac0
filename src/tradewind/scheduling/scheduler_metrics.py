"""What the scheduler tells the metrics, from numbers each pass already has.

Each function is one call from the loop: nothing here queries per task, and the one
database read (the gauges StatsD needs) happens once a heartbeat, only when StatsD is on
(Prometheus reads those gauges itself at scrape time).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, RunType
from tradewind.execution.workload import Workload
from tradewind.observability import catalog, metrics
from tradewind.observability.snapshot import send_to_statsd
from tradewind.scheduling.gauges import read_gauges

log = logging.getLogger(__name__)


_last_open_slots: list[int] = []  # the gauge as last set: set again only when it moves


def pass_done(seconds: float, admitted: int, open_slots: int) -> None:
    if not metrics.enabled():
        return
    with metrics.batch():
        metrics.observe(catalog.SCHEDULER_PASS, seconds)
        metrics.observe(catalog.TRIES_ADMITTED, admitted)
        if _last_open_slots != [open_slots]:
            _last_open_slots[:] = [open_slots]
            metrics.gauge(catalog.EXECUTOR_OPEN_SLOTS, open_slots)


def runs_created(count: int) -> None:
    if count:
        metrics.incr(catalog.RUNS_CREATED, count)


#: Scheduled runs this pass started (not committed yet): when each was due (its data
#: interval's end), by (dag_id, run_id). A pass the database refuses leaves nothing here.
_started_this_pass: dict[tuple[str, str], datetime] = {}
#: Scheduled runs this scheduler started whose first task it has not queued yet.
_awaiting_first_task: dict[tuple[str, str], datetime] = {}
#: Kept at most (runs that never queue a task leave when they finish).
MAX_AWAITING = 10_000


def pass_begins() -> None:
    _started_this_pass.clear()


def run_started(run: DagRun) -> None:
    """A run went from queued to running (in the pass's transaction)."""
    due = run.data_interval_end
    if run.run_type == RunType.SCHEDULED and due is not None and metrics.enabled():
        _started_this_pass[run.dag_id, run.run_id] = due


def pass_committed(workloads: Sequence[Workload], now: datetime) -> None:
    """The pass's runs started and its tasks queued: each scheduled run's delay to its
    start, and to its first task queued (Airflow's ``schedule_delay`` and
    ``first_task_scheduling_delay``)."""
    if not _started_this_pass and not _awaiting_first_task:
        return
    with metrics.batch():
        for (dag_id, run_id), due in _started_this_pass.items():
            metrics.observe(catalog.DAG_RUN_SCHEDULE_DELAY, _seconds(now, due), dag_id=dag_id)
            if len(_awaiting_first_task) >= MAX_AWAITING:
                _awaiting_first_task.clear()
            _awaiting_first_task[dag_id, run_id] = due
        _started_this_pass.clear()
        for workload in workloads:
            was_due = _awaiting_first_task.pop((workload.dag_id, workload.run_id), None)
            if was_due is not None:
                seconds = _seconds(now, was_due)
                metrics.observe(catalog.DAG_RUN_FIRST_TASK_DELAY, seconds, dag_id=workload.dag_id)


def _seconds(now: datetime, since: datetime) -> float:
    return max((now - since).total_seconds(), 0.0)


def runs_finished(runs: Iterable[DagRun]) -> None:
    for run in runs:
        _awaiting_first_task.pop((run.dag_id, run.run_id), None)
        if run.start_date is not None and run.end_date is not None:
            seconds = (run.end_date - run.start_date).total_seconds()
            metrics.observe(
                catalog.DAG_RUN_DURATION, seconds, dag_id=run.dag_id, state=str(run.state)
            )


def zombies_found(count: int) -> None:
    if count:
        metrics.incr(catalog.ZOMBIES, count)


def heartbeat(database: Database, now: datetime, *, statsd_gauges: bool) -> None:
    """Count the heartbeat; with StatsD on, send it the database's gauges too."""
    metrics.incr(catalog.SCHEDULER_HEARTBEATS)
    if not statsd_gauges or not metrics.enabled():
        return
    try:
        with database.read_session() as session:
            snapshot = read_gauges(session, now)
    except Exception:
        log.warning("could not read the gauges for StatsD", exc_info=True)
        return
    send_to_statsd(snapshot)
