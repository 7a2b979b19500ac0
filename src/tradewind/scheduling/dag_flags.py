"""What a scheduler pass reads of every active DAG: its id, whether it is paused, and when
its next run may be created.

A pass looks at every active DAG, and with 10,000 of them building a full ORM ``DagModel``
per row (tags decoded, identity map, change tracking) cost about a second on SQLite. These
four plain columns cost a few milliseconds; the few DAGs that are due are then loaded whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.db.models import DagModel


class DagFlags(NamedTuple):
    """One active DAG as a pass first sees it (read-only: change ``DagModel`` rows instead)."""

    dag_id: str
    is_paused: bool
    is_active: bool
    next_dagrun_create_after: datetime | None


def active_dag_flags(session: Session, dag_id: str | None = None) -> dict[str, DagFlags]:
    """Every active DAG (or only ``dag_id``), keyed by id."""
    query = select(
        DagModel.dag_id,
        DagModel.is_paused,
        DagModel.is_active,
        DagModel.next_dagrun_create_after,
    ).where(DagModel.is_active.is_(True))
    if dag_id:
        query = query.where(DagModel.dag_id == dag_id)
    return {row[0]: DagFlags(*row) for row in session.execute(query)}
