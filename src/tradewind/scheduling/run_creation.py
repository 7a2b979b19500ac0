"""Creating scheduled dag runs from each DAG's timetable.

A run for a data interval is created once the interval has ended (``run_after``). The last
automated run's interval is the anchor, so a restart, a pause or a changed schedule never
creates a run twice; ``catchup`` is the timetable's business (all missed intervals, or only
the latest). Creation stops while the DAG has ``max_active_runs`` queued or running runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.authoring.schedules import DagRunInfo, DataInterval, PlannedTimetable
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import DagModel, DagRun, DagRunState, RunType


def scheduled_run_id(logical_date: datetime) -> str:
    return f"scheduled__{logical_date.isoformat()}"


def max_active_runs(sdag: SerializedDAG, default: int) -> int:
    return sdag.max_active_runs if sdag.max_active_runs is not None else default


def active_run_counts(session: Session, dag_ids: Iterable[str]) -> dict[str, int]:
    ids = list(dag_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(DagRun.dag_id, func.count())
        .where(
            DagRun.dag_id.in_(ids),
            DagRun.state.in_((DagRunState.QUEUED, DagRunState.RUNNING)),
        )
        .group_by(DagRun.dag_id)
    ).all()
    return {dag_id: count for dag_id, count in rows}


def last_automated_interval(session: Session, dag_id: str) -> DataInterval | None:
    row = session.execute(
        select(DagRun.data_interval_start, DagRun.data_interval_end, DagRun.execution_date)
        .where(
            DagRun.dag_id == dag_id,
            DagRun.run_type.in_((RunType.SCHEDULED, RunType.BACKFILL)),
        )
        .order_by(DagRun.execution_date.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    start = row.data_interval_start or row.execution_date
    end = row.data_interval_end or row.execution_date
    return DataInterval(start, end)


def create_runs_for_dag(
    session: Session,
    dag: DagModel,
    sdag: SerializedDAG,
    *,
    now: datetime,
    active: int,
    max_active: int,
    max_to_create: int,
) -> tuple[int, bool, bool]:
    """Create the due runs of one DAG; update its ``next_dagrun*`` columns.

    Returns (runs created, blocked by max_active_runs, wants a new plan): the last is true
    for a user's timetable whose planned runs are running out (its file should be parsed
    again, which plans the next ones).
    """
    last = last_automated_interval(session, dag.dag_id)
    info = sdag.next_dagrun_info(last_automated_data_interval=last, now=now)
    created = 0
    blocked = False
    taken: set[datetime] | None = None
    while info is not None and info.run_after <= now:
        if active >= max_active:
            blocked = True
            break
        if created >= max_to_create:
            break
        if taken is None:
            taken = _existing_dates(session, dag.dag_id)
        if info.logical_date not in taken:
            session.add(_new_run(dag.dag_id, info, now))
            last = info.data_interval
            taken.add(info.logical_date)
            created += 1
            active += 1
        info = sdag.next_dagrun_info(last_automated_data_interval=info.data_interval, now=now)
    _store_next(dag, info)
    planned = sdag.timetable
    replan = isinstance(planned, PlannedTimetable) and planned.running_low(last)
    return created, blocked, replan


def _existing_dates(session: Session, dag_id: str) -> set[datetime]:
    return set(session.scalars(select(DagRun.execution_date).where(DagRun.dag_id == dag_id)))


def _new_run(dag_id: str, info: DagRunInfo, now: datetime) -> DagRun:
    return DagRun(
        dag_id=dag_id,
        run_id=scheduled_run_id(info.logical_date),
        execution_date=info.logical_date,
        data_interval_start=info.data_interval.start,
        data_interval_end=info.data_interval.end,
        state=DagRunState.QUEUED,
        run_type=RunType.SCHEDULED,
        external_trigger=False,
        queued_at=now,
        triggered_by="scheduler",
    )


def _store_next(dag: DagModel, info: DagRunInfo | None) -> None:
    if info is None:
        dag.next_dagrun = None
        dag.next_dagrun_data_interval_start = None
        dag.next_dagrun_data_interval_end = None
        dag.next_dagrun_create_after = None
        return
    dag.next_dagrun = info.logical_date
    dag.next_dagrun_data_interval_start = info.data_interval.start
    dag.next_dagrun_data_interval_end = info.data_interval.end
    dag.next_dagrun_create_after = info.run_after
