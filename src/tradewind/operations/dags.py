"""DAGs as the API sees them: existence, pause state, source code, deletion, the list."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, CursorResult, delete, select
from sqlalchemy.orm import Session

from tradewind.db.models import (
    DagFile,
    DagModel,
    DagRun,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetDagRunQueue,
    ImportErrorModel,
    SerializedDagModel,
    TaskInstance,
    TaskOutletDatasetReference,
    TaskReschedule,
    XCom,
)
from tradewind.exceptions import BadRequest, DagNotFound, NotFound
from tradewind.operations import audit

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.dagfiles.serialization import SerializedDAG
    from tradewind.db.engine import Database


def dag_not_found(dag_id: str) -> DagNotFound:
    return DagNotFound(f"Dag id {dag_id} not found")


def require_dag(session: Session, dag_id: str) -> DagModel:
    """The DAG's row, or :class:`DagNotFound` (404)."""
    dag = session.get(DagModel, dag_id)
    if dag is None:
        raise dag_not_found(dag_id)
    return dag


def dag_exists(connection: Session | Connection, dag_id: str) -> bool:
    query = select(DagModel.dag_id).where(DagModel.dag_id == dag_id)
    return connection.execute(query).first() is not None


def require_dag_exists(connection: Session | Connection, dag_id: str) -> None:
    """:func:`require_dag` for callers that need no column of the row (cheaper)."""
    if not dag_exists(connection, dag_id):
        raise dag_not_found(dag_id)


# Parsing JSON into a SerializedDAG costs more than reading it: keep the last one per DAG,
# keyed by its hash so a re-parsed DAG is picked up at once.
_cache: dict[str, tuple[str, SerializedDAG]] = {}
_cache_lock = threading.Lock()


def get_serialized_dag(session: Session, dag_id: str) -> SerializedDAG:
    """The DAG's structure (tasks, timetable) from the ``serialized_dag`` table."""
    from tradewind.dagfiles.serialization import SerializedDAG

    dag_hash = session.scalar(
        select(SerializedDagModel.dag_hash).where(SerializedDagModel.dag_id == dag_id)
    )
    if dag_hash is None:
        raise dag_not_found(dag_id)
    cached = _cache.get(dag_id)
    if cached is not None and cached[0] == dag_hash:
        return cached[1]
    data = session.scalar(
        select(SerializedDagModel.data).where(SerializedDagModel.dag_id == dag_id)
    )
    if data is None:  # deleted since the hash was read
        raise dag_not_found(dag_id)
    dag = SerializedDAG.from_dict(data)
    with _cache_lock:
        _cache[dag_id] = (dag_hash, dag)
    return dag


def parse_paused(text: str) -> bool:
    """The ``<paused>`` path segment: only ``true`` or ``false`` (any case)."""
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise BadRequest(f"Paused must be true or false, not {text!r}")


def is_paused(db: Database, dag_id: str) -> bool:
    with db.read_connection() as connection:
        query = select(DagModel.is_paused).where(DagModel.dag_id == dag_id)
        row = connection.execute(query).first()
    if row is None:
        raise dag_not_found(dag_id)
    return bool(row.is_paused)


def set_paused(
    db: Database, dag_id: str, paused: bool, *, actor: str, config: Config | None = None
) -> None:
    """Pause or unpause; unpausing wakes the scheduler so queued runs start at once."""
    with db.session() as session:
        dag = require_dag(session, dag_id)
        changed = bool(dag.is_paused) != paused
        dag.is_paused = paused
        audit.record(session, "pause" if paused else "unpause", actor, dag_id=dag_id)
    if changed and not paused and config is not None:
        wake_scheduler(db, config)


def wake_scheduler(db: Database, config: Config) -> None:
    """Best effort: the scheduler engineer's wake-up channel, if this build has it."""
    try:
        from tradewind.db.wakeup import notify_scheduler
    except ImportError:
        return
    notify_scheduler(db, config)


def get_dag_code(db: Database, dag_id: str) -> str:
    """The source of the file that defines the DAG, as last parsed."""
    with db.read_session() as session:
        dag = require_dag(session, dag_id)
        source = session.scalar(select(DagFile.source).where(DagFile.fileloc == dag.fileloc))
    if source is None:
        raise DagNotFound(f"Code of DAG {dag_id} not found: its file {dag.fileloc} was not parsed")
    return source


def delete_dag(db: Database, dag_id: str, *, actor: str) -> int:
    """Delete every record of the DAG (runs, task instances, XComs, its structure).

    Returns how many rows were removed. The audit log keeps its entries (and gains one).
    If the DAG file is still in the DAG folder, the DAG comes back at its next parse.
    """
    with db.session() as session:
        dag = require_dag(session, dag_id)
        fileloc = dag.fileloc
        count = 0
        for model in (XCom, TaskReschedule, TaskInstance, DagRun, SerializedDagModel, DagModel):
            result = session.execute(delete(model).where(model.dag_id == dag_id))
            count += cast(CursorResult[Any], result).rowcount or 0
        if fileloc:
            session.execute(delete(ImportErrorModel).where(ImportErrorModel.filename == fileloc))
        _delete_dataset_references(session, dag_id)
        audit.record(session, "delete", actor, dag_id=dag_id, extra={"records": count})
    with _cache_lock:
        _cache.pop(dag_id, None)
    return count


def _delete_dataset_references(session: Any, dag_id: str) -> None:
    """What ties the DAG to datasets; the datasets and their events stay (others use them)."""
    for model in (
        DagScheduleDatasetReference,
        DagScheduleDatasetAliasReference,
        TaskOutletDatasetReference,
    ):
        session.execute(delete(model).where(model.dag_id == dag_id))
    session.execute(delete(DatasetDagRunQueue).where(DatasetDagRunQueue.target_dag_id == dag_id))


def list_dags(db: Database, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Every DAG with its pause state and schedule, by id (extension endpoint, CLI)."""
    with db.read_session() as session:
        query = select(DagModel).order_by(DagModel.dag_id)
        if not include_inactive:
            query = query.where(DagModel.is_active.is_(True))
        dags = session.scalars(query).all()
        return [dag_to_dict(dag) for dag in dags]


def dag_to_dict(dag: DagModel) -> dict[str, Any]:
    return {
        "dag_id": dag.dag_id,
        "is_paused": bool(dag.is_paused),
        "is_active": bool(dag.is_active),
        "fileloc": dag.fileloc,
        "schedule": dag.schedule,
        "owners": dag.owners,
        "tags": list(dag.tags or []),
        "description": dag.description,
        "next_dagrun": dag.next_dagrun.isoformat() if dag.next_dagrun else None,
    }


def read_serialized_dag(db: Database, dag_id: str) -> SerializedDAG:
    """The DAG's structure for a reader outside a session (the stable API's details, tasks)."""
    with db.read_session() as session:
        return get_serialized_dag(session, dag_id)


def get_file_source(db: Database, fileloc: str) -> str:
    """The source of a parsed DAG file, by its path; only files the parser stored are served."""
    with db.read_connection() as connection:
        source = connection.scalar(select(DagFile.source).where(DagFile.fileloc == fileloc))
    if source is None:
        raise NotFound(f"No DAG file {fileloc} was parsed")
    return source
