"""Marking a task instance success or failed by hand (the UI's "mark" buttons).

Only the one task instance changes. If its run had already finished, the run goes back
to ``queued`` so the scheduler re-evaluates it (downstream tasks may now run, or the
run's final state may change), and the scheduler is woken at once.
"""

from __future__ import annotations

from sqlalchemy import select

from tradewind.authoring.timezone import utcnow
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, DagRunState, TaskInstance, TaskInstanceState
from tradewind.exceptions import BadRequest, DagRunNotFound, TaskNotFound
from tradewind.operations import audit
from tradewind.operations.dags import require_dag, wake_scheduler

MARKABLE = (TaskInstanceState.SUCCESS, TaskInstanceState.FAILED)
#: What Airflow's stable API may set (``UpdateTaskState``).
API_SETTABLE = (*MARKABLE, TaskInstanceState.SKIPPED)


def set_task_instance_state(
    db: Database,
    dag_id: str,
    run_id: str,
    task_id: str,
    state: str,
    *,
    actor: str,
    config: Config | None = None,
    map_index: int = -1,
    settable: tuple[str, ...] = MARKABLE,
) -> str | None:
    """Set the state; returns the previous one. Raises NotFound / BadRequest."""
    if state not in settable:
        raise BadRequest(f"A task instance can be marked {' or '.join(settable)}, not {state!r}")
    with db.session() as session:
        require_dag(session, dag_id)
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is None:
            raise DagRunNotFound(f"DAG {dag_id} has no run {run_id}")
        ti = session.get(TaskInstance, (dag_id, run_id, task_id, map_index))
        if ti is None:
            raise TaskNotFound(f"Task {task_id} has no task instance in run {run_id} of {dag_id}")
        previous = ti.state
        now = utcnow()
        ti.state = state
        ti.end_date = now
        if ti.start_date is None:
            ti.start_date = now
        ti.duration = (now - ti.start_date).total_seconds()
        ti.next_retry_at = None
        ti.updated_at = now
        if run.state in DagRunState.FINISHED:
            run.state = DagRunState.QUEUED
            run.end_date = None
        audit.record(
            session,
            f"mark_{state}",
            actor,
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            extra={"previous_state": previous},
        )
    if config is not None:
        wake_scheduler(db, config)
    return previous
