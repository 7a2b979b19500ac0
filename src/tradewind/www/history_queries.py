"""Read queries for the pages that look back: a run's tries, a DAG's run durations, a try's
XComs and a DAG's audit log. Each is one bounded statement (or two), like :mod:`queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.db.models import AuditLog, DagRun, TaskInstance, TaskInstanceHistory, XCom
from tradewind.states import TaskInstanceState
from tradewind.www.gantt import Piece


def try_pieces(session: Session, dag_id: str, run_id: str) -> list[Piece]:
    """Every recorded piece of every try in the run, and each instance's try in progress.

    Finished pieces come from ``task_instance_history``; the ``task_instance`` row adds
    the try it is queued for or running, and any ended try the history lacks (one that
    ended before the history was kept, or was ended by a person or the zombie sweep).
    """
    kept = session.execute(
        select(
            TaskInstanceHistory.task_id,
            TaskInstanceHistory.map_index,
            TaskInstanceHistory.try_number,
            TaskInstanceHistory.state,
            TaskInstanceHistory.queued_dttm,
            TaskInstanceHistory.start_date,
            TaskInstanceHistory.end_date,
        )
        .where(TaskInstanceHistory.dag_id == dag_id, TaskInstanceHistory.run_id == run_id)
        .order_by(TaskInstanceHistory.id)
    )
    pieces = [Piece(*row) for row in kept]
    seen = {(p.task_id, p.map_index, p.try_number, p.start) for p in pieces}
    current = session.execute(
        select(
            TaskInstance.task_id,
            TaskInstance.map_index,
            TaskInstance.try_number,
            TaskInstance.state,
            TaskInstance.queued_dttm,
            TaskInstance.start_date,
            TaskInstance.end_date,
        ).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
    )
    for task_id, map_index, tries, state, queued, start, end in current:
        if state == TaskInstanceState.QUEUED:
            # Waiting for its next try: only the wait is known yet.
            pieces.append(Piece(task_id, map_index, tries + 1, state, queued, None, None))
            continue
        if start is not None and (task_id, map_index, tries, start) not in seen:
            ended = end if state != TaskInstanceState.RUNNING else None
            waited = queued if queued is not None and queued <= start else None
            pieces.append(Piece(task_id, map_index, tries, state, waited, start, ended))
    return pieces


@dataclass(frozen=True)
class RunDuration:
    run_id: str
    execution_date: datetime
    state: str
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None

    def seconds(self, now: datetime) -> float | None:
        """How long the run has run (so far, if it has not ended); None: not started."""
        if self.start_date is None:
            return None
        return max(((self.end_date or now) - self.start_date).total_seconds(), 0.0)

    def waited(self) -> float | None:
        """How long it was queued before it started."""
        if self.queued_at is None or self.start_date is None:
            return None
        return max((self.start_date - self.queued_at).total_seconds(), 0.0)


def run_durations(session: Session, dag_id: str, count: int) -> list[RunDuration]:
    """The DAG's newest ``count`` runs, oldest first (read by the (dag_id, date) index)."""
    rows = session.execute(
        select(
            DagRun.run_id,
            DagRun.execution_date,
            DagRun.state,
            DagRun.queued_at,
            DagRun.start_date,
            DagRun.end_date,
        )
        .where(DagRun.dag_id == dag_id)
        .order_by(DagRun.execution_date.desc())
        .limit(count)
    )
    return [RunDuration(*row) for row in reversed(list(rows))]


def task_xcoms(
    session: Session, dag_id: str, run_id: str, task_id: str, map_index: int
) -> list[tuple[str, Any, datetime]]:
    """(key, value, timestamp) of the XComs the task instance's latest try pushed."""
    rows = session.execute(
        select(XCom.key, XCom.value, XCom.timestamp)
        .where(
            XCom.dag_id == dag_id,
            XCom.run_id == run_id,
            XCom.task_id == task_id,
            XCom.map_index == map_index,
        )
        .order_by(XCom.key)
    )
    return [(key, value, when) for key, value, when in rows]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLog]
    total: int
    page: int
    pages: int


def audit_log(session: Session, dag_id: str, page: int, page_size: int) -> AuditPage:
    """One page of the DAG's audit log, newest first (the (dag_id, dttm) index)."""
    counted = select(func.count()).select_from(AuditLog).where(AuditLog.dag_id == dag_id)
    total = session.scalar(counted) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    entries = session.scalars(
        select(AuditLog)
        .where(AuditLog.dag_id == dag_id)
        .order_by(AuditLog.dttm.desc(), AuditLog.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return AuditPage(list(entries), total, page, pages)
