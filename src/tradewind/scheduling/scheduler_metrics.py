"""What the scheduler tells the metrics, from numbers each pass already has.

Each function is one call from the loop: nothing here queries per task, and the one
database read (the gauges StatsD needs) happens once a heartbeat, only when StatsD is on
(Prometheus reads those gauges itself at scrape time).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from tradewind.db.engine import Database
from tradewind.db.models import DagRun
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


def runs_finished(runs: Iterable[DagRun]) -> None:
    for run in runs:
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
