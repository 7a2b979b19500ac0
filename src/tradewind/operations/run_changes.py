"""Changing one dag run by hand: its state, its note, deleting it.

Setting a run's state follows Airflow: ``success`` marks every unfinished task instance
success too; ``failed`` fails the running ones and skips the rest of the unfinished;
``queued`` only re-queues the run (the scheduler picks it up again). Each change is in
the audit log and wakes the scheduler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import (
    DagRun,
    DagRunState,
    RenderedTaskInstanceFields,
    TaskInstance,
    TaskInstanceState,
    TaskMap,
    TaskReschedule,
    XCom,
)
from tradewind.exceptions import BadRequest, DagRunNotFound
from tradewind.operations import audit
from tradewind.operations.dags import require_dag, wake_scheduler

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database

SETTABLE = (DagRunState.SUCCESS, DagRunState.FAILED, DagRunState.QUEUED)


def require_run(session: Session, dag_id: str, run_id: str) -> DagRun:
    """The run's row, or DagNotFound / DagRunNotFound (404)."""
    require_dag(session, dag_id)
    run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    if run is None:
        raise DagRunNotFound(f"DAGRun with DAG ID: '{dag_id}' and DagRun ID: '{run_id}' not found")
    return run


def set_dag_run_state(
    db: Database,
    dag_id: str,
    run_id: str,
    state: str,
    *,
    actor: str,
    config: Config | None = None,
) -> None:
    if state not in SETTABLE:
        raise BadRequest(f"A dag run's state can be set to {', '.join(SETTABLE)}, not {state!r}")
    now = utcnow()
    with db.session() as session:
        run = require_run(session, dag_id, run_id)
        previous = run.state
        unfinished = TaskInstance.state.is_(None) | TaskInstance.state.not_in(
            TaskInstanceState.FINISHED
        )
        of_run = (TaskInstance.dag_id == dag_id) & (TaskInstance.run_id == run_id)
        if state == DagRunState.SUCCESS:
            _set_tis(session, of_run & unfinished, TaskInstanceState.SUCCESS, now)
        elif state == DagRunState.FAILED:
            running = TaskInstance.state == TaskInstanceState.RUNNING
            _set_tis(session, of_run & running, TaskInstanceState.FAILED, now)
            _set_tis(session, of_run & unfinished, TaskInstanceState.SKIPPED, now)
        run.state = state
        if state == DagRunState.QUEUED:
            run.queued_at, run.end_date = now, None
        else:
            run.end_date = now
            if run.start_date is None:
                run.start_date = now
        audit.record(
            session,
            f"set_dag_run_state_{state}",
            actor,
            dag_id=dag_id,
            run_id=run_id,
            extra={"previous_state": previous},
        )
    if config is not None:
        wake_scheduler(db, config)


def _set_tis(session: Session, where: Any, state: str, now: Any) -> None:
    session.execute(
        update(TaskInstance)
        .where(where)
        .values(state=state, end_date=now, updated_at=now, next_retry_at=None)
        .execution_options(synchronize_session=False)
    )


def set_dag_run_note(db: Database, dag_id: str, run_id: str, note: str, *, actor: str) -> None:
    with db.session() as session:
        run = require_run(session, dag_id, run_id)
        run.note = note
        audit.record(session, "set_dag_run_note", actor, dag_id=dag_id, run_id=run_id)


def delete_dag_run(db: Database, dag_id: str, run_id: str, *, actor: str) -> int:
    """Delete the run and everything of its tries (task instances, XComs...); logs stay."""
    with db.session() as session:
        require_run(session, dag_id, run_id)
        count = 0
        for model in (
            XCom,
            TaskReschedule,
            RenderedTaskInstanceFields,
            TaskMap,
            TaskInstance,
            DagRun,
        ):
            where = (model.dag_id == dag_id) & (model.run_id == run_id)
            result = session.execute(delete(model).where(where))
            count += cast(CursorResult[Any], result).rowcount or 0
        audit.record(session, "delete_dag_run", actor, dag_id=dag_id, run_id=run_id)
    return count
