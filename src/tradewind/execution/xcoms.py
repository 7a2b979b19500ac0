"""XCom rows in the metadata database: what a try pushes and pulls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from tradewind.db.engine import Database
from tradewind.db.models import XCom


def push_xcom(
    database: Database, dag_id: str, run_id: str, task_id: str, key: str, value: Any
) -> None:
    """Store ``value`` (already JSON-safe) under ``key``, replacing an earlier one."""
    with database.session() as session:
        write_xcom(session, dag_id, run_id, task_id, key, value)


def pull_xcom(
    database: Database,
    dag_id: str,
    run_id: str,
    task_ids: str | Iterable[str] | None,
    key: str,
) -> Any:
    """One task's value; a list for several tasks (in their order); the latest for none.

    ``None`` where nothing was pushed.
    """
    with database.session() as session:
        query = select(XCom.task_id, XCom.value, XCom.timestamp).where(
            XCom.dag_id == dag_id, XCom.run_id == run_id, XCom.key == key
        )
        if isinstance(task_ids, str):
            query = query.where(XCom.task_id == task_ids)
        elif task_ids is not None:
            task_ids = list(task_ids)
            query = query.where(XCom.task_id.in_(task_ids))
        rows = session.execute(query).all()
    if isinstance(task_ids, str):
        return rows[0].value if rows else None
    if task_ids is None:
        return max(rows, key=lambda row: row.timestamp).value if rows else None
    by_task = {row.task_id: row.value for row in rows}
    return [by_task.get(task_id) for task_id in task_ids]


def write_xcom(session: Any, dag_id: str, run_id: str, task_id: str, key: str, value: Any) -> None:
    session.execute(
        delete(XCom).where(
            XCom.dag_id == dag_id,
            XCom.run_id == run_id,
            XCom.task_id == task_id,
            XCom.key == key,
        )
    )
    session.add(
        XCom(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            key=key,
            value=value,
            timestamp=datetime.now(UTC),
        )
    )
