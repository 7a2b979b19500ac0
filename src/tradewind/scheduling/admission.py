"""Admission: which ``scheduled`` task instances may be queued now.

Limits, all of which make a task wait (never fail): the executor's open slots (``[core]
parallelism``), each DAG's ``max_active_tasks``, each task's ``max_active_tis_per_dag``
(its tries queued or running across all runs) and ``max_active_tis_per_dagrun`` (within
one run), and pool slots (a task takes ``pool_slots``; ``-1`` slots means unlimited; a task
naming an unknown pool waits). Highest
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

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.db.engine import plain_rows
from tradewind.db.models import DagModel, DagRun, DagRunState, Pool, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.db.ti_keys import ti_keys_clause
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


GetDags = Callable[[set[str]], dict[str, SerializedDAG]]


class Admission:
    """One pass's admission, in four steps: count what runs, find candidates, choose, queue.

    Made for a single :meth:`admit` call inside the pass's transaction; it keeps the pass's
    counts (pool slots and tasks per DAG in use) as it chooses.
    """

    def __init__(
        self,
        session: Session,
        *,
        now: datetime,
        job_id: int | None,
        open_slots: int,
        default_max_active_tasks: int,
        get_dags: GetDags,
        fileloc_of: Callable[[str], str | None],
        postgres: bool,
        only: AdmissionFilter | None = None,
        scheduled_now: bool = True,
    ) -> None:
        self.session = session
        #: Whether the pass itself set task instances to ``scheduled`` (if not, one index
        #: look-up tells whether any waits before the queries that count the slots in use).
        self.scheduled_now = scheduled_now
        self.now = now
        self.job_id = job_id
        self.open_slots = open_slots
        self.default_max_active_tasks = default_max_active_tasks
        self.get_dags = get_dags
        self.fileloc_of = fileloc_of
        self.postgres = postgres
        self.only = only
        self.pools: dict[str, int] = {}
        self.pool_used: dict[str, int] = defaultdict(int)
        self.dag_used: dict[str, int] = defaultdict(int)
        self.task_used: dict[tuple[str, str], int] = defaultdict(int)
        self.run_task_used: dict[tuple[str, str, str], int] = defaultdict(int)
        self.sdags: dict[str, SerializedDAG] = {}

    def admit(self) -> list[Workload]:
        """Queue what may start now (in this transaction); the workloads to hand over."""
        if self.open_slots <= 0:
            return []
        if not self.scheduled_now and not self._anything_scheduled():
            return []
        self._count_usage()
        query = self._candidates_query()
        if query is None:
            return []
        chosen = self._choose(query)
        if not chosen:
            return []
        self._mark_queued(chosen)
        return [self._workload(row) for row in chosen]

    # --- the steps ----------------------------------------------------------------------------

    def _anything_scheduled(self) -> bool:
        """Whether any task instance waits in ``scheduled`` (an index look-up): a pass that
        only records ends (with nothing waiting) then skips the four queries that count the
        slots in use and the one for candidates."""
        probe = select(TaskInstance.state).where(TaskInstance.state == S.SCHEDULED).limit(1)
        return self.session.scalar(probe) is not None

    def _count_usage(self) -> None:
        """Pool sizes, and the pool slots and tasks per DAG taken by queued/running tries."""
        pool_query = select(Pool.pool, Pool.slots).order_by(Pool.pool)
        if self.postgres:
            pool_query = pool_query.with_for_update()
        self.pools = dict(plain_rows(self.session, pool_query))
        self.pool_used.update(
            plain_rows(
                self.session,
                select(TaskInstance.pool, func.sum(TaskInstance.pool_slots))
                .where(TaskInstance.state.in_(ACTIVE))
                .group_by(TaskInstance.pool),
            )
        )
        # A pool with ``include_deferred`` counts its deferred tasks as taking slots.
        for pool, slots in plain_rows(
            self.session,
            select(TaskInstance.pool, func.sum(TaskInstance.pool_slots))
            .join(Pool, Pool.pool == TaskInstance.pool)
            .where(TaskInstance.state == S.DEFERRED, Pool.include_deferred.is_(True))
            .group_by(TaskInstance.pool),
        ):
            self.pool_used[pool] += slots
        for dag_id, run_id, task_id, count in plain_rows(
            self.session,
            select(TaskInstance.dag_id, TaskInstance.run_id, TaskInstance.task_id, func.count())
            .where(TaskInstance.state.in_(ACTIVE))
            .group_by(TaskInstance.dag_id, TaskInstance.run_id, TaskInstance.task_id),
        ):
            self.dag_used[dag_id] += count
            self.task_used[dag_id, task_id] += count
            self.run_task_used[dag_id, run_id, task_id] += count
        self.sdags = self.get_dags(set(self.dag_used))

    def _candidates_query(self) -> Select[*tuple[Any, ...]] | None:
        """Scheduled tries of running runs, best first; ``None`` when no pool has room.

        Tasks that could not start anyway stay out: in a pool with no free slot (or no such
        pool: they wait for it) or in a DAG at its max_active_tasks.
        """
        used = self.pool_used
        open_pools = [p for p, total in self.pools.items() if total == -1 or used[p] < total]
        if not open_pools:
            return None
        busy_dags = [d for d, used in self.dag_used.items() if used >= self._task_limit(d)]
        query = (
            select(
                TaskInstance.dag_id,
                TaskInstance.run_id,
                TaskInstance.task_id,
                TaskInstance.map_index,
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
            .order_by(
                TaskInstance.priority_weight.desc(),
                DagRun.execution_date,
                TaskInstance.task_id,
                TaskInstance.map_index,
            )
        )
        if busy_dags:
            query = query.where(TaskInstance.dag_id.not_in(busy_dags))
        only = self.only
        if not (only and only.ignore_paused):
            query = query.where(DagModel.is_paused.is_(False))
        if only and only.dag_id:
            query = query.where(TaskInstance.dag_id == only.dag_id)
        if only and only.run_ids is not None:
            query = query.where(TaskInstance.run_id.in_(only.run_ids))
        if self.postgres:
            query = query.with_for_update(of=TaskInstance, skip_locked=True)
        return query

    def _choose(self, query: Select[*tuple[Any, ...]]) -> list[Any]:
        """Take candidates in order while they fit the slots, their pool and their DAG.

        A page is enough unless tasks on it fill a pool or a DAG as they are admitted; then
        the next page, up to MAX_CANDIDATES rows a pass.
        """
        page = max(self.open_slots * 2, 32)
        chosen: list[Any] = []
        offset = 0
        while len(chosen) < self.open_slots and offset < MAX_CANDIDATES:
            candidates = plain_rows(self.session, query.offset(offset).limit(page))
            new_dags = {row.dag_id for row in candidates} - self.sdags.keys()
            if new_dags:
                self.sdags.update(self.get_dags(new_dags))
            for row in candidates:
                if len(chosen) >= self.open_slots:
                    break
                if self._fits(row):
                    self.pool_used[row.pool] += row.pool_slots
                    self.dag_used[row.dag_id] += 1
                    self.task_used[row.dag_id, row.task_id] += 1
                    self.run_task_used[row.dag_id, row.run_id, row.task_id] += 1
                    chosen.append(row)
            if len(candidates) < page:
                break
            offset += page
        return chosen

    def _fits(self, row: Any) -> bool:
        """Whether the try's DAG and task are below their limits and its pool has its
        slots free."""
        dag_id = row.dag_id
        if dag_id not in self.sdags or self.dag_used[dag_id] >= self._task_limit(dag_id):
            return False
        task = self.sdags[dag_id].tasks.get(row.task_id)
        if task is not None and not _under_task_limits(
            task,
            self.task_used[dag_id, row.task_id],
            self.run_task_used[dag_id, row.run_id, row.task_id],
        ):
            return False
        total = self.pools[row.pool]
        return total == -1 or self.pool_used[row.pool] + row.pool_slots <= total

    def _mark_queued(self, chosen: list[Any]) -> None:
        """``scheduled`` -> ``queued``: one UPDATE per run, however many of its tasks."""
        keys = [(row.dag_id, row.run_id, row.task_id, row.map_index) for row in chosen]
        now = self.now
        for chunk in [keys[i : i + 500] for i in range(0, len(keys), 500)]:
            self.session.execute(
                update(TaskInstance)
                .where(ti_keys_clause(TaskInstance, chunk), TaskInstance.state == S.SCHEDULED)
                .values(
                    state=S.QUEUED, queued_dttm=now, queued_by_job_id=self.job_id, updated_at=now
                )
                .execution_options(synchronize_session=False)
            )

    def _workload(self, row: Any) -> Workload:
        """What the executor needs to run the try (the next try number)."""
        task = self.sdags[row.dag_id].tasks.get(row.task_id)
        timeout = task.execution_timeout if task is not None else None
        return Workload(
            dag_id=row.dag_id,
            run_id=row.run_id,
            task_id=row.task_id,
            try_number=row.try_number + 1,
            fileloc=self.fileloc_of(row.dag_id) or "",
            pool=row.pool,
            queue=row.queue,
            priority_weight=row.priority_weight,
            execution_timeout=timeout.total_seconds() if timeout is not None else None,
            map_index=row.map_index,
        )

    def _task_limit(self, dag_id: str) -> int:
        sdag = self.sdags.get(dag_id)
        return (sdag.max_active_tasks if sdag else None) or self.default_max_active_tasks


def _under_task_limits(task: SerializedTask, in_dag: int, in_run: int) -> bool:
    """``max_active_tis_per_dag`` and ``max_active_tis_per_dagrun`` leave room for one more."""
    per_dag, per_run = task.max_active_tis_per_dag, task.max_active_tis_per_dagrun
    return (per_dag is None or in_dag < per_dag) and (per_run is None or in_run < per_run)
