"""Keeping each finished piece of a try in ``task_instance_history`` (see the model).

A piece is a whole try, or the stretch of it before a reschedule or a deferral: the
Gantt view draws each as its own bar, so retries and waits are visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from tradewind.db.models import TaskInstance, TaskInstanceHistory
from tradewind.db.ti_keys import ti_keys_clause


@dataclass(frozen=True)
class TryPiece:
    """What the TI row says about the running try, read before its end overwrites it."""

    try_number: int
    queued_dttm: datetime | None
    start_date: datetime | None
    hostname: str
    rendered_fields: dict[str, Any] | None

    @classmethod
    def of(
        cls, ti: TaskInstance, try_number: int, rendered_fields: dict[str, Any] | None
    ) -> TryPiece:
        return cls(try_number, ti.queued_dttm, ti.start_date, ti.hostname or "", rendered_fields)


def try_piece_row(
    key: tuple[str, str, str, int], piece: TryPiece, state: str | None, end: datetime
) -> dict[str, Any]:
    """The ``task_instance_history`` row of a piece that ended at ``end`` in ``state``."""
    dag_id, run_id, task_id, map_index = key
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "map_index": map_index,
        "try_number": piece.try_number,
        "state": None if state is None else str(state),
        "queued_dttm": piece.queued_dttm,
        "start_date": piece.start_date,
        "end_date": end,
        "hostname": piece.hostname,
        "rendered_fields": piece.rendered_fields,
    }


def record_try_piece(
    session: Any,
    key: tuple[str, str, str, int],
    piece: TryPiece,
    state: str | None,
    end: datetime,
) -> None:
    """One insert, no read."""
    record_try_pieces(session, [try_piece_row(key, piece, state, end)])


def record_try_pieces(session: Any, rows: list[dict[str, Any]]) -> None:
    """One insert for all of ``rows`` (:func:`try_piece_row`), no read: this runs in the
    batch that records many tries' ends."""
    if rows:
        session.execute(insert(TaskInstanceHistory), rows)


def first_starts(
    session: Any, tries: list[tuple[tuple[str, str, str, int], int]]
) -> dict[tuple[tuple[str, str, str, int], int], datetime]:
    """When each of ``tries`` (a task instance's key and a try number) first started: the
    start of its earliest recorded piece. One query for the whole batch."""
    if not tries:
        return {}
    wanted = set(tries)
    rows = session.execute(
        select(
            TaskInstanceHistory.dag_id,
            TaskInstanceHistory.run_id,
            TaskInstanceHistory.task_id,
            TaskInstanceHistory.map_index,
            TaskInstanceHistory.try_number,
            func.min(TaskInstanceHistory.start_date),
        )
        .where(ti_keys_clause(TaskInstanceHistory, {key for key, _ in tries}))
        .group_by(
            TaskInstanceHistory.dag_id,
            TaskInstanceHistory.run_id,
            TaskInstanceHistory.task_id,
            TaskInstanceHistory.map_index,
            TaskInstanceHistory.try_number,
        )
    )
    starts = {}
    for dag_id, run_id, task_id, map_index, try_number, start in rows:
        found = ((dag_id, run_id, task_id, map_index), try_number)
        if found in wanted and start is not None:
            starts[found] = start
    return starts
