"""Dag runs a page at a time, filtered as Airflow's stable API filters them.

Kept apart from :func:`tradewind.operations.dag_runs.list_dag_runs` (the experimental
API's list, oldest first): this one pages by ``id`` by default, served by the
``(dag_id, id)`` index, and counts ``total_entries``. Both read Core rows, never ORM
objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, func, select

from tradewind.db.models import DagRun

if TYPE_CHECKING:
    from tradewind.db.engine import Database

# What ``order_by`` may name, by Airflow's field names.
ORDER_COLUMNS: dict[str, Any] = {
    "id": DagRun.id,
    "state": DagRun.state,
    "dag_id": DagRun.dag_id,
    "execution_date": DagRun.execution_date,
    "logical_date": DagRun.execution_date,
    "dag_run_id": DagRun.run_id,
    "run_id": DagRun.run_id,
    "start_date": DagRun.start_date,
    "end_date": DagRun.end_date,
    "external_trigger": DagRun.external_trigger,
    "run_type": DagRun.run_type,
    "data_interval_start": DagRun.data_interval_start,
    "data_interval_end": DagRun.data_interval_end,
}

COLUMNS: tuple[Any, ...] = (
    DagRun.id,
    DagRun.dag_id,
    DagRun.run_id,
    DagRun.execution_date,
    DagRun.start_date,
    DagRun.end_date,
    DagRun.data_interval_start,
    DagRun.data_interval_end,
    DagRun.run_type,
    DagRun.state,
    DagRun.external_trigger,
    DagRun.conf,
    DagRun.note,
)


@dataclass(frozen=True)
class RunFilter:
    """``dag_ids`` None means every DAG (the ``~`` of the path); dates are inclusive."""

    dag_ids: tuple[str, ...] | None = None
    states: tuple[str, ...] = ()
    execution_date_gte: datetime | None = None
    execution_date_lte: datetime | None = None
    start_date_gte: datetime | None = None
    start_date_lte: datetime | None = None
    end_date_gte: datetime | None = None
    end_date_lte: datetime | None = None

    def apply(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        if self.dag_ids is not None:
            if len(self.dag_ids) == 1:
                query = query.where(DagRun.dag_id == self.dag_ids[0])
            else:
                query = query.where(DagRun.dag_id.in_(self.dag_ids))
        if self.states:
            query = query.where(DagRun.state.in_(self.states))
        for column, low, high in (
            (DagRun.execution_date, self.execution_date_gte, self.execution_date_lte),
            (DagRun.start_date, self.start_date_gte, self.start_date_lte),
            (DagRun.end_date, self.end_date_gte, self.end_date_lte),
        ):
            if low is not None:
                query = query.where(column >= low)
            if high is not None:
                query = query.where(column <= high)
        return query


def list_runs_page(
    db: Database,
    run_filter: RunFilter,
    *,
    limit: int,
    offset: int,
    order_by: Sequence[Any],
) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
    """The page's rows (``COLUMNS``) and how many runs match in all."""
    page = run_filter.apply(select(*COLUMNS)).order_by(*order_by).limit(limit).offset(offset)
    count = run_filter.apply(select(func.count()).select_from(DagRun))
    with db.read_connection() as connection:
        rows = connection.execute(page).all()
        total = connection.execute(count).scalar_one()
    return rows, total


def get_run_row(db: Database, dag_id: str, run_id: str) -> Row[*tuple[Any, ...]] | None:
    query = select(*COLUMNS).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
    with db.read_connection() as connection:
        return connection.execute(query).first()
