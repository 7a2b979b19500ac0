"""Task instances a page at a time, and one by its key, for Airflow's stable API.

One SELECT joins each task instance to its run (for the run's logical date) and to its
rendered fields; rows are Core rows, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, and_, func, or_, select

from tradewind.db.models import DagRun, RenderedTaskInstanceFields, TaskInstance

if TYPE_CHECKING:
    from tradewind.db.engine import Database

TI = TaskInstance
RTIF = RenderedTaskInstanceFields

COLUMNS: tuple[Any, ...] = (
    TI.dag_id,
    TI.run_id,
    TI.task_id,
    TI.map_index,
    TI.state,
    TI.try_number,
    TI.max_tries,
    TI.start_date,
    TI.end_date,
    TI.duration,
    TI.hostname,
    TI.unixname,
    TI.pid,
    TI.pool,
    TI.pool_slots,
    TI.queue,
    TI.priority_weight,
    TI.operator,
    TI.queued_dttm,
    DagRun.execution_date,
    RTIF.rendered_fields,
)

ORDER_COLUMNS: dict[str, Any] = {
    "dag_id": TI.dag_id,
    "dag_run_id": TI.run_id,
    "task_id": TI.task_id,
    "map_index": TI.map_index,
    "state": TI.state,
    "try_number": TI.try_number,
    "start_date": TI.start_date,
    "end_date": TI.end_date,
    "duration": TI.duration,
    "pool": TI.pool,
    "queue": TI.queue,
    "priority_weight": TI.priority_weight,
    "execution_date": DagRun.execution_date,
}
DEFAULT_ORDER = (TI.dag_id, TI.run_id, TI.task_id, TI.map_index)


@dataclass(frozen=True)
class TaskInstanceFilter:
    """None means any; ``states`` may hold ``None`` (no state yet)."""

    dag_ids: tuple[str, ...] | None = None
    run_ids: tuple[str, ...] | None = None
    task_ids: tuple[str, ...] | None = None
    map_index: int | None = None
    mapped_only: bool = False
    states: tuple[str | None, ...] = ()
    pools: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    execution_date_gte: datetime | None = None
    execution_date_lte: datetime | None = None
    start_date_gte: datetime | None = None
    start_date_lte: datetime | None = None
    end_date_gte: datetime | None = None
    end_date_lte: datetime | None = None
    updated_at_gte: datetime | None = None
    updated_at_lte: datetime | None = None
    duration_gte: float | None = None
    duration_lte: float | None = None

    def apply(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        keys: tuple[tuple[Any, tuple[str, ...] | None], ...] = (
            (TI.dag_id, self.dag_ids),
            (TI.run_id, self.run_ids),
            (TI.task_id, self.task_ids),
        )
        for column, values in keys:
            if values is not None:
                query = query.where(column.in_(values))
        if self.map_index is not None:
            query = query.where(TI.map_index == self.map_index)
        if self.mapped_only:
            query = query.where(TI.map_index >= 0)
        if self.states:
            named = [state for state in self.states if state is not None]
            clauses = [TI.state.in_(named)] if named else []
            if None in self.states:
                clauses.append(TI.state.is_(None))
            query = query.where(or_(*clauses))
        if self.pools:
            query = query.where(TI.pool.in_(self.pools))
        if self.queues:
            query = query.where(TI.queue.in_(self.queues))
        ranges: tuple[tuple[Any, Any, Any], ...] = (
            (DagRun.execution_date, self.execution_date_gte, self.execution_date_lte),
            (TI.start_date, self.start_date_gte, self.start_date_lte),
            (TI.end_date, self.end_date_gte, self.end_date_lte),
            (TI.updated_at, self.updated_at_gte, self.updated_at_lte),
            (TI.duration, self.duration_gte, self.duration_lte),
        )
        for column, low, high in ranges:
            if low is not None:
                query = query.where(column >= low)
            if high is not None:
                query = query.where(column <= high)
        return query


def _counted(ti_filter: TaskInstanceFilter) -> Select[int]:
    """COUNT(*) of the task instances; joined to their runs only to filter on a run's date.

    Every task instance belongs to a run (a foreign key), so the join changes no count:
    skipping it lets the database count a million rows from an index alone.
    """
    query = select(func.count()).select_from(TI)
    if ti_filter.execution_date_gte is None and ti_filter.execution_date_lte is None:
        return query
    return query.join(DagRun, and_(DagRun.dag_id == TI.dag_id, DagRun.run_id == TI.run_id))


def _joined(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    run = and_(DagRun.dag_id == TI.dag_id, DagRun.run_id == TI.run_id)
    rendered = and_(
        RTIF.dag_id == TI.dag_id,
        RTIF.run_id == TI.run_id,
        RTIF.task_id == TI.task_id,
        RTIF.map_index == TI.map_index,
    )
    return query.select_from(TI).join(DagRun, run).outerjoin(RTIF, rendered)


def list_task_instances_page(
    db: Database,
    ti_filter: TaskInstanceFilter,
    *,
    limit: int,
    offset: int,
    order_by: Sequence[Any] = DEFAULT_ORDER,
) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
    page = ti_filter.apply(_joined(select(*COLUMNS))).order_by(*order_by)
    count = ti_filter.apply(_counted(ti_filter))
    with db.read_connection() as connection:
        rows = connection.execute(page.limit(limit).offset(offset)).all()
        total = connection.execute(count).scalar_one()
    return rows, total


def get_task_instance_row(
    db: Database, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> Row[*tuple[Any, ...]] | None:
    key = TaskInstanceFilter(
        dag_ids=(dag_id,), run_ids=(run_id,), task_ids=(task_id,), map_index=map_index
    )
    with db.read_connection() as connection:
        return connection.execute(key.apply(_joined(select(*COLUMNS)))).first()
