"""Admission: which ``scheduled`` task instances may be queued now.

Limits, all of which make a task wait (never fail): the executor's open slots (``[core]
parallelism``), each DAG's ``max_active_tasks``, and pool slots (a task takes
``pool_slots``; ``-1`` slots means unlimited; a task naming an unknown pool waits). Highest
``priority_weight`` first, then the oldest run. One SELECT of candidates, three aggregate
queries, one UPDATE per run touched - however many tasks are admitted.

On PostgreSQL the candidates are selected ``FOR UPDATE SKIP LOCKED`` and the pool rows
``FOR UPDATE``, so two schedulers never queue the same try or overfill a pool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import DagModel, DagRun, DagRunState, Pool, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.execution.workload import Workload

ACTIVE = (S.QUEUED, S.RUNNING)


@dataclass
class AdmissionFilter:
    """Restricts admission to some runs (a backfill) and may ignore ``is_paused``."""

    dag_id: str | None = None
    run_ids: frozenset[str] | None = None
    ignore_paused: bool = False


def admit(
    session: Session,
    *,
    now: datetime,
    job_id: int | None,
    open_slots: int,
    default_max_active_tasks: int,
    get_dags: Callable[[set[str]], dict[str, SerializedDAG]],
    fileloc_of: Callable[[str], str | None],
    postgres: bool,
    only: AdmissionFilter | None = None,
) -> list[Workload]:
    if open_slots <= 0:
        return []
    query = (
        select(
            TaskInstance.dag_id,
            TaskInstance.run_id,
            TaskInstance.task_id,
            TaskInstance.try_number,
            TaskInstance.pool,
            TaskInstance.pool_slots,
            TaskInstance.queue,
            TaskInstance.priority_weight,
        )
        .join(
            DagRun,
            and_(DagRun.dag_id == TaskInstance.dag_id, DagRun.run_id == TaskInstance.run_id),
        )
        .join(DagModel, DagModel.dag_id == TaskInstance.dag_id)
        .where(TaskInstance.state == S.SCHEDULED, DagRun.state == DagRunState.RUNNING)
        .order_by(TaskInstance.priority_weight.desc(), DagRun.execution_date, TaskInstance.task_id)
        .limit(max(open_slots * 4, 512))
    )
    if not (only and only.ignore_paused):
        query = query.where(DagModel.is_paused.is_(False))
    if only and only.dag_id:
        query = query.where(TaskInstance.dag_id == only.dag_id)
    if only and only.run_ids is not None:
        query = query.where(TaskInstance.run_id.in_(only.run_ids))
    if postgres:
        query = query.with_for_update(of=TaskInstance, skip_locked=True)
    candidates = session.execute(query).all()
    if not candidates:
        return []

    pool_query = select(Pool.pool, Pool.slots).order_by(Pool.pool)
    if postgres:
        pool_query = pool_query.with_for_update()
    pools = dict(session.execute(pool_query).all())
    pool_used: dict[str, int] = defaultdict(
        int,
        session.execute(
            select(TaskInstance.pool, func.sum(TaskInstance.pool_slots))
            .where(TaskInstance.state.in_(ACTIVE))
            .group_by(TaskInstance.pool)
        ).all(),
    )
    dag_ids = {row.dag_id for row in candidates}
    dag_used: dict[str, int] = defaultdict(
        int,
        session.execute(
            select(TaskInstance.dag_id, func.count())
            .where(TaskInstance.state.in_(ACTIVE), TaskInstance.dag_id.in_(dag_ids))
            .group_by(TaskInstance.dag_id)
        ).all(),
    )
    sdags = get_dags(dag_ids)

    chosen = []
    for row in candidates:
        if len(chosen) >= open_slots:
            break
        sdag = sdags.get(row.dag_id)
        if sdag is None:
            continue
        limit = sdag.max_active_tasks or default_max_active_tasks
        if dag_used[row.dag_id] >= limit:
            continue
        total = pools.get(row.pool)
        if total is None:
            continue  # unknown pool: wait until someone creates it
        if total != -1 and pool_used[row.pool] + row.pool_slots > total:
            continue
        pool_used[row.pool] += row.pool_slots
        dag_used[row.dag_id] += 1
        chosen.append(row)

    by_run: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in chosen:
        by_run[row.dag_id, row.run_id].append(row.task_id)
    for (dag_id, run_id), task_ids in by_run.items():
        session.execute(
            update(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id.in_(task_ids),
                TaskInstance.state == S.SCHEDULED,
            )
            .values(state=S.QUEUED, queued_dttm=now, queued_by_job_id=job_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    workloads = []
    for row in chosen:
        task = sdags[row.dag_id].tasks.get(row.task_id)
        timeout = task.execution_timeout if task is not None else None
        workloads.append(
            Workload(
                dag_id=row.dag_id,
                run_id=row.run_id,
                task_id=row.task_id,
                try_number=row.try_number + 1,
                fileloc=fileloc_of(row.dag_id) or "",
                pool=row.pool,
                queue=row.queue,
                priority_weight=row.priority_weight,
                execution_timeout=timeout.total_seconds() if timeout is not None else None,
            )
        )
    return workloads
