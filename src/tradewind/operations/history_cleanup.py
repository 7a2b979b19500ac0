"""Delete old history (``tradewind db clean``) in short transactions beside a live scheduler.

Each table is walked once in primary-key order: a read picks the next batch of keys that
match (older than the cut-off, and safe to delete), then a short write transaction deletes
those keys, checking the same conditions again so a row that changed in between (a run
cleared and queued again) stays. After each batch the cleaner pauses as long as the write
took, so a scheduler waiting for the database gets at least half of its time.

What is never deleted: runs that are queued or running (and everything of theirs), the
latest run of each DAG and its latest scheduled run (the next run's data interval and
``catchup`` start from it, as in Airflow), jobs still running, and triggers a task waits on.
A run's task instances, XComs, rendered fields, reschedules and mapped lengths go with it
(foreign keys cascade), whether or not their own tables were named.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    inspect,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased

from tradewind.db.engine import Database
from tradewind.db.models import (
    AuditLog,
    DagRun,
    DatasetEvent,
    Job,
    RenderedTaskInstanceFields,
    TaskInstance,
    TaskReschedule,
    Trigger,
    XCom,
)
from tradewind.db.models.base import Base
from tradewind.states import DagRunState, TaskInstanceState

DEFAULT_BATCH_SIZE = 1000
#: Longest pause between two batches, however long a batch took.
MAX_PAUSE = 0.2

#: Tables Airflow's ``db clean`` knows that Tradewind has not (or keeps current itself).
NOT_IN_TRADEWIND = {
    "callback_request": "Tradewind keeps no callback requests in the database",
    "celery_taskmeta": "Celery's result tables are not Tradewind's",
    "celery_tasksetmeta": "Celery's result tables are not Tradewind's",
    "dag": "a DAG's row lives as long as its file",
    "import_error": "an import error is cleared when its file parses again",
    "session": "Tradewind keeps UI sessions in signed cookies, not in a table",
    "sla_miss": "Tradewind has no SLA table",
    "task_fail": "Tradewind has no task_fail table (failures are task instance states)",
    "task_instance_history": "Tradewind has no task_instance_history table",
}


@dataclass(frozen=True)
class HistoryTable:
    """One table ``db clean`` deletes from, and which of its rows are old and safe to go."""

    name: str
    model: type[Base]
    recency: str  # the column compared with the cut-off (Airflow's choice where it has one)
    old_and_safe: Callable[[datetime], ColumnElement[bool]]

    def primary_key(self) -> list[ColumnElement[Any]]:
        return list(inspect(self.model).primary_key)


def _run_finished(model: type[Base]) -> ColumnElement[bool]:
    """The row's run exists and has finished: nothing running reads it any more."""
    return exists().where(
        DagRun.dag_id == model.dag_id,  # type: ignore[attr-defined]
        DagRun.run_id == model.run_id,  # type: ignore[attr-defined]
        DagRun.state.in_(DagRunState.FINISHED),
    )


def _old_run(before: datetime) -> ColumnElement[bool]:
    newer = aliased(DagRun)
    newer_scheduled = aliased(DagRun)
    has_newer = exists().where(
        newer.dag_id == DagRun.dag_id, newer.execution_date > DagRun.execution_date
    )
    has_newer_scheduled = exists().where(
        newer_scheduled.dag_id == DagRun.dag_id,
        newer_scheduled.execution_date > DagRun.execution_date,
        not_(newer_scheduled.external_trigger),
    )
    return and_(
        DagRun.start_date < before,
        DagRun.state.in_(DagRunState.FINISHED),
        has_newer,
        or_(DagRun.external_trigger, has_newer_scheduled),
    )


def _old_rendered(before: datetime) -> ColumnElement[bool]:
    model = RenderedTaskInstanceFields
    return exists().where(
        DagRun.dag_id == model.dag_id,
        DagRun.run_id == model.run_id,
        DagRun.state.in_(DagRunState.FINISHED),
        DagRun.start_date < before,
    )


