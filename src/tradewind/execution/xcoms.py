"""XCom rows in the metadata database: what a try pushes and pulls."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import delete, func, select

from tradewind.db.engine import Database
from tradewind.db.models import TaskMap, XCom


def push_xcom(
    database: Database,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str,
    value: Any,
    map_index: int = -1,
) -> None:
    """Store ``value`` (already JSON-safe) under ``key``, replacing an earlier one."""
    with database.session() as session:
        write_xcom(session, dag_id, run_id, task_id, key, value, map_index=map_index)


def pull_xcom(
    database: Database,
    dag_id: str,
    run_id: str,
    task_ids: str | Iterable[str] | None,
    key: str,
    map_indexes: int | Iterable[int] | None = None,
) -> Any:
    """One task's value; a list for several tasks (in their order); the latest for none.

    A mapped task's values come back as one :class:`LazyXComSequence`, in map-index order,
    unless ``map_indexes`` picks instances. ``None`` where nothing was pushed.
    """
    with database.session() as session:
        query = select(XCom.task_id, XCom.map_index, XCom.value, XCom.timestamp).where(
            XCom.dag_id == dag_id, XCom.run_id == run_id, XCom.key == key
        )
        if isinstance(task_ids, str):
            query = query.where(XCom.task_id == task_ids)
        elif task_ids is not None:
            task_ids = list(task_ids)
            query = query.where(XCom.task_id.in_(task_ids))
        if isinstance(map_indexes, int):
            query = query.where(XCom.map_index == map_indexes)
        elif map_indexes is not None:
            map_indexes = list(map_indexes)
            query = query.where(XCom.map_index.in_(map_indexes))
        rows = session.execute(query.order_by(XCom.map_index)).all()
    if task_ids is None:
        return max(rows, key=lambda row: row.timestamp).value if rows else None
    if isinstance(map_indexes, list):
        return [row.value for row in rows]

    def value_of(task_id: str) -> Any:
        mine = [row for row in rows if row.task_id == task_id]
        if not mine:
            return None
        if map_indexes is None and mine[0].map_index >= 0:
            return LazyXComSequence(database, dag_id, run_id, task_id, key)
        return mine[0].value

    if isinstance(task_ids, str):
        return value_of(task_ids)
    return [value_of(task_id) for task_id in task_ids]


class LazyXComSequence(Sequence[Any]):
    """A mapped task's values, read from the database when used, in map-index order.

    What a task downstream of a mapped task gets for its output: its length costs one
    COUNT, an item one row, and iterating reads the rows once.
    """

    def __init__(self, database: Database, dag_id: str, run_id: str, task_id: str, key: str):
        self._database = database
        self._where = (
            XCom.dag_id == dag_id,
            XCom.run_id == run_id,
            XCom.task_id == task_id,
            XCom.key == key,
            XCom.map_index >= 0,
        )
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            with self._database.session() as session:
                self._length = int(
                    session.scalar(select(func.count()).select_from(XCom).where(*self._where)) or 0
                )
        return self._length

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        with self._database.session() as session:
            values = session.scalars(
                select(XCom.value)
                .where(*self._where)
                .order_by(XCom.map_index)
                .offset(index)
                .limit(1)
            ).all()
        if not values or index < 0:
            raise IndexError("LazyXComSequence index out of range")
        return values[0]

    def __iter__(self) -> Iterator[Any]:
        with self._database.session() as session:
            values = session.scalars(
                select(XCom.value).where(*self._where).order_by(XCom.map_index)
            ).all()
        return iter(values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"LazyXComSequence({list(self)!r})"


def write_xcom(
    session: Any,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str,
    value: Any,
    *,
    map_index: int = -1,
) -> None:
    session.execute(
        delete(XCom).where(
            XCom.dag_id == dag_id,
            XCom.run_id == run_id,
            XCom.task_id == task_id,
            XCom.map_index == map_index,
            XCom.key == key,
        )
    )
    session.add(
        XCom(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            key=key,
            value=value,
            timestamp=datetime.now(UTC),
        )
    )


def record_map_length(
    session: Any, dag_id: str, run_id: str, task_id: str, map_index: int, value: Any
) -> None:
    """Note how many elements a returned list or dict has, for tasks mapped over it.

    The scheduler sizes an expansion from this row, never from the value itself.
    """
    if not isinstance(value, list | dict):
        return
    keys = list(value) if isinstance(value, dict) else None
    session.add(
        TaskMap(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            length=len(value),
            keys=keys,
        )
    )
