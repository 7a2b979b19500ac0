"""Creating ``dataset_triggered`` runs from the dataset-DAG run queue.

Each consuming DAG has a queue row per dataset updated since its last dataset-triggered
run (written where the update was recorded). A pass reads the queue, and for each unpaused
DAG whose dataset condition holds over its queued datasets creates one run. As in Airflow,
the run's logical date is the newest queue row's time, its data interval spans the
triggering events (their source runs' intervals where they have one), the events are linked
to the run (``triggering_dataset_events``), and the DAG's queue is emptied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from tradewind.authoring.datasets import evaluate
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import (
    DagModel,
    DagRun,
    DagRunDatasetEvent,
    DagRunState,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
    RunType,
)
from tradewind.scheduling.dag_flags import DagFlags


def dataset_run_id(logical_date: datetime) -> str:
    return f"dataset_triggered__{logical_date.isoformat()}"


def create_dataset_triggered_runs(
    session: Session,
    dags: Mapping[str, DagFlags],
    get_dags: Callable[[set[str]], dict[str, SerializedDAG]],
    now: datetime,
    *,
    postgres: bool,
) -> int:
    """Create the runs whose dataset conditions hold; returns how many."""
    queued = _queued(session)
    ready = {d for d in queued if d in dags and dags[d].is_active and not dags[d].is_paused}
    if not ready:
        return 0
    if postgres:  # another scheduler may be creating these DAGs' runs: leave those to it
        ready = set(
            session.scalars(
                select(DagModel.dag_id)
                .where(DagModel.dag_id.in_(sorted(ready)))
                .with_for_update(skip_locked=True)
            )
        )
        queued = _queued(session, ready)
    sdags = get_dags(ready)
    aliases = _alias_uris(session)
    created = 0
    for dag_id in sorted(ready):
        sdag = sdags.get(dag_id)
        condition = sdag.dataset_condition if sdag is not None else None
        rows = queued.get(dag_id, {})
        if condition is None or not evaluate(condition, set(rows), aliases):
            continue
        _create_run(session, dag_id, max(rows.values()), now)
        created += 1
    return created


def _queued(session: Session, only: set[str] | None = None) -> dict[str, dict[str, datetime]]:
    """Queued dataset URIs by consuming DAG, each with when it was queued."""
    query = select(
        DatasetDagRunQueue.target_dag_id, DatasetModel.uri, DatasetDagRunQueue.created_at
    ).join(DatasetModel, DatasetModel.id == DatasetDagRunQueue.dataset_id)
    if only is not None:
        query = query.where(DatasetDagRunQueue.target_dag_id.in_(sorted(only)))
    found: dict[str, dict[str, datetime]] = defaultdict(dict)
    for dag_id, uri, created_at in session.execute(query).all():
        found[dag_id][uri] = created_at
    return found


def _alias_uris(session: Session) -> dict[str, set[str]]:
    """Every alias with the dataset URIs events were added to it with."""
    found: dict[str, set[str]] = defaultdict(set)
    rows = session.execute(
        select(DatasetAliasModel.name, DatasetModel.uri)
        .join(DatasetAliasDataset, DatasetAliasDataset.alias_id == DatasetAliasModel.id)
        .join(DatasetModel, DatasetModel.id == DatasetAliasDataset.dataset_id)
    ).all()
    for name, uri in rows:
        found[name].add(uri)
    return found


def _create_run(session: Session, dag_id: str, logical_date: datetime, now: datetime) -> None:
    previous = session.scalar(
        select(func.max(DagRun.execution_date)).where(
            DagRun.dag_id == dag_id, DagRun.run_type == RunType.DATASET_TRIGGERED
        )
    )
    events = _triggering_events(session, dag_id, previous, logical_date)
    start, end = _data_interval(session, events, logical_date)
    run = DagRun(
        dag_id=dag_id,
        run_id=dataset_run_id(logical_date),
        execution_date=logical_date,
        data_interval_start=start,
        data_interval_end=end,
        state=DagRunState.QUEUED,
        run_type=RunType.DATASET_TRIGGERED,
        external_trigger=False,
        queued_at=now,
        triggered_by="dataset",
    )
    session.add(run)
    session.flush()
    if events:
        session.execute(
            insert(DagRunDatasetEvent),
            [{"dag_run_id": run.id, "event_id": event.id} for event in events],
        )
    session.execute(
        delete(DatasetDagRunQueue).where(
            DatasetDagRunQueue.target_dag_id == dag_id,
            DatasetDagRunQueue.created_at <= logical_date,
        )
    )


def _triggering_events(
    session: Session, dag_id: str, after: datetime | None, until: datetime
) -> list[DatasetEvent]:
    """Events of the DAG's datasets (aliases resolved) since its last dataset run."""
    direct = select(DagScheduleDatasetReference.dataset_id).where(
        DagScheduleDatasetReference.dag_id == dag_id
    )
    via_alias = (
        select(DatasetAliasDataset.dataset_id)
        .join(
            DagScheduleDatasetAliasReference,
            DagScheduleDatasetAliasReference.alias_id == DatasetAliasDataset.alias_id,
        )
        .where(DagScheduleDatasetAliasReference.dag_id == dag_id)
    )
    query = select(DatasetEvent).where(
        DatasetEvent.dataset_id.in_(direct.union(via_alias)),
        DatasetEvent.timestamp <= until,
    )
    if after is not None:
        query = query.where(DatasetEvent.timestamp > after)
    return list(session.scalars(query.order_by(DatasetEvent.timestamp, DatasetEvent.id)))


def _data_interval(
    session: Session, events: list[DatasetEvent], logical_date: datetime
) -> tuple[datetime, datetime]:
    """From the earliest to the latest triggering event, or their source runs' intervals."""
    if not events:
        return logical_date, logical_date
    keys = {(e.source_dag_id, e.source_run_id) for e in events if e.source_run_id}
    intervals: dict[tuple[str | None, str | None], tuple[datetime | None, datetime | None]] = {}
    for dag_id, run_id in keys:
        row = session.execute(
            select(DagRun.data_interval_start, DagRun.data_interval_end).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id
            )
        ).first()
        if row is not None:
            intervals[(dag_id, run_id)] = (row[0], row[1])
    starts, ends = [], []
    for event in events:
        start, end = intervals.get((event.source_dag_id, event.source_run_id), (None, None))
        starts.append(start or event.timestamp)
        ends.append(end or event.timestamp)
    return min(starts), max(ends)
