"""Datasets: record an external update, and what the UI shows about datasets.

An external event (``POST /api/experimental/datasets/events``) is recorded exactly like a
producing task's: consumers are queued in the same transaction and the scheduler is woken.
As in Airflow's stable API, the dataset must already exist (a DAG names it): else 404.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.datasets import validate_uri
from tradewind.authoring.timezone import utcnow
from tradewind.db.models import (
    DagRun,
    DagRunDatasetEvent,
    DagScheduleDatasetReference,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
    TaskOutletDatasetReference,
)
from tradewind.exceptions import BadRequest, NotFound
from tradewind.execution.dataset_events import record_events
from tradewind.operations import audit
from tradewind.operations.dags import wake_scheduler

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database

#: Events listed per dataset on the Datasets page.
RECENT_EVENTS = 10


class DatasetNotFound(NotFound):
    """No dataset has this URI."""


def create_dataset_event(
    db: Database, body: dict[str, Any], *, actor: str, config: Config | None = None
) -> dict[str, Any]:
    """Record ``{"uri", "extra"}`` as an update of an existing dataset; returns the event."""
    uri, extra = _parse_event_body(body)
    now = utcnow()
    with db.session() as session:
        dataset_id = session.scalar(select(DatasetModel.id).where(DatasetModel.uri == uri))
        if dataset_id is None:
            raise DatasetNotFound(f"Dataset with uri: {uri!r} not found")
        (event_id,) = record_events(session, [{"uri": uri, "extra": extra}], now)
        audit.record(session, "dataset.create_event", actor, extra={"uri": uri})
        event = session.get(DatasetEvent, event_id)
        assert event is not None
        shown = event_json(event, uri)
    if config is not None:
        wake_scheduler(db, config)
    return shown


def _parse_event_body(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    unknown = sorted(set(body) - {"uri", "extra"})
    if unknown:
        raise BadRequest(f"Unknown field(s) in the dataset event: {', '.join(unknown)}")
    if "uri" not in body:
        raise BadRequest("The dataset event needs a 'uri'")
    try:
        uri = validate_uri(body["uri"])
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid dataset uri: {exc}") from None
    if "\x00" in uri:
        raise BadRequest("Invalid dataset uri: it contains a NUL character")
    extra = body.get("extra")
    if extra is None:
        extra = {}
    if not isinstance(extra, dict):
        raise BadRequest(
            f"'extra' must be a JSON object, not {json.dumps(extra, default=str)[:100]}"
        )
    if "\\u0000" in json.dumps(extra):
        raise BadRequest("'extra' can't contain a NUL character")
    return uri, extra


def event_json(event: DatasetEvent, uri: str) -> dict[str, Any]:
    return {
        "id": event.id,
        "dataset_id": event.dataset_id,
        "dataset_uri": uri,
        "extra": dict(event.extra or {}),
        "source_dag_id": event.source_dag_id,
        "source_task_id": event.source_task_id,
        "source_run_id": event.source_run_id,
        "source_map_index": event.source_map_index,
        "source_aliases": list(event.source_aliases or []),
        "timestamp": event.timestamp.isoformat(),
    }


# --- what the UI shows ------------------------------------------------------------------------


def list_datasets(db: Database, *, dag_id: str | None = None) -> list[dict[str, Any]]:
    """Every dataset (or those ``dag_id`` produces or consumes) with its producing tasks,
    consuming DAGs, queued consumers and latest events."""
    with db.read_session() as session:
        datasets = list(session.scalars(select(DatasetModel).order_by(DatasetModel.uri)))
        producers = _pairs(
            session,
            select(
                TaskOutletDatasetReference.dataset_id,
                TaskOutletDatasetReference.dag_id,
                TaskOutletDatasetReference.task_id,
            ),
        )
        consumers = _pairs(
            session,
            select(DagScheduleDatasetReference.dataset_id, DagScheduleDatasetReference.dag_id),
        )
        queued = _pairs(
            session, select(DatasetDagRunQueue.dataset_id, DatasetDagRunQueue.target_dag_id)
        )
        shown = []
        for dataset in datasets:
            producing = [{"dag_id": d, "task_id": t} for d, t in producers.get(dataset.id, [])]
            consuming = [d for (d,) in consumers.get(dataset.id, [])]
            if (
                dag_id is not None
                and dag_id not in consuming
                and all(p["dag_id"] != dag_id for p in producing)
            ):
                continue
            shown.append(
                {
                    "id": dataset.id,
                    "uri": dataset.uri,
                    "extra": dict(dataset.extra or {}),
                    "updated_at": dataset.updated_at.isoformat(),
                    "producing_tasks": producing,
                    "consuming_dags": consuming,
                    "queued_for": [d for (d,) in queued.get(dataset.id, [])],
                    "recent_events": _recent_events(session, dataset),
                }
            )
    return shown


def _pairs(session: Session, query: Any) -> dict[int, list[tuple[str, ...]]]:
    found: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for dataset_id, *rest in session.execute(query).all():
        found[dataset_id].append(tuple(rest))
    for rows in found.values():
        rows.sort()
    return found


def _recent_events(session: Session, dataset: DatasetModel) -> list[dict[str, Any]]:
    events = session.scalars(
        select(DatasetEvent)
        .where(DatasetEvent.dataset_id == dataset.id)
        .order_by(DatasetEvent.timestamp.desc(), DatasetEvent.id.desc())
        .limit(RECENT_EVENTS)
    )
    return [event_json(event, dataset.uri) for event in events]


def triggering_events(db: Database, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """The dataset events that triggered this run (empty for other runs)."""
    with db.read_session() as session:
        rows = session.execute(
            select(DatasetEvent, DatasetModel.uri)
            .join(DatasetModel, DatasetModel.id == DatasetEvent.dataset_id)
            .join(DagRunDatasetEvent, DagRunDatasetEvent.event_id == DatasetEvent.id)
            .join(DagRun, DagRun.id == DagRunDatasetEvent.dag_run_id)
            .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
            .order_by(DatasetEvent.timestamp, DatasetEvent.id)
        ).all()
    return [event_json(event, uri) for event, uri in rows]
