"""Recording dataset events, queueing the DAGs they concern, and reading events back.

A try's success records one event per outlet in the same transaction as the success
itself, so a consumer is queued if and only if the producer's success is recorded. The API's
external events go through :func:`record_events` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.dataset_events import DatasetEventInfo
from tradewind.dagfiles.dataset_references import (
    ensure_aliases,
    ensure_datasets,
    insert_ignoring_duplicates,
)
from tradewind.db.engine import Database
from tradewind.db.models import (
    DagModel,
    DagRun,
    DagRunDatasetEvent,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
)


def record_events(
    session: Session,
    events: Iterable[dict[str, Any]],
    now: datetime,
    *,
    source: tuple[str, str, str] | None = None,
    map_index: int = -1,
) -> list[int]:
    """Record ``{"uri", "extra", "aliases"}`` events; queue their consuming DAGs.

    ``source`` is the producing (dag_id, run_id, task_id), ``None`` for an external event.
    Returns the new events' ids.
    """
    items = list(events)
    if not items:
        return []
    ids = ensure_datasets(session, (item["uri"] for item in items), now)
    alias_names = {name for item in items for name in item.get("aliases", ())}
    alias_ids = ensure_aliases(session, alias_names)
    dag_id, run_id, task_id = source if source is not None else (None, None, None)
    rows = []
    for item in items:
        row = DatasetEvent(
            dataset_id=ids[item["uri"]],
            extra=dict(item.get("extra") or {}),
            source_dag_id=dag_id,
            source_task_id=task_id,
            source_run_id=run_id,
            source_map_index=map_index,
            source_aliases=list(item.get("aliases", ())),
            timestamp=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    _resolve_aliases(session, items, ids, alias_ids)
    for dataset_id in {ids[item["uri"]] for item in items}:
        dataset = session.get(DatasetModel, dataset_id)
        if dataset is not None:
            dataset.updated_at = now
    _queue_consumers(session, items, ids, alias_ids, now)
    return [row.id for row in rows]


def _resolve_aliases(
    session: Session, items: list[dict[str, Any]], ids: dict[str, int], alias_ids: dict[str, int]
) -> None:
    pairs = {
        (alias_ids[name], ids[item["uri"]]) for item in items for name in item.get("aliases", ())
    }
    insert_ignoring_duplicates(
        session,
        DatasetAliasDataset,
        [{"alias_id": a, "dataset_id": d} for a, d in sorted(pairs)],
        ["alias_id", "dataset_id"],
    )


def _queue_consumers(
    session: Session,
    items: list[dict[str, Any]],
    ids: dict[str, int],
    alias_ids: dict[str, int],
    now: datetime,
) -> None:
    """A queue row per (consuming DAG, updated dataset): the DAG's "updated since" marks."""
    dataset_ids = {ids[item["uri"]] for item in items}
    targets: set[tuple[str, int]] = set(
        (dag_id, dataset_id)
        for dag_id, dataset_id in session.execute(
            select(DagScheduleDatasetReference.dag_id, DagScheduleDatasetReference.dataset_id)
            .join(DagModel, DagModel.dag_id == DagScheduleDatasetReference.dag_id)
            .where(
                DagScheduleDatasetReference.dataset_id.in_(dataset_ids),
                DagModel.is_active.is_(True),
            )
        ).all()
    )
    by_alias = {
        alias_ids[name]: ids[item["uri"]] for item in items for name in item.get("aliases", ())
    }
    if by_alias:
        for dag_id, alias_id in session.execute(
            select(
                DagScheduleDatasetAliasReference.dag_id, DagScheduleDatasetAliasReference.alias_id
            )
            .join(DagModel, DagModel.dag_id == DagScheduleDatasetAliasReference.dag_id)
            .where(
                DagScheduleDatasetAliasReference.alias_id.in_(by_alias),
                DagModel.is_active.is_(True),
            )
        ).all():
            targets.add((dag_id, by_alias[alias_id]))
    insert_ignoring_duplicates(
        session,
        DatasetDagRunQueue,
        [
            {"target_dag_id": dag_id, "dataset_id": dataset_id, "created_at": now}
            for dag_id, dataset_id in sorted(targets)
        ],
        ["dataset_id", "target_dag_id"],
    )


# --- reading events back (a task's inlet_events and triggering_dataset_events) --------------


def _info(event: DatasetEvent, uri: str) -> DatasetEventInfo:
    return DatasetEventInfo(
        id=event.id,
        uri=uri,
        extra=dict(event.extra or {}),
        timestamp=event.timestamp,
        source_dag_id=event.source_dag_id,
        source_task_id=event.source_task_id,
        source_run_id=event.source_run_id,
        source_map_index=event.source_map_index,
        source_aliases=tuple(event.source_aliases or ()),
    )


def events_of_dataset(session: Session, uri: str) -> list[DatasetEventInfo]:
    rows = session.execute(
        select(DatasetEvent, DatasetModel.uri)
        .join(DatasetModel, DatasetModel.id == DatasetEvent.dataset_id)
        .where(DatasetModel.uri == uri)
        .order_by(DatasetEvent.timestamp, DatasetEvent.id)
    ).all()
    return [_info(event, found) for event, found in rows]


def events_of_alias(session: Session, name: str) -> list[DatasetEventInfo]:
    """Events added through the alias ``name`` (the datasets it resolved to, filtered)."""
    rows = session.execute(
        select(DatasetEvent, DatasetModel.uri)
        .join(DatasetModel, DatasetModel.id == DatasetEvent.dataset_id)
        .join(DatasetAliasDataset, DatasetAliasDataset.dataset_id == DatasetEvent.dataset_id)
        .join(DatasetAliasModel, DatasetAliasModel.id == DatasetAliasDataset.alias_id)
        .where(DatasetAliasModel.name == name)
        .order_by(DatasetEvent.timestamp, DatasetEvent.id)
    ).all()
    return [_info(event, uri) for event, uri in rows if name in (event.source_aliases or ())]


def triggering_events_of_run(
    session: Session, dag_id: str, run_id: str
) -> dict[str, list[DatasetEventInfo]]:
    rows = session.execute(
        select(DatasetEvent, DatasetModel.uri)
        .join(DatasetModel, DatasetModel.id == DatasetEvent.dataset_id)
        .join(DagRunDatasetEvent, DagRunDatasetEvent.event_id == DatasetEvent.id)
        .join(DagRun, DagRun.id == DagRunDatasetEvent.dag_run_id)
        .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        .order_by(DatasetEvent.timestamp, DatasetEvent.id)
    ).all()
    found: dict[str, list[DatasetEventInfo]] = {}
    for event, uri in rows:
        found.setdefault(uri, []).append(_info(event, uri))
    return found


class DatabaseEventSource:
    """The :class:`~tradewind.authoring.dataset_events.EventSource` of a running try."""

    def __init__(self, database: Database, dag_id: str, run_id: str) -> None:
        self._database = database
        self._dag_id = dag_id
        self._run_id = run_id

    def events_of(self, uri: str) -> list[DatasetEventInfo]:
        with self._database.session() as session:
            return events_of_dataset(session, uri)

    def triggering_events(self) -> dict[str, list[DatasetEventInfo]]:
        with self._database.session() as session:
            return triggering_events_of_run(session, self._dag_id, self._run_id)

    def events_of_alias(self, name: str) -> list[DatasetEventInfo]:
        with self._database.session() as session:
            return events_of_alias(session, name)
