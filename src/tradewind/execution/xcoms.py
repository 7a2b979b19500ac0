"""XCom rows in the metadata database: what a try pushes and pulls."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import delete, func, select

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskMap, XCom
from tradewind.db.ti_keys import KEYS_PER_STATEMENT, ti_keys_clause


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
    key: str | None,
    map_indexes: int | Iterable[int] | None = None,
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
    ``run_id``'s), latest first. A mapped task's values come back as one
    :class:`LazyXComSequence`, in map-index order, unless ``map_indexes`` picks instances
    (an int: that instance's value; several: their values, in map-index order).
    """
    single = task_ids is None or isinstance(task_ids, str)
    wanted = (
        None if task_ids is None else [task_ids] if isinstance(task_ids, str) else list(task_ids)
    )
    with database.session() as session:
        query = (
            select(XCom.task_id, XCom.run_id, XCom.key, XCom.map_index, XCom.value)
            .join(DagRun, (DagRun.dag_id == XCom.dag_id) & (DagRun.run_id == XCom.run_id))
            .where(XCom.dag_id == dag_id)
            .order_by(DagRun.execution_date.desc(), XCom.timestamp.desc(), XCom.map_index)
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
        if isinstance(map_indexes, int):
            query = query.where(XCom.map_index == map_indexes)
        elif map_indexes is not None:
            map_indexes = list(map_indexes)
            query = query.where(XCom.map_index.in_(map_indexes))
        if single and not isinstance(map_indexes, list):
            row = session.execute(query.limit(1)).first()
            if row is None:
                return default
            return _value_or_sequence(database, dag_id, row, whole=map_indexes is None)
        rows = session.execute(query).all()
    if isinstance(map_indexes, list):  # picked instances: their values, in map-index order
        return [row.value for row in sorted(rows, key=lambda row: row.map_index)]
    assert wanted is not None
    position = {task_id: index for index, task_id in enumerate(wanted)}
    values, seen = [], set()
    for row in sorted(rows, key=lambda row: position[row.task_id]):
        if row.map_index >= 0 and map_indexes is None:  # a mapped task: one lazy sequence
            if (row.task_id, row.run_id, row.key) in seen:
                continue
            seen.add((row.task_id, row.run_id, row.key))
        values.append(_value_or_sequence(database, dag_id, row, whole=map_indexes is None))
    return values


def _value_or_sequence(database: Database, dag_id: str, row: Any, *, whole: bool) -> Any:
    """A row's value; for a mapped instance's row, with ``whole``, all its task's values."""
    if whole and row.map_index >= 0:
        return LazyXComSequence(database, dag_id, row.run_id, row.task_id, row.key)
    return row.value


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
    """Store one XCom, replacing the task instance's earlier ``key`` (:func:`write_xcoms`)."""
    write_xcoms(session, key, {(dag_id, run_id, task_id, map_index): value})


def write_xcoms(session: Any, key: str, values: dict[tuple[str, str, str, int], Any]) -> None:
    """Store each task instance's ``key`` XCom (``values`` by dag_id, run_id, task_id,
    map_index), replacing earlier ones: one ``DELETE`` and one ``INSERT`` for all of them."""
    instances = list(values)
    for start in range(0, len(instances), KEYS_PER_STATEMENT):
        chunk = instances[start : start + KEYS_PER_STATEMENT]
        session.execute(delete(XCom).where(ti_keys_clause(XCom, chunk), XCom.key == key))
    now = datetime.now(UTC)
    session.add_all(
        XCom(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            key=key,
            value=value,
            timestamp=now,
        )
        for (dag_id, run_id, task_id, map_index), value in values.items()
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
