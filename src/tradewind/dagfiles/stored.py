"""A DAG as the last sync stored it: read back from the ``serialized_dag`` table.

Everything that must not import user code (scheduler, task runner bookkeeping, operations,
the webserver) works from this; :class:`~tradewind.scheduling.dag_cache.SerializedDagCache`
adds a per-hash cache for the scheduler's hot loop.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import SerializedDagModel
from tradewind.exceptions import DagNotFound


def load_serialized_dag(session: Session, dag_id: str) -> SerializedDAG:
    row = session.get(SerializedDagModel, dag_id)
    if row is None:
        raise DagNotFound(f"DAG {dag_id!r} not found (has the DAG folder been parsed?)")
    return SerializedDAG.from_dict(row.data)