#: In the order they are cleaned: a run's dependents first, so deleting a run cascades
#: into little.
TABLES: dict[str, HistoryTable] = {
    table.name: table
    for table in (
        HistoryTable(
            "xcom", XCom, "timestamp", lambda t: and_(XCom.timestamp < t, _run_finished(XCom))
        ),
        HistoryTable(
            "rendered_task_instance_fields",
            RenderedTaskInstanceFields,
            "the run's start_date",
            _old_rendered,
        ),
        HistoryTable(
            "task_reschedule",
            TaskReschedule,
            "start_date",
            lambda t: and_(TaskReschedule.start_date < t, _run_finished(TaskReschedule)),
        ),
        HistoryTable(
            "task_instance",
            TaskInstance,
            "start_date",
            lambda t: and_(
                TaskInstance.start_date < t,
                TaskInstance.state.in_(TaskInstanceState.FINISHED),
                _run_finished(TaskInstance),
            ),
        ),
        HistoryTable("dag_run", DagRun, "start_date", _old_run),
        HistoryTable(
            "dataset_event", DatasetEvent, "timestamp", lambda t: DatasetEvent.timestamp < t
        ),
        HistoryTable("log", AuditLog, "dttm", lambda t: AuditLog.dttm < t),
        HistoryTable(
            "job",
            Job,
            "latest_heartbeat",
            lambda t: and_(Job.latest_heartbeat < t, Job.state != "running"),
        ),
        HistoryTable(
            "trigger",
            Trigger,
            "created_date",
            lambda t: and_(
                Trigger.created_date < t,
                ~exists().where(TaskInstance.trigger_id == Trigger.id),
            ),
        ),
    )
}


class UnknownTable(ValueError):
    """A table ``db clean`` does not clean; the message says why and lists those it does."""


def choose_tables(names: Sequence[str] | None) -> list[HistoryTable]:
    """The named tables in cleaning order (all of them for None); UnknownTable otherwise."""
    if not names:
        return list(TABLES.values())
    for name in names:
        if name not in TABLES:
            why = NOT_IN_TRADEWIND.get(name, "no such table")
            raise UnknownTable(f"{name!r}: {why}. Tables db clean cleans: {', '.join(TABLES)}")
    return [table for table in TABLES.values() if table.name in names]


def parse_cut_off(text: str) -> datetime:
    """An ISO 8601 date or timestamp; without an offset it is UTC. ValueError if not."""
    candidate = text.strip()
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a timestamp; for example 2024-01-01 or 2024-01-01T00:00:00+01:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def count_old(database: Database, table: HistoryTable, before: datetime) -> int:
    """How many rows ``clean`` would delete from ``table`` now (cascades not counted)."""
    query = select(func.count()).select_from(table.model).where(table.old_and_safe(before))
    with database.read_session() as session:
        return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Batch:
    table: str
    deleted: int
    seconds: float


def clean(
    database: Database,
    table: HistoryTable,
    before: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[Batch], None] = lambda _batch: None,
) -> int:
    """Delete ``table``'s old rows, ``batch_size`` keys per transaction; the rows deleted."""
    total = 0
    for keys in _batches_of_old_keys(database, table, before, batch_size):
        started = time.monotonic()
        with database.session() as session:
            result = session.execute(
                delete(table.model)
                .where(_key_range(table, keys), table.old_and_safe(before))
                .execution_options(synchronize_session=False)
            )
            deleted = int(getattr(result, "rowcount", 0) or 0)
        took = time.monotonic() - started
        total += deleted
        on_batch(Batch(table.name, deleted, took))
        time.sleep(min(took, MAX_PAUSE))  # the scheduler's turn
    return total


def _batches_of_old_keys(
    database: Database, table: HistoryTable, before: datetime, batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Walk the table once in key order, reading (never locking) the next matching keys."""
    key = table.primary_key()
    after: tuple[Any, ...] | None = None
    while True:
        query = select(*key).where(table.old_and_safe(before))
        if after is not None:
            query = query.where(
                tuple_(*key) > tuple_(*after) if len(key) > 1 else key[0] > after[0]
            )
        with database.read_session() as session:
            keys = [tuple(row) for row in session.execute(query.order_by(*key).limit(batch_size))]
        if not keys:
            return
        yield keys
        after = keys[-1]


def _key_range(table: HistoryTable, keys: list[tuple[Any, ...]]) -> ColumnElement[bool]:
    """From the batch's first key to its last: the walk reads keys in order, so the batch
    is one range of the primary key's index (a long ``IN`` list of composite keys is a
    scan per key on PostgreSQL). Rows added in the range meanwhile are old too, or the
    re-checked conditions keep them."""
    key = table.primary_key()
    if len(key) == 1:
        return key[0].between(keys[0][0], keys[-1][0])
    return and_(tuple_(*key) >= tuple_(*keys[0]), tuple_(*key) <= tuple_(*keys[-1]))
