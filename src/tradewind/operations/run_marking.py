"""Marking a whole dag run success or failed by hand (the run page's buttons).

Airflow 2.7's rules, teardowns included, since a teardown removes what its setup made and
must not be lost to a click:

* **success**: every task instance that is not a teardown's becomes ``success``, whatever
  its state was;
* **failed**: the running ones (``running``, ``deferred``, ``up_for_reschedule``) become
  ``failed`` (their runner stops them) and the other unfinished ones ``skipped``, teardowns'
  aside;
* teardown task instances are left alone either way: a running one carries on, a pending
  one runs when its rule allows (its setup succeeded, everything upstream ended). Until
  they have, the run stays ``running`` (a finished run goes back to ``queued``) and the
  scheduler gives it its final state by the usual rules, as Airflow does. So a run marked
  failed while only tasks that had not started were left (all now ``skipped``) ends
  ``success`` once its teardown ran: Airflow's behaviour, kept on purpose.
* With no teardown left to run, the run takes the marked state at once.

Each mark is in the audit log and wakes the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import DagRun, DagRunState, TaskInstance, TaskInstanceState
from tradewind.exceptions import BadRequest, DagRunNotFound
from tradewind.operations import audit
from tradewind.operations.dags import get_serialized_dag, require_dag, wake_scheduler

if TYPE_CHECKING:
    from datetime import datetime

    from tradewind.config import Config
    from tradewind.db.engine import Database

MARKABLE = (DagRunState.SUCCESS, DagRunState.FAILED)
#: What "failed" fails rather than skips (Airflow's running states).
RUNNING = (
    TaskInstanceState.RUNNING,
    TaskInstanceState.DEFERRED,
    TaskInstanceState.UP_FOR_RESCHEDULE,
)


@dataclass
class RunMarked:
    """What a mark changed: task instances by new state, and the run's state now."""

    run_state: str
    changed: dict[str, int] = field(default_factory=dict)  # new state -> task instances
    teardowns_left: list[str] = field(default_factory=list)  # teardown ids still to end


def mark_dag_run(
    db: Database,
    dag_id: str,
    run_id: str,
    state: str,
    *,
    actor: str,
    config: Config | None = None,
) -> RunMarked:
    """Mark the run ``success`` or ``failed`` with its task instances (see the module)."""
    if state not in MARKABLE:
        raise BadRequest(f"A dag run can be marked {' or '.join(MARKABLE)}, not {state!r}")
    now = utcnow()
    with db.session() as session:
        require_dag(session, dag_id)
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is None:
            raise DagRunNotFound(f"DAG {dag_id} has no run {run_id}")
        teardown_ids = {
            task_id
            for task_id, task in get_serialized_dag(session, dag_id).tasks.items()
            if task.is_teardown
        }
        previous = run.state
        marked = _mark_task_instances(session, run, state, teardown_ids, now)
        _settle_run(run, state, marked, now)
        audit.record(
            session,
            f"mark_dag_run_{state}",
            actor,
            dag_id=dag_id,
            run_id=run_id,
            extra={"previous_state": previous, "changed": marked.changed},
        )
    if config is not None:
        wake_scheduler(db, config)
    return marked


def _mark_task_instances(
    session: Session, run: DagRun, state: str, teardown_ids: set[str], now: datetime
) -> RunMarked:
    tis = session.scalars(
        select(TaskInstance).where(
            TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
        )
    ).all()
    marked = RunMarked(run_state=run.state)
    for ti in tis:
        if ti.task_id in teardown_ids:
            if ti.state is None or ti.state not in TaskInstanceState.FINISHED:
                marked.teardowns_left.append(ti.task_id)
            continue
        new = _new_state(ti.state, state)
        if new is None or new == ti.state:
            continue
        _set(ti, new, now)
        marked.changed[new] = marked.changed.get(new, 0) + 1
    marked.teardowns_left = sorted(set(marked.teardowns_left))
    return marked


def _new_state(current: str | None, marked: str) -> str | None:
    """A task instance's state after its run is marked ``marked`` (None: unchanged)."""
    if marked == DagRunState.SUCCESS:
        return TaskInstanceState.SUCCESS
    if current in RUNNING:
        return TaskInstanceState.FAILED
    if current is None or current not in TaskInstanceState.FINISHED:
        return TaskInstanceState.SKIPPED
    return None


def _set(ti: TaskInstance, state: str, now: datetime) -> None:
    ti.state = state
    ti.end_date = now
    if ti.start_date is None:
        ti.start_date = now
    ti.duration = (now - ti.start_date).total_seconds()
    ti.next_retry_at = None
    ti.updated_at = now


def _settle_run(run: DagRun, state: str, marked: RunMarked, now: datetime) -> None:
    """The marked state at once, or, while a teardown has to end, back to the scheduler."""
    if not marked.teardowns_left:
        run.state = state
        run.end_date = now
        if run.start_date is None:
            run.start_date = now
    elif run.state in DagRunState.FINISHED:
        run.state = DagRunState.QUEUED
        run.end_date = None
    marked.run_state = run.state
