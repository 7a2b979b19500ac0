"""Cleaning up after processes that died: tries, schedulers, whole machines.

* A try whose process ended without writing a final state (killed, segfault, timed out):
  the executor reports the process end; :func:`handle_outcomes` fails or retries it at once.
* A scheduler that died: its ``job`` heartbeat goes stale; what it had ``queued`` goes back
  to ``scheduled`` (:func:`reset_orphaned_tasks`). Tries already running carry on: their
  runner host stays until they end and records their final state.
* A scheduler stopped or killed with its runner host (a SIGKILL to its process group, an
  OOM kill, a container stop): its tries' processes are gone. On the same machine the next
  scheduler sees that at once: :func:`fail_dead_tries` fails or retries ``running`` tries
  recorded with this hostname whose pid no longer exists and whose heartbeat has stopped
  (so no runner host is about to record them). Tries whose host survived are adopted:
  the host keeps heartbeating them and records their end; the scheduler takes it from there.
* A machine that died: its tries stop heartbeating; :func:`fail_zombies` fails or retries
  ``running`` task instances whose ``last_heartbeat_at`` is too old.
* A message that never reached a worker (a broker restarted without persistence, a queue
  purged): the try stays ``queued``; :func:`requeue_stuck_queued` sends it again after
  ``[scheduler] task_queued_timeout``. Should the first message surface after all, the
  task runner's claim lets only one of the two start the try.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, or_, select, update
from sqlalchemy.orm import Session

from tradewind.config import Config
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db.models import Job, TaskInstance, TaskReschedule
from tradewind.db.models import TaskInstanceState as S
from tradewind.execution.callback_requests import CallbackRequest
from tradewind.execution.failure import fail_try
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.task_runner import EXIT_NOT_STARTED, hostname
from tradewind.execution.workload import STOPPED_EXTERNALLY, TaskOutcome
from tradewind.scheduling.callbacks import task_request
from tradewind.states import JobState

log = logging.getLogger(__name__)

JOB_TYPE = "SchedulerJob"
JOB_TYPES = (JOB_TYPE, "BackfillJob")

GetDags = Callable[[set[str]], dict[str, SerializedDAG]]


def handle_outcomes(
    session: Session,
    config: Config,
    outcomes: list[TaskOutcome],
    get_dags: GetDags,
    now: datetime,
    requests: list[CallbackRequest] | None = None,
) -> int:
    """Fail or retry tries whose process ended but whose state is still queued/running.

    Their failure or retry callbacks are appended to ``requests`` (the try cannot call them).
    """
    if not outcomes:
        return 0
    _request_for_stopped(session, outcomes, get_dags, requests)
    tis = session.scalars(
        select(TaskInstance).where(
            TaskInstance.dag_id.in_({o.key.dag_id for o in outcomes}),
            TaskInstance.run_id.in_({o.key.run_id for o in outcomes}),
            TaskInstance.task_id.in_({o.key.task_id for o in outcomes}),
            TaskInstance.state.in_((S.QUEUED, S.RUNNING)),
        )
    ).all()
    index = {(ti.dag_id, ti.run_id, ti.task_id, ti.map_index): ti for ti in tis}
    sdags = get_dags({ti.dag_id for ti in tis}) if tis else {}
    handled = 0
    for outcome in outcomes:
        key = outcome.key
        ti = index.get((key.dag_id, key.run_id, key.task_id, key.map_index))
        if ti is None or outcome.returncode == EXIT_NOT_STARTED or outcome.reason == "deferred":
            # It refused to start on purpose (the try was claimed already, or the TI
            # changed): it never touched the TI, whoever did owns it now. A message
            # delivered twice by a broker ends this way. A try that deferred was recorded;
            # the TI may already be resuming under the same try number.
            continue
        if _an_earlier_poke(session, outcome):
            continue
        if ti.state == S.RUNNING and ti.try_number == key.try_number:
            pass  # died mid-try
        elif ti.state == S.QUEUED and ti.try_number == key.try_number - 1:
            ti.try_number = key.try_number  # it died before it could start: a used try
            ti.start_date = ti.start_date or now
        else:
            continue
        message = _describe(outcome)
        sdag = sdags.get(ti.dag_id)
        task = sdag.tasks.get(ti.task_id) if sdag else None
        state = fail_try(ti, task, now)
        append_line(
            log_path(config, ti.dag_id, ti.run_id, ti.task_id, ti.try_number, ti.map_index),
            f"{message}; marked {state}",
            "ERROR",
        )
        log.warning("%s.%s (%s): %s; marked %s", ti.dag_id, ti.task_id, ti.run_id, message, state)
        _request_callbacks(session, ti, sdag, message, requests)
        handled += 1
    return handled


def _an_earlier_poke(session: Session, outcome: TaskOutcome) -> bool:
    """A rescheduled sensor's pokes share a try number: a late outcome of a poke whose
    result was recorded (exit 0, nothing amiss) says nothing about the poke running now."""
    if outcome.reason != "exited" or outcome.returncode != 0 or outcome.detail:
        return False
    key = outcome.key
    return (
        session.scalar(
            select(TaskReschedule.id)
            .where(
                TaskReschedule.dag_id == key.dag_id,
                TaskReschedule.run_id == key.run_id,
                TaskReschedule.task_id == key.task_id,
                TaskReschedule.map_index == key.map_index,
                TaskReschedule.try_number == key.try_number,
            )
            .limit(1)
        )
        is not None
    )


def _request_for_stopped(
    session: Session,
    outcomes: list[TaskOutcome],
    get_dags: GetDags,
    requests: list[CallbackRequest] | None,
) -> None:
    """A try stopped because its task instance was marked failed by hand: its process
    was killed, so the failure callbacks are asked of the callback runner (as Airflow's
    task supervisor calls them for a task marked failed externally)."""
    stopped = [o for o in outcomes if o.reason == STOPPED_EXTERNALLY and o.detail == S.FAILED]
    if requests is None or not stopped:
        return
    sdags = get_dags({o.key.dag_id for o in stopped})
    for outcome in stopped:
        key = outcome.key
        ti = session.get(TaskInstance, (key.dag_id, key.run_id, key.task_id, key.map_index))
        if ti is None or ti.state != S.FAILED or ti.try_number != key.try_number:
            continue
        message = "The task instance was marked failed externally and its try was stopped"
        _request_callbacks(session, ti, sdags.get(key.dag_id), message, requests)


def _describe(outcome: TaskOutcome) -> str:
    if outcome.reason == "timeout":
        return "The task ran past its execution_timeout and its processes were killed"
    code = outcome.returncode
    if outcome.detail:
        return f"The task process ended without recording a state: {outcome.detail}"
    if code is not None and code < 0:
        return f"The task process was killed by signal {-code} before recording a state"
    return f"The task process exited with code {code} before recording a state"


def reset_orphaned_tasks(session: Session, job_id: int, now: datetime, threshold: float) -> int:
    """Mark stale scheduler jobs failed; put what they had queued back to scheduled."""
    stale_before = now - timedelta(seconds=threshold)
    session.execute(
        update(Job)
        .where(
            Job.job_type.in_(JOB_TYPES),
            Job.state == JobState.RUNNING,
            Job.latest_heartbeat < stale_before,
        )
        .values(state=JobState.FAILED, end_date=now)
        .execution_options(synchronize_session=False)
    )
    alive = select(Job.id).where(Job.job_type.in_(JOB_TYPES), Job.state == JobState.RUNNING)
    result = session.execute(
        update(TaskInstance)
        .where(
            TaskInstance.state == S.QUEUED,
            or_(
                TaskInstance.queued_by_job_id.is_(None),
                TaskInstance.queued_by_job_id.not_in(alive),
            ),
        )
        .values(state=S.SCHEDULED, queued_by_job_id=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def requeue_stuck_queued(session: Session, now: datetime, timeout: float) -> list[str]:
    """Put tries ``queued`` for longer than ``timeout`` seconds back to ``scheduled``."""
    stuck_before = now - timedelta(seconds=timeout)
    stuck = (
        TaskInstance.state == S.QUEUED,
        TaskInstance.queued_dttm < stuck_before,
    )
    names = [
        f"{dag_id}.{task_id} ({run_id})"
        for dag_id, run_id, task_id in session.execute(
            select(TaskInstance.dag_id, TaskInstance.run_id, TaskInstance.task_id).where(*stuck)
        )
    ]
    if names:
        session.execute(
            update(TaskInstance)
            .where(*stuck)
            .values(state=S.SCHEDULED, queued_by_job_id=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return names


def fail_zombies(
    session: Session,
    config: Config,
    get_dags: GetDags,
    now: datetime,
    threshold: float,
    requests: list[CallbackRequest] | None = None,
) -> int:
    zombies = session.scalars(_running_and_quiet(session, now, threshold)).all()
    return _fail_each(
        session,
        requests,
        config,
        zombies,
        get_dags,
        now,
        lambda ti: (
            f"No heartbeat from the task for over {threshold:g}s (pid {ti.pid} on "
            f"{ti.hostname}): treating it as dead"
        ),
    )


def fail_dead_tries(
    session: Session,
    config: Config,
    get_dags: GetDags,
    now: datetime,
    quiet_for: float,
    requests: list[CallbackRequest] | None = None,
) -> int:
    """Fail or retry ``running`` tries of this machine whose process is gone.

    ``quiet_for``: seconds without a heartbeat first, so a runner host that is alive and
    about to record a try that just ended is not raced.
    """
    here = hostname(config)
    query = _running_and_quiet(session, now, quiet_for).where(
        TaskInstance.hostname == here, TaskInstance.pid.is_not(None)
    )
    dead = [ti for ti in session.scalars(query) if ti.pid and not _process_exists(ti.pid)]
    return _fail_each(
        session,
        requests,
        config,
        dead,
        get_dags,
        now,
        lambda ti: (
            f"The task's process (pid {ti.pid} on {here}) is gone and nothing records "
            "its end (its runner was stopped or killed): treating it as a zombie"
        ),
    )


def _running_and_quiet(session: Session, now: datetime, seconds: float) -> Select[TaskInstance]:
    """``running`` task instances without a heartbeat for ``seconds``, locked on PostgreSQL
    (skipping those another scheduler has)."""
    before = now - timedelta(seconds=seconds)
    query = select(TaskInstance).where(
        TaskInstance.state == S.RUNNING,
        or_(
            TaskInstance.last_heartbeat_at < before,
            TaskInstance.last_heartbeat_at.is_(None) & (TaskInstance.start_date < before),
        ),
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _fail_each(
    session: Session,
    requests: list[CallbackRequest] | None,
    config: Config,
    tis: Sequence[TaskInstance],
    get_dags: GetDags,
    now: datetime,
    reason: Callable[[TaskInstance], str],
) -> int:
    """Fail or retry each try, saying why in its log and the scheduler's."""
    if not tis:
        return 0
    sdags = get_dags({ti.dag_id for ti in tis})
    for ti in tis:
        sdag = sdags.get(ti.dag_id)
        state = fail_try(ti, sdag.tasks.get(ti.task_id) if sdag else None, now)
        why = reason(ti)
        message = f"{why}; marked {state}"
        append_line(
            log_path(config, ti.dag_id, ti.run_id, ti.task_id, ti.try_number, ti.map_index), message
        )
        log.warning("%s.%s (%s): %s", ti.dag_id, ti.task_id, ti.run_id, message)
        _request_callbacks(session, ti, sdag, why, requests)
    return len(tis)


def _request_callbacks(
    session: Session,
    ti: TaskInstance,
    sdag: SerializedDAG | None,
    message: str,
    requests: list[CallbackRequest] | None,
) -> None:
    """The try died, so it cannot call its failure/retry callbacks: ask the runner to."""
    if requests is None:
        return
    request = task_request(session, ti, sdag, message)
    if request is not None:
        requests.append(request)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: the pid was reused, or it runs as another user
    return True
