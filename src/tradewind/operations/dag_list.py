"""DAGs a page at a time, filtered as Airflow's stable API filters them.

One SELECT for the page (Core rows, no ORM objects) and one COUNT for ``total_entries``;
whether a DAG's file has an import error is an EXISTS on the indexed ``import_error``
filename, inside the same SELECT.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Select,
    String,
    Text,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
    type_coerce,
)

from tradewind.db.models import DagModel, ImportErrorModel
from tradewind.operations.run_list import aware_iso, text_iso

if TYPE_CHECKING:
    from tradewind.db.engine import Database

# What ``order_by`` may name, by Airflow's field names.
ORDER_COLUMNS: dict[str, Any] = {
    "dag_id": DagModel.dag_id,
    "is_paused": DagModel.is_paused,
    "is_active": DagModel.is_active,
    "fileloc": DagModel.fileloc,
    "owners": DagModel.owners,
    "description": DagModel.description,
    "last_parsed_time": DagModel.last_parsed_time,
    "max_active_tasks": DagModel.max_active_tasks,
    "max_active_runs": DagModel.max_active_runs,
    "next_dagrun": DagModel.next_dagrun,
    "next_dagrun_create_after": DagModel.next_dagrun_create_after,
}

# Dates and tags are read as the driver returns them (text on SQLite) and converted in
# one pass (:func:`_row`): SQLAlchemy's per-value processing cost more than the query.
_DATE_NAMES = (
    "next_dagrun",
    "next_dagrun_data_interval_start",
    "next_dagrun_data_interval_end",
    "next_dagrun_create_after",
    "last_parsed_time",
)
_COLUMNS: tuple[Any, ...] = (
    DagModel.dag_id,
    DagModel.is_paused,
    DagModel.is_active,
    DagModel.fileloc,
    DagModel.schedule,
    DagModel.owners,
    type_coerce(DagModel.tags, String).label("tags"),
    DagModel.description,
    DagModel.max_active_runs,
    DagModel.max_active_tasks,
    *(type_coerce(getattr(DagModel, name), String).label(name) for name in _DATE_NAMES),
    exists()
    .where(ImportErrorModel.filename == DagModel.fileloc)
    .correlate(DagModel)
    .label("has_import_errors"),
)


@dataclass(frozen=True)
class DagFilter:
    """``only_active``, ``paused``, ``tags`` (any of them) and ``dag_id_pattern``."""

    only_active: bool = True
    paused: bool | None = None
    tags: tuple[str, ...] = ()
    dag_id_pattern: str | None = None
    dag_ids: tuple[str, ...] | None = None

    def shape(self) -> tuple[Any, ...]:
        """What the statement depends on; the values are bound (:meth:`values`)."""
        return (
            self.only_active,
            self.paused is not None,
            len(self.tags),
            bool(self.dag_id_pattern),
            None if self.dag_ids is None else len(self.dag_ids),
        )

    def values(self) -> dict[str, Any]:
        bound: dict[str, Any] = {}
        if self.paused is not None:
            bound["paused"] = self.paused
        for index, tag in enumerate(self.tags):
            bound[f"tag_{index}"] = _tag_needle(tag)
        if self.dag_id_pattern:
            bound["pattern"] = f"%{self.dag_id_pattern}%"
        for index, dag_id in enumerate(self.dag_ids or ()):
            bound[f"dag_{index}"] = dag_id
        return bound

    def apply(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        """The WHERE clauses, with parameters bound by the names :meth:`values` gives."""
        return _apply_shape(query, self.shape())


def _apply_shape(
    query: Select[*tuple[Any, ...]], shape: tuple[Any, ...]
) -> Select[*tuple[Any, ...]]:
    only_active, paused, tags, pattern, dag_ids = shape
    if only_active:
        query = query.where(DagModel.is_active.is_(True))
    if paused:
        query = query.where(DagModel.is_paused == bindparam("paused", type_=Boolean))
    if tags:
        tag_text = cast(DagModel.tags, Text)
        query = query.where(
            or_(*(tag_text.like(bindparam(f"tag_{i}"), escape="\\") for i in range(tags)))
        )
    if pattern:
        # As Airflow: a case-insensitive substring, where % and _ keep their LIKE meaning.
        query = query.where(DagModel.dag_id.ilike(bindparam("pattern")))
    if dag_ids is not None:
        query = query.where(DagModel.dag_id.in_([bindparam(f"dag_{i}") for i in range(dag_ids)]))
    return query


def _tag_needle(tag: str) -> str:
    """The JSON list of tags holds ``tag``: its JSON text, escaped for LIKE, is in the list's."""
    needle = json.dumps(tag).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{needle}%"


