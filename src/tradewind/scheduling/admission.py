"""Admission: which ``scheduled`` task instances may be queued now.

Limits, all of which make a task wait (never fail): the executor's open slots (``[core]
parallelism``), each DAG's ``max_active_tasks``, and pool slots (a task takes
``pool_slots``; ``-1`` slots means unlimited; a task naming an unknown pool waits). Highest
``priority_weight`` first, then the oldest run. Three small queries (pools, slots used,
tasks running per DAG), then a page of candidates from the pools with room and the DAGs
under their limit (another page only if admitting fills one), one UPDATE per run touched -
however many tasks are admitted.

On PostgreSQL the candidates are selected ``FOR UPDATE SKIP LOCKED`` and the pool rows
``FOR UPDATE``, so two schedulers never queue the same try or overfill a pool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.engine import plain_rows
from tradewind.db.models import DagModel, DagRun, DagRunState, Pool, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.execution.workload import Workload

ACTIVE = (S.QUEUED, S.RUNNING)
#: Candidate rows read in one pass at most, however many are turned away.
MAX_CANDIDATES = 2048


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
    pool_query = select(Pool.pool, Pool.slots).order_by(Pool.pool)
    if postgres:
        pool_query = pool_query.with_for_update()
    pools: dict[str, int] = dict(plain_rows(session, pool_query))
    pool_used: dict[str, int] = defaultdict(
        int,
        plain_rows(
            session,
            select(TaskInstance.pool, func.sum(TaskInstance.pool_slots))
            .where(TaskInstance.state.in_(ACTIVE))
            .group_by(TaskInstance.pool),
        ),
    )
    dag_used: dict[str, int] = defaultdict(
        int,
        plain_rows(
            session,
            select(TaskInstance.dag_id, func.count())
            .where(TaskInstance.state.in_(ACTIVE))
            .group_by(TaskInstance.dag_id),
        ),
    )
    sdags = get_dags(set(dag_used))

    def task_limit(dag_id: str) -> int:
        sdag = sdags.get(dag_id)
        return (sdag.max_active_tasks if sdag else None) or default_max_active_tasks

    # Tasks that could not start anyway stay out of the candidates: in a pool with no free
    # slot (or no such pool: they wait for it) or in a DAG at its max_active_tasks.
    open_pools = [p for p, total in pools.items() if total == -1 or pool_used[p] < total]
    busy_dags = [d for d, used in dag_used.items() if used >= task_limit(d)]
    if not open_pools:
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
        .where(
            TaskInstance.state == S.SCHEDULED,
            DagRun.state == DagRunState.RUNNING,
            TaskInstance.pool.in_(open_pools),
        )
        .order_by(TaskInstance.priority_weight.desc(), DagRun.execution_date, TaskInstance.task_id)
    )
    if busy_dags:
        query = query.where(TaskInstance.dag_id.not_in(busy_dags))
    if not (only and only.ignore_paused):
        query = query.where(DagModel.is_paused.is_(False))
    if only and only.dag_id:
        query = query.where(TaskInstance.dag_id == only.dag_id)
    if only and only.run_ids is not None:
        query = query.where(TaskInstance.run_id.in_(only.run_ids))
    if postgres:
        query = query.with_for_update(of=TaskInstance, skip_locked=True)

    # A page is enough unless tasks on it fill a pool or a DAG as they are admitted; then
    # the next page, up to MAX_CANDIDATES rows a pass.
    page = max(open_slots * 2, 32)
    chosen: list[Any] = []
    offset = 0
    while len(chosen) < open_slots and offset < MAX_CANDIDATES:
        candidates = plain_rows(session, query.offset(offset).limit(page))
        new_dags = {row.dag_id for row in candidates} - sdags.keys()
        if new_dags:
            sdags.update(get_dags(new_dags))
        for row in candidates:
            if len(chosen) >= open_slots:
                break
            if row.dag_id not in sdags or dag_used[row.dag_id] >= task_limit(row.dag_id):
                continue
            total = pools[row.pool]
            if total != -1 and pool_used[row.pool] + row.pool_slots > total:
                continue
            pool_used[row.pool] += row.pool_slots
            dag_used[row.dag_id] += 1
            chosen.append(row)
        if len(candidates) < page:
            break
        offset += page
    if not chosen:
        return []

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
