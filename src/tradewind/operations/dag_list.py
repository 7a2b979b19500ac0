"""DAGs a page at a time, filtered as Airflow's stable API filters them.

One SELECT for the page (Core rows, no ORM objects) and one COUNT for ``total_entries``;
whether a DAG's file has an import error is an EXISTS on the indexed ``import_error``
filename, inside the same SELECT.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
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
    "dag_display_name": DagModel.dag_id,
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

    def apply(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        if self.only_active:
            query = query.where(DagModel.is_active.is_(True))
        if self.paused is not None:
            query = query.where(DagModel.is_paused.is_(self.paused))
        if self.tags:
            query = query.where(or_(*(_has_tag(tag) for tag in self.tags)))
        if self.dag_id_pattern:
            # As Airflow: a case-insensitive substring, where % and _ keep their LIKE meaning.
            query = query.where(DagModel.dag_id.ilike(f"%{self.dag_id_pattern}%"))
        if self.dag_ids is not None:
            query = query.where(DagModel.dag_id.in_(self.dag_ids))
        return query


def _has_tag(tag: str) -> ColumnElement[bool]:
    """The JSON list of tags holds ``tag``: its JSON text, escaped for LIKE, is in the list's."""
    needle = json.dumps(tag).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(DagModel.tags, Text).like(f"%{needle}%", escape="\\")


def list_dags_page(
    db: Database,
    dag_filter: DagFilter,
    *,
    limit: int,
    offset: int,
    order_by: Sequence[ColumnElement[Any]],
) -> tuple[list[dict[str, Any]], int]:
    """The page's rows as dicts (names of ``_COLUMNS``; dates as ISO 8601 text, tags a
    list) and how many DAGs match in all."""
    page = dag_filter.apply(select(*_COLUMNS)).order_by(*order_by).limit(limit).offset(offset)
    count = dag_filter.apply(select(func.count()).select_from(DagModel))
    with db.read_connection() as connection:
        rows = connection.execute(page).all()
        total = connection.execute(count).scalar_one()
        sqlite = connection.dialect.name == "sqlite"
    return [_row(row, sqlite) for row in rows], total


def get_dag_row(db: Database, dag_id: str) -> dict[str, Any] | None:
    """One DAG's row, active or not, in the shape of :func:`list_dags_page`'s rows."""
    with db.read_connection() as connection:
        row = connection.execute(select(*_COLUMNS).where(DagModel.dag_id == dag_id)).first()
        sqlite = connection.dialect.name == "sqlite"
    return None if row is None else _row(row, sqlite)


def _row(row: Any, sqlite: bool) -> dict[str, Any]:
    shown = row._asdict()
    to_iso = text_iso if sqlite else aware_iso
    for name in _DATE_NAMES:
        shown[name] = to_iso(shown[name])
    tags = shown["tags"]
    shown["tags"] = json.loads(tags) if isinstance(tags, str) else tags
    return shown


def matching_dag_ids(db: Database, dag_filter: DagFilter, *, limit: int, offset: int) -> list[str]:
    """The ids of a page of matching DAGs, by id: what a bulk PATCH changes."""
    query = dag_filter.apply(select(DagModel.dag_id)).order_by(DagModel.dag_id)
    with db.read_connection() as connection:
        return list(connection.execute(query.limit(limit).offset(offset)).scalars())
