"""Which DAGs are scheduled on which datasets, and which tasks update them.

Written by the DAG folder sync from the serialized DAGs, so the scheduler (which queues a
consuming DAG when one of its datasets is updated) and the Datasets page never import DAG
files. The helpers creating dataset and alias rows are shared with event recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tradewind.authoring.datasets import deserialize_condition
from tradewind.db.models import (
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetModel,
    TaskOutletDatasetReference,
)


def insert_ignoring_duplicates(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """INSERT the rows whose ``keys`` are not taken yet: safe when two writers race."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(rows).on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)


def _delete_rows_of(session: Session, column: Any, dag_ids: list[str]) -> None:
    """Delete the rows of ``column``'s table whose ``column`` is one of ``dag_ids``.

    Only the ids that have rows are named: a first sync of 10,000 DAGs (nearly none with
    dataset references) would otherwise bind 10,000 parameters per statement.
    """
    if not dag_ids:
        return
    having = set(session.scalars(select(column).distinct()))
    doomed = sorted(having.intersection(dag_ids))
    if doomed:
        session.execute(delete(column.class_).where(column.in_(doomed)))


def ensure_datasets(
    session: Session, uris: Iterable[str], now: datetime, extras: dict[str, Any] | None = None
) -> dict[str, int]:
    """The ids of these datasets, created where missing."""
    wanted = sorted(set(uris))
    if not wanted:
        return {}
    existing = _dataset_ids(session, wanted)
    missing = [uri for uri in wanted if uri not in existing]
    insert_ignoring_duplicates(
        session,
        DatasetModel,
        [
            {
                "uri": uri,
                "extra": (extras or {}).get(uri) or {},
                "created_at": now,
                "updated_at": now,
            }
            for uri in missing
        ],
        ["uri"],
    )
    return existing | _dataset_ids(session, missing) if missing else existing


def _dataset_ids(session: Session, uris: list[str]) -> dict[str, int]:
    if not uris:
        return {}
    rows = session.execute(
        select(DatasetModel.uri, DatasetModel.id).where(DatasetModel.uri.in_(uris))
    ).all()
    return {uri: dataset_id for uri, dataset_id in rows}


def ensure_aliases(session: Session, names: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(names))
    if not wanted:
        return {}
    insert_ignoring_duplicates(
        session, DatasetAliasModel, [{"name": name} for name in wanted], ["name"]
    )
    rows = session.execute(
        select(DatasetAliasModel.name, DatasetAliasModel.id).where(
            DatasetAliasModel.name.in_(wanted)
        )
    ).all()
    return {name: alias_id for name, alias_id in rows}


def write_references(
    session: Session, serialized: dict[str, dict[str, Any]], now: datetime
) -> None:
    """Replace the dataset references of these (new or changed) serialized DAGs."""
    if not serialized:
        return
    dag_ids = sorted(serialized)
    for model in (
        DagScheduleDatasetReference,
        DagScheduleDatasetAliasReference,
        TaskOutletDatasetReference,
    ):
        _delete_rows_of(session, model.dag_id, dag_ids)
    no_longer_waiting = [
        d for d in dag_ids if not serialized[d].get("timetable", {}).get("condition")
    ]
    # a DAG no longer scheduled on datasets has nothing queued
    _delete_rows_of(session, DatasetDagRunQueue.target_dag_id, no_longer_waiting)
    schedules, aliases, outlets = _references(serialized)
    uris = {uri for _, uri in schedules} | {uri for _, _, uri in outlets}
    extras = _dataset_extras(serialized)
    ids = ensure_datasets(session, uris, now, extras)
    alias_ids = ensure_aliases(session, {name for _, name in aliases})
    rows = [{"dag_id": d, "dataset_id": ids[u], "created_at": now} for d, u in sorted(schedules)]
    if rows:
        session.execute(insert(DagScheduleDatasetReference), rows)
    alias_rows = [
        {"dag_id": d, "alias_id": alias_ids[n], "created_at": now} for d, n in sorted(aliases)
    ]
    if alias_rows:
        session.execute(insert(DagScheduleDatasetAliasReference), alias_rows)
    outlet_rows = [
        {"dag_id": d, "task_id": t, "dataset_id": ids[u], "created_at": now}
        for d, t, u in sorted(outlets)
    ]
    if outlet_rows:
        session.execute(insert(TaskOutletDatasetReference), outlet_rows)


def _references(
    serialized: dict[str, dict[str, Any]],
) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[tuple[str, str, str]]]:
    schedules: set[tuple[str, str]] = set()
    aliases: set[tuple[str, str]] = set()
    outlets: set[tuple[str, str, str]] = set()
    for dag_id, data in serialized.items():
        condition = data.get("timetable", {}).get("condition")
        if condition:
            parsed = deserialize_condition(condition)
            schedules |= {(dag_id, dataset.uri) for dataset in parsed.iter_datasets()}
            aliases |= {(dag_id, alias.name) for alias in parsed.iter_aliases()}
        for task in data.get("tasks", []):
            for item in task.get("outlets") or []:
                if isinstance(item, dict) and item.get("__type") == "dataset":
                    outlets.add((dag_id, task["task_id"], item["uri"]))
    return schedules, aliases, outlets


def _dataset_extras(serialized: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A dataset's ``extra`` as a DAG declares it, kept on the dataset row when created."""
    extras: dict[str, Any] = {}
    for data in serialized.values():
        for task in data.get("tasks", []):
            for item in task.get("outlets") or []:
                if isinstance(item, dict) and item.get("__type") == "dataset" and item.get("extra"):
                    extras.setdefault(item["uri"], item["extra"])
    return extras
