"""The database's side of the gauges: a handful of aggregate queries, never one per row.

Read by ``/metrics`` at each scrape (through ``operations.metrics``) and by the scheduler
once a heartbeat when StatsD is on; either way a few grouped counts, not a query per task.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tradewind.db.models import DagFile, DagModel, ImportErrorModel, Job, Pool, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.observability.snapshot import GaugeSnapshot, PoolSlots, SchedulerBeat
from tradewind.scheduling.recovery import JOB_TYPE
from tradewind.states import JobState

UNLIMITED = -1


def read_gauges(session: Session | Connection, now: datetime) -> GaugeSnapshot:
    slots: dict[tuple[str, str | None], int] = {}
    tries: dict[str | None, int] = {S.QUEUED: 0, S.RUNNING: 0}
    for pool, state, count, taken in session.execute(
        select(
            TaskInstance.pool,
            TaskInstance.state,
            func.count(),
            func.sum(TaskInstance.pool_slots),
        )
        .where(TaskInstance.state.in_((S.QUEUED, S.RUNNING)))
        .group_by(TaskInstance.pool, TaskInstance.state)
    ):
        tries[state] += int(count)
        slots[pool, state] = int(taken or 0)
    return GaugeSnapshot(
        tries_queued=tries[S.QUEUED],
        tries_running=tries[S.RUNNING],
        dags=int(session.scalar(select(func.count()).where(DagModel.is_active.is_(True))) or 0),
        import_errors=int(
            session.scalar(select(func.count(func.distinct(ImportErrorModel.filename)))) or 0
        ),
        parse_seconds=dict(session.execute(select(DagFile.fileloc, DagFile.parse_duration)).all()),
        pools=[
            _slots(name, total, slots)
            for name, total in session.execute(select(Pool.pool, Pool.slots).order_by(Pool.pool))
        ],
        schedulers=[
            SchedulerBeat(job_id, hostname, max((now - beat).total_seconds(), 0.0))
            for job_id, hostname, beat in session.execute(
                select(Job.id, Job.hostname, Job.latest_heartbeat).where(
                    Job.job_type == JOB_TYPE, Job.state == JobState.RUNNING
                )
            )
        ],
    )


def _slots(name: str, total: int, taken: dict[tuple[str, str | None], int]) -> PoolSlots:
    running, queued = taken.get((name, S.RUNNING), 0), taken.get((name, S.QUEUED), 0)
    free = UNLIMITED if total == UNLIMITED else total - running - queued
    return PoolSlots(pool=name, open=free, running=running, queued=queued)