@functools.lru_cache(maxsize=256)
def _page_query(
    shape: tuple[Any, ...], order: tuple[tuple[str, bool], ...]
) -> Select[*tuple[Any, ...]]:
    clauses = [
        ORDER_COLUMNS[name].desc() if desc else ORDER_COLUMNS[name].asc() for name, desc in order
    ]
    return (
        _apply_shape(select(*_COLUMNS), shape)
        .order_by(*clauses)
        .limit(bindparam("limit", type_=BigInteger))
        .offset(bindparam("offset", type_=BigInteger))
    )


@functools.lru_cache(maxsize=256)
def _count_query(shape: tuple[Any, ...]) -> Select[*tuple[Any, ...]]:
    return _apply_shape(select(func.count()).select_from(DagModel), shape)


def list_dags_page(
    db: Database,
    dag_filter: DagFilter,
    *,
    limit: int,
    offset: int,
    order: Sequence[tuple[str, bool]] = (("dag_id", False),),
) -> tuple[list[DagRow], int]:
    """The page's rows and how many DAGs match in all. ``order`` names ``ORDER_COLUMNS``
    keys with ``True`` for descending; ``dag_id`` is added last so pages never overlap."""
    order_key = (
        tuple(order) if any(n == "dag_id" for n, _ in order) else (*order, ("dag_id", False))
    )
    shape = dag_filter.shape()
    bound = dag_filter.values()
    with db.read_connection() as connection:
        rows = connection.execute(
            _page_query(shape, order_key), {**bound, "limit": limit, "offset": offset}
        ).all()
        total = connection.execute(_count_query(shape), bound).scalar_one()
        sqlite = connection.dialect.name == "sqlite"
    return [_row(row, sqlite) for row in rows], total


def get_dag_row(db: Database, dag_id: str) -> DagRow | None:
    """One DAG's row, active or not, in the shape of :func:`list_dags_page`'s rows."""
    with db.read_connection() as connection:
        row = connection.execute(select(*_COLUMNS).where(DagModel.dag_id == dag_id)).first()
        sqlite = connection.dialect.name == "sqlite"
    return None if row is None else _row(row, sqlite)


class DagRow(NamedTuple):
    """One DAG as the stable API shows it: dates as ISO 8601 text, tags a tuple."""

    dag_id: str
    is_paused: bool
    is_active: bool
    fileloc: str
    schedule: str | None
    owners: str | None
    tags: tuple[str, ...]
    description: str | None
    max_active_runs: int | None
    max_active_tasks: int | None
    next_dagrun: str | None
    next_dagrun_data_interval_start: str | None
    next_dagrun_data_interval_end: str | None
    next_dagrun_create_after: str | None
    last_parsed_time: str | None
    has_import_errors: bool


def _row(row: Any, sqlite: bool) -> DagRow:
    (dag_id, paused, active, fileloc, schedule, owners, tags, description, max_runs,
     max_tasks, next_run, interval_start, interval_end, create_after, parsed,
     import_errors) = row  # fmt: skip
    to_iso = text_iso if sqlite else aware_iso
    return DagRow(
        dag_id,
        bool(paused),
        bool(active),
        fileloc,
        schedule,
        owners,
        _tags(tags) if isinstance(tags, str) else tuple(tags or ()),
        description,
        max_runs,
        max_tasks,
        to_iso(next_run),
        to_iso(interval_start),
        to_iso(interval_end),
        to_iso(create_after),
        to_iso(parsed),
        bool(import_errors),
    )


@functools.lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[str, ...]:
    """The stored JSON list of tags (cached: most DAGs share a few tag lists)."""
    return tuple(json.loads(text) or ())


def matching_dag_ids(db: Database, dag_filter: DagFilter, *, limit: int, offset: int) -> list[str]:
    """The ids of a page of matching DAGs, by id: what a bulk PATCH changes."""
    query = dag_filter.apply(select(DagModel.dag_id)).order_by(DagModel.dag_id)
    bound = dag_filter.values()
    with db.read_connection() as connection:
        return list(connection.execute(query.limit(limit).offset(offset), bound).scalars())
