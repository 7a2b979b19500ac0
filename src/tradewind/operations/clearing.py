"""Clearing task instances so they run again (``tasks clear``, the API, the UI).

A task cleared by name takes its setups and teardowns along (see ``clear_scope``).
Cleared task instances go back to no state and get their retries back (``max_tries`` =
tries so far + ``retries``, as in Airflow); their runs go back to ``queued`` so the
scheduler picks them up again, and the scheduler is woken at once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update

from tradewind.config import Config
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, DagRunState, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.exceptions import BadRequest
from tradewind.execution.cross_dag import forget_reschedules
from tradewind.operations import audit
from tradewind.operations.clear_scope import with_setups_and_teardowns
from tradewind.operations.external_clearing import marked_external_tasks, with_downstream


def _reset(session: Any, sdag: SerializedDAG, tis: list[TaskInstance]) -> None:
    """No state, retries given back, the runs queued again."""
    for ti in tis:
        task = sdag.tasks.get(ti.task_id)
        retries = task.retries if task is not None else 0
        ti.max_tries = ti.try_number + retries
        ti.state = S.REMOVED if task is None else None
        ti.next_retry_at = None
        ti.end_date = None
        ti.queued_by_job_id = None
        # A cleared deferral starts over from execute(); its trigger, now unused, is
        # dropped by the triggerer.
        ti.trigger_id = ti.next_method = ti.next_kwargs = ti.trigger_timeout = None
    forget_reschedules(session, sdag.dag_id, [(ti.run_id, ti.task_id, ti.map_index) for ti in tis])
    session.execute(
        update(DagRun)
        .where(DagRun.dag_id == sdag.dag_id, DagRun.run_id.in_({ti.run_id for ti in tis}))
        .values(state=DagRunState.QUEUED, end_date=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class ClearedTask:
    run_id: str
    task_id: str
    previous_state: str | None
    map_index: int = -1
    #: Set for a task of another DAG, cleared because an ExternalTaskMarker points to it.
    dag_id: str | None = None


def clear_task_instances(
    db: Database,
    config: Config | None,
    dag_id: str,
    *,
    task_regex: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    only_failed: bool = False,
    only_running: bool = False,
    run_id: str | None = None,
    dry_run: bool = False,
    downstream: bool = False,
    actor: str,
    map_indexes: Collection[int] | None = None,
) -> list[ClearedTask]:
    """Clear matching task instances; with ``dry_run`` only list them.

    Each instance of a mapped task is one task instance: ``map_indexes`` clears only
    those (all of them otherwise). ``downstream`` adds the tasks below the matching ones
    in the same runs. A cleared ExternalTaskMarker also clears the task it names in the
    other DAG's run, with what follows it there (see
    :mod:`tradewind.operations.external_clearing`).

    A clear that changed something is recorded in the audit log as ``actor``'s.
    """
    from tradewind.dagfiles.stored import load_serialized_dag
    from tradewind.operations.dags import require_dag

    try:
        pattern = re.compile(task_regex) if task_regex else None
    except re.error as exc:
        raise BadRequest(f"invalid task regex {task_regex!r}: {exc}") from None
    with db.session() as session:
        require_dag(session, dag_id)
        sdag = load_serialized_dag(session, dag_id)
        query = (
            select(TaskInstance)
            .join(
                DagRun,
                and_(DagRun.dag_id == TaskInstance.dag_id, DagRun.run_id == TaskInstance.run_id),
            )
            .where(TaskInstance.dag_id == dag_id)
            .order_by(DagRun.execution_date, TaskInstance.task_id, TaskInstance.map_index)
        )
        if map_indexes is not None:
            query = query.where(TaskInstance.map_index.in_(list(map_indexes)))
        if start_date is not None:
            query = query.where(DagRun.execution_date >= start_date)
        if end_date is not None:
            query = query.where(DagRun.execution_date <= end_date)
        if run_id is not None:
            query = query.where(DagRun.run_id == run_id)
        if only_failed:
            query = query.where(TaskInstance.state.in_((S.FAILED, S.UPSTREAM_FAILED)))
        if only_running:
            query = query.where(TaskInstance.state == S.RUNNING)
        taken_along: set[str] = set()
        if pattern is not None:
            matched = {tid for tid in sdag.tasks if pattern.search(tid)}
            taken_along = with_setups_and_teardowns(sdag, matched)
        tis = [
            ti
            for ti in session.scalars(query)
            if pattern is None or pattern.search(ti.task_id) or ti.task_id in taken_along
        ]
        if downstream:
            tis = with_downstream(session, sdag, tis)
        external = marked_external_tasks(session, sdag, tis)
        cleared = [ClearedTask(ti.run_id, ti.task_id, ti.state, ti.map_index) for ti in tis] + [
            ClearedTask(ti.run_id, ti.task_id, ti.state, ti.map_index, ti.dag_id)
            for _, ext_tis in external
            for ti in ext_tis
        ]
        if dry_run or not tis:
            return cleared
        _reset(session, sdag, tis)
        for ext_sdag, ext_tis in external:
            _reset(session, ext_sdag, ext_tis)
        task_ids = {ti.task_id for ti in tis}
        audit.record(
            session,
            "clear",
            actor,
            dag_id=dag_id,
            run_id=run_id,
            task_id=next(iter(task_ids)) if len(task_ids) == 1 else None,
            extra={"task_instances": [_instance(ti) for ti in tis]},
        )
    if config is not None:
        from tradewind.db.wakeup import notify_scheduler

        notify_scheduler(db, config)
    return cleared


def _instance(ti: TaskInstance) -> list[str | int]:
    """How the audit log names a cleared instance: [run, task] (and the map index)."""
    return [ti.run_id, ti.task_id] if ti.map_index < 0 else [ti.run_id, ti.task_id, ti.map_index]
