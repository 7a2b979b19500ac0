"""What a try may read or do beyond its own task instance: sensors and cross-DAG triggers.

Authoring code never touches the database; a sensor asks the runtime task instance
(:class:`~tradewind.execution.try_process.RuntimeTaskInstance`), which calls these. Each is
one short transaction, so a sensor poking every few seconds costs a query a poke.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError

from tradewind.authoring.params import ParamsDict
from tradewind.dagfiles.stored import load_serialized_dag
from tradewind.db.engine import Database
from tradewind.db.models import (
    AuditLog,
    DagModel,
    DagRun,
    DagRunState,
    RunType,
    TaskInstance,
    TaskInstanceState,
    TaskReschedule,
)
from tradewind.exceptions import BadRequest, DagNotFound, DagRunAlreadyExists, TaskNotFound

# --- reschedule mode --------------------------------------------------------------------------


def record_reschedule(session: Any, ti: TaskInstance, when: datetime, now: datetime) -> None:
    """End a poke in ``up_for_reschedule``: the slot is freed, the try number kept.

    The reschedule date goes in ``next_retry_at``, the column the scheduler already wakes
    up for; a ``task_reschedule`` row keeps when this poke started, so the first one of
    the try says when the waiting began.
    """
    session.add(
        TaskReschedule(
            dag_id=ti.dag_id,
            run_id=ti.run_id,
            task_id=ti.task_id,
            map_index=ti.map_index,
            try_number=ti.try_number,
            start_date=ti.start_date or now,
            end_date=now,
            reschedule_date=when,
        )
    )
    ti.state = TaskInstanceState.UP_FOR_RESCHEDULE
    ti.next_retry_at = when
    ti.end_date = now
    ti.duration = max((now - (ti.start_date or now)).total_seconds(), 0.0)
    ti.updated_at = now


def first_poke_date(
    database: Database, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1
) -> datetime | None:
    with database.session() as session:
        first: datetime | None = session.scalar(
            select(func.min(TaskReschedule.start_date)).where(
                TaskReschedule.dag_id == dag_id,
                TaskReschedule.run_id == run_id,
                TaskReschedule.task_id == task_id,
                TaskReschedule.map_index == map_index,
                TaskReschedule.try_number == try_number,
            )
        )
    return first


def forget_reschedules(session: Any, dag_id: str, keys: Iterable[tuple[str, str, int]]) -> None:
    """A cleared task instance starts waiting afresh: drop its pokes' rows.

    ``keys``: (run_id, task_id, map_index) of each cleared instance."""
    for run_id, task_id, map_index in keys:
        session.execute(
            delete(TaskReschedule).where(
                TaskReschedule.dag_id == dag_id,
                TaskReschedule.run_id == run_id,
                TaskReschedule.task_id == task_id,
                TaskReschedule.map_index == map_index,
            )
        )


# --- ExternalTaskSensor ------------------------------------------------------------------------


def expected_count(
    database: Database, dag_id: str, task_ids: list[str] | None, task_group_id: str | None
) -> int:
    """Raise a clear error if the DAG, one of its tasks or the group does not exist."""
    with database.session() as session:
        if session.get(DagModel, dag_id) is None:
            raise DagNotFound(f"the external DAG {dag_id!r} does not exist")
        if not task_ids and not task_group_id:
            return 1
        sdag = load_serialized_dag(session, dag_id)
    if task_group_id:
        if task_group_id not in sdag.task_groups.groups:
            raise TaskNotFound(
                f"the external task group {task_group_id!r} of DAG {dag_id!r} does not exist"
            )
        return len(sdag.task_groups.member_task_ids(task_group_id))
    missing = [task_id for task_id in task_ids or [] if task_id not in sdag.tasks]
    if missing:
        raise TaskNotFound(f"the external task(s) {missing} of DAG {dag_id!r} do not exist")
    return len(task_ids or [])


def count_states(
    database: Database,
    dag_id: str,
    logical_dates: list[datetime],
    task_ids: list[str] | None,
    task_group_id: str | None,
    states: list[str],
) -> Fraction:
    """How many of the awaited tasks (or, with neither tasks nor group, dag runs) are in one
    of ``states``, per logical date, summed.

    A mapped task is one task whatever its instance count: each of its instances counts
    for its share, so the sum reaches the number of tasks only when every instance is in
    ``states``, and is above zero as soon as one is (a sensor fails on one failed
    instance, and succeeds once all of them have). Airflow counts a task group's
    instances so; ``removed`` instances are no longer part of their task and do not count.
    """
    with database.session() as session:
        if task_group_id:
            task_ids = load_serialized_dag(session, dag_id).task_groups.member_task_ids(
                task_group_id
            )
        if not task_ids:
            return Fraction(
                session.scalar(
                    select(func.count()).where(
                        DagRun.dag_id == dag_id,
                        DagRun.execution_date.in_(logical_dates),
                        DagRun.state.in_(states),
                    )
                )
                or 0
            )
        rows = session.execute(
            select(TaskInstance.run_id, TaskInstance.task_id, TaskInstance.state)
            .join(
                DagRun,
                and_(DagRun.dag_id == TaskInstance.dag_id, DagRun.run_id == TaskInstance.run_id),
            )
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.task_id.in_(task_ids),
                DagRun.execution_date.in_(logical_dates),
                TaskInstance.state.is_distinct_from(TaskInstanceState.REMOVED),
            )
        ).all()
    instances: Counter[tuple[str, str]] = Counter()
    matching: Counter[tuple[str, str]] = Counter()
    for run_id, task_id, state in rows:
        instances[run_id, task_id] += 1
        if state in states:
            matching[run_id, task_id] += 1
    return sum((Fraction(count, instances[unit]) for unit, count in matching.items()), Fraction(0))


# --- TriggerDagRunOperator ---------------------------------------------------------------------


@dataclass(frozen=True)
class TriggeringTask:
    """The task instance whose TriggerDagRunOperator created a run (for the audit log)."""

    dag_id: str
    run_id: str
    task_id: str


def trigger_run(
    database: Database,
    dag_id: str,
    *,
    run_id: str | None,
    conf: dict[str, Any] | None,
    logical_date: datetime | None,
    reset_dag_run: bool,
    triggered_by: str,
    source: TriggeringTask | None = None,
) -> tuple[str, datetime]:
    """Queue a manual run of ``dag_id``, as ``trigger_dag`` of the operations layer does.

    The try's process sits below the operations layer, so the run is written here with
    the same rules: the DAG must exist, ``conf`` must satisfy its params, and a run with
    that id or date already there is refused (:class:`DagRunAlreadyExists`) unless
    ``reset_dag_run``, which clears that run's task instances so it runs again. Like a run
    triggered through the API, it gets a ``trigger`` row in the audit log (``log``), whose
    owner is the triggering ``dag_id.task_id`` and whose ``extra`` names its run.
    """
    when = logical_date or datetime.now(UTC)
    run_id = run_id or f"manual__{when.isoformat()}"
    with database.session() as session:
        if session.get(DagModel, dag_id) is None:
            raise DagNotFound(f"TriggerDagRunOperator: DAG {dag_id!r} does not exist")
        sdag = load_serialized_dag(session, dag_id)
        _check_params(sdag.params, conf)
        existing = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).one_or_none()
        if existing is not None:
            if not reset_dag_run:
                raise DagRunAlreadyExists(
                    f"A DAG Run already exists for DAG {dag_id} with run id {run_id}"
                )
            _reset(session, existing, sdag.tasks)
            _audit(session, dag_id, run_id, triggered_by, source, reset=True)
            return existing.run_id, existing.execution_date
        interval = sdag.timetable.infer_manual_data_interval(run_after=when)
        run = DagRun(
            dag_id=dag_id,
            run_id=run_id,
            execution_date=when,
            data_interval_start=interval.start,
            data_interval_end=interval.end,
            state=DagRunState.QUEUED,
            run_type=RunType.MANUAL,
            external_trigger=True,
            conf=dict(conf or {}),
            queued_at=datetime.now(UTC),
            triggered_by=triggered_by,
        )
        try:
            with session.begin_nested():
                session.add(run)
                session.flush()
        except IntegrityError:
            raise DagRunAlreadyExists(
                f"A DAG Run already exists for DAG {dag_id} at {when.isoformat()}"
            ) from None
        _audit(session, dag_id, run_id, triggered_by, source, reset=False)
    return run_id, when


def _audit(
    session: Any,
    dag_id: str,
    run_id: str,
    triggered_by: str,
    source: TriggeringTask | None,
    *,
    reset: bool,
) -> None:
    """The audit row of ``operations.audit.record`` (a layer above this one), same shape."""
    extra: dict[str, Any] = {"triggered_by": "TriggerDagRunOperator"}
    if source is not None:
        extra.update(
            triggering_dag_id=source.dag_id,
            triggering_run_id=source.run_id,
            triggering_task_id=source.task_id,
        )
    if reset:
        extra["reset_dag_run"] = True
    session.add(
        AuditLog(
            dttm=datetime.now(UTC),
            event="trigger",
            owner=triggered_by,
            dag_id=dag_id,
            run_id=run_id,
            extra=json.dumps(extra, sort_keys=True),
        )
    )


def _check_params(params: ParamsDict, conf: dict[str, Any] | None) -> None:
    if conf is not None and not isinstance(conf, dict):
        raise BadRequest(f"TriggerDagRunOperator: conf must be a dict, not {conf!r}")
    values = ParamsDict(params)
    values.update(conf or {})
    values.validate()


def _reset(session: Any, run: DagRun, tasks: dict[str, Any]) -> None:
    """Clear a run's task instances and queue it again (``reset_dag_run=True``)."""
    for ti in session.scalars(
        select(TaskInstance).where(
            TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
        )
    ):
        ti.state = None
        ti.next_retry_at = None
        ti.end_date = None
        task = tasks.get(ti.task_id)
        ti.max_tries = ti.try_number + (task.retries if task is not None else 0)
    forget_reschedules(
        session,
        run.dag_id,
        [
            (run.run_id, task_id, map_index)
            for task_id, map_index in session.execute(
                select(TaskInstance.task_id, TaskInstance.map_index).where(
                    TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
                )
            )
        ],
    )
    run.state = DagRunState.QUEUED
    run.end_date = None


def expanded_count(database: Database, dag_id: str, run_id: str, task_id: str) -> int:
    """How many instances a mapped task has in a run (``removed`` ones are no longer its)."""
    with database.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index >= 0,
                TaskInstance.state.is_distinct_from(TaskInstanceState.REMOVED),
            )
        )
    return int(count or 0)


def dag_run_state(database: Database, dag_id: str, run_id: str) -> str | None:
    with database.session() as session:
        state: str | None = session.scalar(
            select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        )
    return state


def run_states(database: Database, dag_id: str, run_ids: list[str]) -> dict[str, str | None]:
    """The state of each of these runs of ``dag_id`` that exists."""
    with database.session() as session:
        rows = session.execute(
            select(DagRun.run_id, DagRun.state).where(
                DagRun.dag_id == dag_id, DagRun.run_id.in_(run_ids)
            )
        ).all()
    return {run_id: state for run_id, state in rows}
