"""Serialized DAGs for the scheduler, rebuilt only when their hash changes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import SerializedDagModel


class SerializedDagCache:
    """dag_id -> SerializedDAG; one cheap (dag_id, hash) query per call, JSON only on change."""

    def __init__(self) -> None:
        self._dags: dict[str, tuple[str, SerializedDAG, str]] = {}

    def get_many(self, session: Session, dag_ids: Iterable[str]) -> dict[str, SerializedDAG]:
        wanted = set(dag_ids)
        if not wanted:
            return {}
        rows = session.execute(
            select(SerializedDagModel.dag_id, SerializedDagModel.dag_hash).where(
                SerializedDagModel.dag_id.in_(wanted)
            )
        ).all()
        stale = [dag_id for dag_id, digest in rows if self._dags.get(dag_id, ("",))[0] != digest]
        if stale:
            for row in session.scalars(
                select(SerializedDagModel).where(SerializedDagModel.dag_id.in_(stale))
            ):
                try:
                    self._dags[row.dag_id] = (
                        row.dag_hash,
                        SerializedDAG.from_dict(row.data),
                        row.fileloc,
                    )
                except Exception:  # unreadable (older format): treat as missing until re-parsed
                    self._dags.pop(row.dag_id, None)
        present = {dag_id for dag_id, _ in rows}
        return {d: self._dags[d][1] for d in wanted if d in present and d in self._dags}

    def fileloc(self, dag_id: str) -> str | None:
        entry = self._dags.get(dag_id)
        if entry is None:
            return None
        return entry[1].fileloc or entry[2]
