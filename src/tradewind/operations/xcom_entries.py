"""XCom entries of task instances, as the stable API lists and reads them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, and_, func, select

from tradewind.db.models import DagRun, XCom

if TYPE_CHECKING:
    from tradewind.db.engine import Database

_RUN = and_(DagRun.dag_id == XCom.dag_id, DagRun.run_id == XCom.run_id)
ENTRY_COLUMNS: tuple[Any, ...] = (
    XCom.key,
    XCom.timestamp,
    DagRun.execution_date,
    XCom.map_index,
    XCom.task_id,
    XCom.dag_id,
    XCom.run_id,
)


def _where(
    query: Select[*tuple[Any, ...]],
    dag_id: str | None,
    run_id: str | None,
    task_id: str | None,
    map_index: int | None,
    key: str | None,
) -> Select[*tuple[Any, ...]]:
    for column, value in (
        (XCom.dag_id, dag_id),
        (XCom.run_id, run_id),
        (XCom.task_id, task_id),
        (XCom.map_index, map_index),
        (XCom.key, key),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def list_xcom_entries(
    db: Database,
    *,
    dag_id: str | None,
    run_id: str | None,
    task_id: str | None,
    map_index: int | None,
    key: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
    """Entries without their values (``None`` for an argument matches any: the ``~``)."""
    page = _where(
        select(*ENTRY_COLUMNS).select_from(XCom).join(DagRun, _RUN),
        dag_id,
        run_id,
        task_id,
        map_index,
        key,
    ).order_by(XCom.dag_id, XCom.run_id, XCom.task_id, XCom.map_index, XCom.key)
    count = _where(select(func.count()).select_from(XCom), dag_id, run_id, task_id, map_index, key)
    with db.read_connection() as connection:
        rows = connection.execute(page.limit(limit).offset(offset)).all()
        total = connection.execute(count).scalar_one()
    return rows, total


def get_xcom_entry(
    db: Database, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1
) -> Row[*tuple[Any, ...]] | None:
    """One entry with its value (column ``value``), or None."""
    query = _where(
        select(*ENTRY_COLUMNS, XCom.value).select_from(XCom).join(DagRun, _RUN),
        dag_id,
        run_id,
        task_id,
        map_index,
        key,
    )
    with db.read_connection() as connection:
        return connection.execute(query).first()
