"""``depends_on_past``, ``ignore_first_depends_on_past`` and ``wait_for_downstream``.

Airflow 2's rules: a task instance with ``depends_on_past`` starts only once the same task
in the previous run (by logical date) ended ``success`` or ``skipped``; a DAG's first run
has nothing to wait for. If the previous run has no instance of the task (the task was
added since), it waits, unless ``ignore_first_depends_on_past`` is set and no earlier run
has an instance of the task at all. ``wait_for_downstream`` (which implies
``depends_on_past``) also waits for the previous instance's direct downstream tasks to end
``success`` or ``skipped``. For a mapped task, "the same task" is all of its instances.

:func:`past_blocker` answers for the scheduler (a task waits while it has a reason) and
for ``tasks failed-deps`` (which prints the reason).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedTask
from tradewind.db.models import DagRun, TaskInstance
from tradewind.db.models import TaskInstanceState as S

PAST_DONE = (S.SUCCESS, S.SKIPPED)


def past_blocker(session: Session, run: DagRun, task: SerializedTask) -> str | None:
    """Why ``task`` of ``run`` must wait for the previous run; ``None`` if it need not.

    A mapped task's instances all wait for every instance of the task in the previous run,
    as in Airflow 2.10 (the same map index need not do the same work from run to run);
    instances ``removed`` by a re-sizing are no longer part of it and are not waited for.
    """
    if not (task.depends_on_past or task.wait_for_downstream):
        return None
    previous = session.scalars(
        select(DagRun.run_id)
        .where(DagRun.dag_id == run.dag_id, DagRun.execution_date < run.execution_date)
        .order_by(DagRun.execution_date.desc())
        .limit(1)
    ).first()
    if previous is None:
        return None  # the DAG's first run
    states = [
        state
        for _, state in _all_states(session, run.dag_id, previous, {task.task_id})
        if state != S.REMOVED
    ]
    if not states:
        if task.ignore_first_depends_on_past and not _ran_before(session, run, task.task_id):
            return None
        return (
            f"depends_on_past: the previous run {previous} has no instance of task "
            f"{task.task_id} yet (set ignore_first_depends_on_past=True to start a new "
            "task without one)"
        )
    unfinished = [state for state in states if state not in PAST_DONE]
    if unfinished:
        which = f"{len(unfinished)} of its {len(states)} instances are" if len(states) > 1 else "is"
        return (
            f"depends_on_past: task {task.task_id} in the previous run {previous} {which} "
            f"{', '.join(sorted({str(state) for state in unfinished}))}, not success or skipped"
        )
    if task.wait_for_downstream and task.downstream_task_ids:
        below = _all_states(session, run.dag_id, previous, set(task.downstream_task_ids))
        waiting = sorted({tid for tid, st in below if st not in PAST_DONE and st != S.REMOVED})
        if waiting:
            return (
                f"wait_for_downstream: downstream tasks {', '.join(waiting)} of the previous "
                f"run {previous} have not ended success or skipped"
            )
    return None


def _all_states(
    session: Session, dag_id: str, run_id: str, task_ids: set[str]
) -> list[tuple[str, str | None]]:
    """(task_id, state) of every instance (each map index) of these tasks in the run."""
    rows = session.execute(
        select(TaskInstance.task_id, TaskInstance.state).where(
            TaskInstance.dag_id == dag_id,
            TaskInstance.run_id == run_id,
            TaskInstance.task_id.in_(task_ids),
        )
    )
    return [(task_id, state) for task_id, state in rows]


def _ran_before(session: Session, run: DagRun, task_id: str) -> bool:
    """Whether any run earlier than ``run`` has an instance of the task."""
    found = session.scalars(
        select(TaskInstance.task_id)
        .join(
            DagRun,
            (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id),
        )
        .where(
            TaskInstance.dag_id == run.dag_id,
            TaskInstance.task_id == task_id,
            DagRun.execution_date < run.execution_date,
        )
        .limit(1)
    ).first()
    return found is not None
