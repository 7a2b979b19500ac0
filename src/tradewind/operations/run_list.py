"""Dag runs a page at a time, filtered as Airflow's stable API filters them.

Kept apart from :func:`tradewind.operations.dag_runs.list_dag_runs` (the experimental
API's list, oldest first): this one pages by ``id`` by default, served by the
``(dag_id, id)`` index, and counts ``total_entries``.

This is the stable API's hottest list (a page of 100 of a DAG's 100,000 runs), so rows
are read as the driver returns them, dates as stored text on SQLite, and turned into
Airflow's ``DAGRun`` objects in one pass; the statement for each shape of filter is
built once; the count is reused while the database is unchanged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Row, Select, String, bindparam, func, select, type_coerce

from tradewind.db.change_stamp import cached
from tradewind.db.models import DagRun
from tradewind.db.types import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy import Connection

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
# The same, read raw: dates and conf as the driver gives them (text on SQLite).
_RAW_COLUMNS: tuple[Any, ...] = (
    DagRun.dag_id,
    DagRun.run_id,
    type_coerce(DagRun.execution_date, String),
    type_coerce(DagRun.start_date, String),
    type_coerce(DagRun.end_date, String),
    type_coerce(DagRun.data_interval_start, String),
    type_coerce(DagRun.data_interval_end, String),
    DagRun.run_type,
    DagRun.state,
    DagRun.external_trigger,
    type_coerce(DagRun.conf, String),
    DagRun.note,
)
_DATES = {
    "execution_date": DagRun.execution_date,
    "start_date": DagRun.start_date,
    "end_date": DagRun.end_date,
}


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

    def shape(self) -> tuple[Any, ...]:
        """What the statement depends on (not the values, which are bound)."""
        dag_ids = None if self.dag_ids is None else len(self.dag_ids)
        dates = tuple(f.name for f in fields(self)[2:] if getattr(self, f.name) is not None)
        return dag_ids, len(self.states), dates

    def values(self) -> dict[str, Any]:
        bound: dict[str, Any] = {}
        for index, dag_id in enumerate(self.dag_ids or ()):
            bound[f"dag_{index}"] = dag_id
        for index, state in enumerate(self.states):
            bound[f"state_{index}"] = state
        for f in fields(self)[2:]:
            if getattr(self, f.name) is not None:
                bound[f.name] = getattr(self, f.name)
        return bound

    def apply(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        """The filter's WHERE clauses with bound parameters named as :meth:`values` names."""
        dag_count, state_count, dates = self.shape()
        if dag_count is not None:
            names: list[Any] = [bindparam(f"dag_{i}") for i in range(dag_count)]
            query = query.where(
                DagRun.dag_id.in_(names) if dag_count != 1 else DagRun.dag_id == names[0]
            )
        if state_count:
            query = query.where(
                DagRun.state.in_([bindparam(f"state_{i}") for i in range(state_count)])
            )
        for name in dates:
            column = _DATES[name.rsplit("_", 1)[0]]
            bound = bindparam(name, type_=UtcDateTime)
            query = query.where(column >= bound if name.endswith("_gte") else column <= bound)
        return query


@functools.lru_cache(maxsize=256)
def _page_query(
    shape: tuple[Any, ...], order: tuple[tuple[str, bool], ...]
) -> Select[*tuple[Any, ...]]:
    statement = _apply_shape(select(*_RAW_COLUMNS), shape)
    clauses = [
        ORDER_COLUMNS[name].desc() if desc else ORDER_COLUMNS[name].asc() for name, desc in order
    ]
    return (
        statement.order_by(*clauses)
        .limit(bindparam("limit", type_=BigInteger))
        .offset(bindparam("offset", type_=BigInteger))
    )


@functools.lru_cache(maxsize=256)
def _count_query(shape: tuple[Any, ...]) -> Select[*tuple[Any, ...]]:
    return _apply_shape(select(func.count()).select_from(DagRun), shape)


def _apply_shape(
    query: Select[*tuple[Any, ...]], shape: tuple[Any, ...]
) -> Select[*tuple[Any, ...]]:
    dag_count, state_count, dates = shape
    stand_in = RunFilter(
        dag_ids=None if dag_count is None else ("",) * dag_count,
        states=("",) * state_count,
        **{name: datetime.min for name in dates},
    )
    return stand_in.apply(query)


def list_runs_page(
    db: Database,
    run_filter: RunFilter,
    *,
    limit: int,
    offset: int,
    order: Sequence[tuple[str, bool]] = (("id", False),),
) -> tuple[list[dict[str, Any]], int]:
    """Airflow's ``DAGRun`` objects of the page, and how many runs match in all.

    ``order`` names ``ORDER_COLUMNS`` keys with ``True`` for descending; ``id`` is added
    last so pages never overlap.
    """
    order_key = tuple(order) if any(n == "id" for n, _ in order) else (*order, ("id", False))
    shape = run_filter.shape()
    bound = {**run_filter.values(), "limit": limit, "offset": offset}
    with db.read_connection() as connection:
        rows = connection.execute(_page_query(shape, order_key), bound).all()
        total = cached(
            connection,
            ("runs", shape, tuple(sorted(run_filter.values().items()))),
            lambda: _count(connection, _count_query(shape), run_filter.values()),
        )
    to_iso = text_iso if connection.dialect.name == "sqlite" else aware_iso
    return [_run_object(row, to_iso) for row in rows], total


def _count(connection: Connection, query: Select[*tuple[Any, ...]], bound: dict[str, Any]) -> int:
    return int(connection.execute(query, bound).scalar_one())


def _run_object(row: Any, to_iso: Any) -> dict[str, Any]:
    (dag_id, run_id, logical, start, end, interval_start, interval_end, run_type, state,
     external, conf, note) = row  # fmt: skip
    logical = to_iso(logical)
    if isinstance(conf, str):
        conf = json.loads(conf)
    return {
        "dag_run_id": run_id,
        "dag_id": dag_id,
        "logical_date": logical,
        "execution_date": logical,
        "start_date": to_iso(start),
        "end_date": to_iso(end),
        "data_interval_start": to_iso(interval_start),
        "data_interval_end": to_iso(interval_end),
        "last_scheduling_decision": None,
        "run_type": run_type,
        "state": state,
        "external_trigger": bool(external),
        "conf": conf or {},
        "note": note,
    }


def text_iso(text: str | None) -> str | None:
    """SQLite's stored ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive UTC) as ``datetime.isoformat``
    writes the aware value: microseconds only when there are any, ``+00:00``."""
    if text is None:
        return None
    if text.endswith(".000000"):
        return f"{text[:10]}T{text[11:19]}+00:00"
    return f"{text[:10]}T{text[11:]}+00:00"


def aware_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat()


def get_run_row(db: Database, dag_id: str, run_id: str) -> Row[*tuple[Any, ...]] | None:
    query = select(*COLUMNS).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
    with db.read_connection() as connection:
        return connection.execute(query).first()
