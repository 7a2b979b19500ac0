"""XCom rows in the metadata database: what a try pushes and pulls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, XCom


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
    key: str | None,
    *,
    include_prior_dates: bool = False,
    default: Any = None,
    logical_date: datetime | None = None,
) -> Any:
    """Airflow 2's ``xcom_pull``: one value for one task id (or none), a list for several.

    One task id, or ``None`` (any task): the latest matching value, ``default`` if none. A
    list of task ids: the values found, in the order of ``task_ids`` (a task that pushed
    nothing is left out, as in Airflow 2). ``key=None`` matches every key. Without
    ``include_prior_dates`` only run ``run_id`` is searched; with it, every run of ``dag_id``
    whose logical date is not after ``logical_date`` (the puller's; by default run
    ``run_id``'s), latest first.
    """
    single = task_ids is None or isinstance(task_ids, str)
    wanted = (
        None if task_ids is None else [task_ids] if isinstance(task_ids, str) else list(task_ids)
    )
    with database.session() as session:
        query = (
            select(XCom.task_id, XCom.value)
            .join(DagRun, (DagRun.dag_id == XCom.dag_id) & (DagRun.run_id == XCom.run_id))
            .where(XCom.dag_id == dag_id)
            .order_by(DagRun.execution_date.desc(), XCom.timestamp.desc())
        )
        if include_prior_dates:
            cutoff: Any = logical_date
            if cutoff is None:
                cutoff = (
                    select(DagRun.execution_date)
                    .where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
                    .scalar_subquery()
                )
            query = query.where(DagRun.execution_date <= cutoff)
        else:
            query = query.where(XCom.run_id == run_id)
        if key is not None:
            query = query.where(XCom.key == key)
        if wanted is not None:
            query = query.where(XCom.task_id.in_(wanted))
        if single:
            row = session.execute(query.limit(1)).first()
            return default if row is None else row.value
        rows = session.execute(query).all()
    assert wanted is not None
    position = {task_id: index for index, task_id in enumerate(wanted)}
    return [row.value for row in sorted(rows, key=lambda row: position[row.task_id])]


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
