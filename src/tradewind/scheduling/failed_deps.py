"""Why is a task instance not running? The answers ``tasks failed-deps`` prints.

Uses the same rules as the scheduler (trigger rules, depends_on_past, pools,
max_active_tasks, pause, retry wait), evaluated for one task instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.config import Config
from tradewind.dagfiles.serialization import SerializedTask
from tradewind.dagfiles.stored import load_serialized_dag
from tradewind.db.models import DagModel, DagRun, DagRunState, Pool, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.scheduling.past_deps import past_blocker
from tradewind.scheduling.task_instances import new_task_instance
from tradewind.scheduling.trigger_rules import Decision, evaluate, explain, setup_constraint


def upstream_blockers(session: Session, ti: TaskInstance) -> list[str]:
    """Trigger rule and depends_on_past problems (what ``tasks run`` checks)."""
    sdag = load_serialized_dag(session, ti.dag_id)
    task = sdag.tasks.get(ti.task_id)
    if task is None:
        return [f"task {ti.task_id} is no longer in the DAG"]
    reasons = []
    # Each instance of a mapped upstream task counts, named ``task[i]``.
    rows = session.execute(
        select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
            TaskInstance.dag_id == ti.dag_id,
            TaskInstance.run_id == ti.run_id,
            TaskInstance.task_id.in_(task.upstream_task_ids),
        )
    ).all()
    same_instance = _same_instance_upstream(sdag.tasks, task, ti.map_index, rows)
    upstream: dict[str, str | None] = {
        task_id if map_index < 0 else f"{task_id}[{map_index}]": state
        for task_id, map_index, state in rows
        if task_id not in same_instance or map_index == ti.map_index
    }
    seen = {name.partition("[")[0] for name in upstream}
    for task_id in task.upstream_task_ids - seen:
        upstream[task_id] = None
    reasons.extend(_setup_blockers(session, ti, sdag.relevant_setups(ti.task_id), task))
    setups = [state for name, state in upstream.items() if name.partition("[")[0] in sdag.setup_ids]
    if evaluate(task.trigger_rule, upstream.values(), setups) is not Decision.RUN:
        reasons.append(explain(task.trigger_rule, upstream))
    if task.depends_on_past or task.wait_for_downstream:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == ti.dag_id, DagRun.run_id == ti.run_id)
        ).one()
        if (reason := past_blocker(session, run, task)) is not None:
            reasons.append(reason)
    return reasons


def _same_instance_upstream(
    tasks: dict[str, SerializedTask], task: SerializedTask, map_index: int, rows: Sequence[Any]
) -> set[str]:
    """Upstream tasks of which instance ``map_index`` alone counts: those in the same mapped
    task group as ``task`` that have that instance (as the scheduler decides)."""
    group = task.mapped.get("group") if task.mapped is not None else None
    if group is None or map_index < 0:
        return set()
    return {
        task_id
        for task_id, index, _ in rows
        if index == map_index and (tasks[task_id].mapped or {}).get("group") == group
    }


def _setup_blockers(
    session: Session, ti: TaskInstance, relevant: frozenset[str], task: SerializedTask
) -> list[str]:
    """Work between a setup and its teardown waits for that setup to succeed."""
    if task.is_teardown or not relevant:
        return []
    rows = session.execute(
        select(TaskInstance.task_id, TaskInstance.state).where(
            TaskInstance.dag_id == ti.dag_id,
            TaskInstance.run_id == ti.run_id,
            TaskInstance.task_id.in_(relevant),
        )
    ).all()
    states = dict(rows)  # for the message; every instance of a mapped setup counts below
    found = [state for _, state in rows] + [None for tid in relevant if tid not in states]
    if setup_constraint(found) is None:
        return []
    seen = ", ".join(f"{tid}={states.get(tid) or 'none'}" for tid in sorted(relevant))
    return [f"the setup tasks it works within must succeed first ({seen})"]


def failed_dependencies(session: Session, config: Config, ti: TaskInstance) -> list[str]:
    """Every reason the task instance is not running now; empty when it could run."""
    reasons: list[str] = []
    if ti.state in S.FINISHED:
        reasons.append(f"task instance is already {ti.state}")
        return reasons
    if ti.state in (S.QUEUED, S.RUNNING):
        reasons.append(f"task instance is already {ti.state}")
        return reasons
    dag = session.get(DagModel, ti.dag_id)
    if dag is not None and dag.is_paused:
        reasons.append(f"DAG {ti.dag_id} is paused")
    run = session.scalars(
        select(DagRun).where(DagRun.dag_id == ti.dag_id, DagRun.run_id == ti.run_id)
    ).one()
    if run.state != DagRunState.RUNNING:
        reasons.append(f"dag run {run.run_id} is {run.state}, not running")
    if ti.state == S.UP_FOR_RESCHEDULE and ti.next_retry_at is not None:
        reasons.append(f"a rescheduled sensor: next poke at {ti.next_retry_at}")
    if ti.state == S.UP_FOR_RETRY and ti.next_retry_at is not None:
        now = datetime.now(UTC)
        if ti.next_retry_at > now:
            wait = (ti.next_retry_at - now).total_seconds()
            reasons.append(
                f"waiting for the retry delay: next try at {ti.next_retry_at} ({wait:.0f}s)"
            )
    reasons.extend(upstream_blockers(session, ti))
    pool = session.scalars(select(Pool).where(Pool.pool == ti.pool)).one_or_none()
    if pool is None:
        reasons.append(f"pool {ti.pool!r} does not exist: create it or change the task's pool")
    elif pool.slots != -1:
        used = (
            session.scalar(
                select(func.sum(TaskInstance.pool_slots)).where(
                    TaskInstance.pool == ti.pool, TaskInstance.state.in_((S.QUEUED, S.RUNNING))
                )
            )
            or 0
        )
        if used + ti.pool_slots > pool.slots:
            reasons.append(
                f"pool {ti.pool!r} is full: {used} of {pool.slots} slots in use, "
                f"the task needs {ti.pool_slots}"
            )
    sdag = load_serialized_dag(session, ti.dag_id)
    limit = sdag.max_active_tasks or int(config.get("core", "max_active_tasks_per_dag"))
    active = (
        session.scalar(
            select(func.count()).where(
                TaskInstance.dag_id == ti.dag_id, TaskInstance.state.in_((S.QUEUED, S.RUNNING))
            )
        )
        or 0
    )
    if active >= limit:
        reasons.append(f"max_active_tasks reached: {active} of {limit} tasks of the DAG running")
    task = sdag.tasks.get(ti.task_id)
    if task is not None:
        reasons.extend(_task_limit_blockers(session, ti, task))
    return reasons


def _task_limit_blockers(session: Session, ti: TaskInstance, task: SerializedTask) -> list[str]:
    """``max_active_tis_per_dag`` / ``max_active_tis_per_dagrun`` reached (admission's rule)."""
    reasons = []
    limits = (
        ("max_active_tis_per_dag", task.max_active_tis_per_dag, "in all runs", None),
        ("max_active_tis_per_dagrun", task.max_active_tis_per_dagrun, "in this run", ti.run_id),
    )
    for name, limit, where, run_id in limits:
        if limit is None:
            continue
        query = select(func.count()).where(
            TaskInstance.dag_id == ti.dag_id,
            TaskInstance.task_id == ti.task_id,
            TaskInstance.state.in_((S.QUEUED, S.RUNNING)),
        )
        if run_id is not None:
            query = query.where(TaskInstance.run_id == run_id)
        active = session.scalar(query) or 0
        if active >= limit:
            reasons.append(
                f"{name} reached: {active} of {limit} instances of task {ti.task_id} "
                f"queued or running {where}"
            )
    return reasons


class ManualStart:
    """The rules ``tradewind tasks run`` starts a try by (the task runner's
    ``ManualStartRules``): the stored DAG makes a missing task instance, and the upstream
    checks are :func:`upstream_blockers`, the scheduler's own rules."""

    def new_task_instance(
        self, session: Session, dag_id: str, run_id: str, task_id: str
    ) -> TaskInstance | None:
        sdag = load_serialized_dag(session, dag_id)
        if task_id not in sdag.tasks:
            return None
        ti = new_task_instance(dag_id, run_id, sdag.tasks[task_id])
        session.add(ti)
        session.flush()
        return ti

    def blockers(self, session: Session, ti: TaskInstance) -> list[str]:
        return upstream_blockers(session, ti)
