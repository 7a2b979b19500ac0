"""Changing one dag run by hand: its state, its note, deleting it.

Setting a run's state to ``success`` or ``failed`` is the run page's mark (``run_marking``:
Airflow's rules, teardowns left to run); ``queued`` only re-queues the run (the scheduler
picks it up again). Each change is in the audit log and wakes the scheduler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import (
    DagRun,
    DagRunState,
    RenderedTaskInstanceFields,
    TaskInstance,
    TaskMap,
    TaskReschedule,
    XCom,
)
from tradewind.exceptions import BadRequest, DagRunNotFound
from tradewind.operations import audit, run_marking
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
    """Success and failed are the run page's marks (``run_marking``: teardowns are left to
    run); queued only re-queues the run for the scheduler."""
    if state not in SETTABLE:
        raise BadRequest(f"A dag run's state can be set to {', '.join(SETTABLE)}, not {state!r}")
    if state != DagRunState.QUEUED:
        with db.read_session() as session:
            require_run(session, dag_id, run_id)  # Airflow's 404 text before marking
        run_marking.mark_dag_run(db, dag_id, run_id, state, actor=actor, config=config)
        return
    now = utcnow()
    with db.session() as session:
        run = require_run(session, dag_id, run_id)
        previous = run.state
        run.state = state
        run.queued_at, run.end_date = now, None
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
