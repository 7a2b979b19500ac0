"""Which callback requests a pass makes, from the rows and serialized DAGs it has.

The serialized DAG says which callbacks exist (``callbacks``, ``email_on_failure``...),
so a request is made only when there is something to call; the callback runner
(:mod:`~tradewind.scheduling.callback_runner`) then imports the DAG file to call them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.db.models import DagRun, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.execution.callback_requests import (
    CallbackRequest,
    DagCallbackRequest,
    TaskCallbackRequest,
)
from tradewind.execution.try_process import StartedTry

#: Airflow's ``reason`` in a DAG callback's context.
REASON_SUCCESS = "success"
REASON_TASK_FAILURE = "task_failure"
REASON_TIMED_OUT = "timed_out"


def wants_callbacks(task: SerializedTask | None, state: str) -> bool:
    """Whether a try that ended ``state`` (failed / up_for_retry) has anything to call."""
    if task is None:
        return False
    if state == S.FAILED:
        return "on_failure_callback" in task.callbacks or task.email_on_failure
    if state == S.UP_FOR_RETRY:
        return "on_retry_callback" in task.callbacks or task.email_on_retry
    return False


def task_request(
    session: Session, ti: TaskInstance, sdag: SerializedDAG | None, message: str
) -> TaskCallbackRequest | None:
    """The request for a try the scheduler just failed or retried (``ti.state``)."""
    if sdag is None or not sdag.fileloc:
        return None
    if not wants_callbacks(sdag.tasks.get(ti.task_id), ti.state or ""):
        return None
    run = session.scalars(
        select(DagRun).where(DagRun.dag_id == ti.dag_id, DagRun.run_id == ti.run_id)
    ).one_or_none()
    if run is None:
        return None
    return TaskCallbackRequest(started_try(run, ti, sdag.fileloc), ti.state or "", message)


def dag_requests(
    session: Session,
    finished: Iterable[DagRun],
    sdags: dict[str, SerializedDAG],
    timed_out: set[tuple[str, str]],
) -> list[CallbackRequest]:
    """A request for each finished run whose DAG has the callback for how it ended."""
    requests: list[CallbackRequest] = []
    for run in finished:
        sdag = sdags.get(run.dag_id)
        success = run.state == "success"
        name = "on_success_callback" if success else "on_failure_callback"
        if sdag is None or not sdag.fileloc or name not in sdag.callbacks:
            continue
        ti = _context_ti(session, run, success)
        if ti is None:
            continue
        if success:
            reason = REASON_SUCCESS
        elif (run.dag_id, run.run_id) in timed_out:
            reason = REASON_TIMED_OUT
        else:
            reason = REASON_TASK_FAILURE
        started = started_try(run, ti, sdag.fileloc)
        requests.append(DagCallbackRequest(started, success, reason, ti.state or ""))
    return requests


def _context_ti(session: Session, run: DagRun, success: bool) -> TaskInstance | None:
    """The failing task instance of a failed run (else the last to end), as in Airflow."""
    tis = list(
        session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
            )
        )
    )
    if not tis:
        return None
    if not success:
        failed = [ti for ti in tis if ti.state == S.FAILED]
        if failed:
            tis = failed
    ended = [ti for ti in tis if ti.end_date is not None]
    return max(ended, key=lambda ti: ti.end_date) if ended else tis[-1]  # type: ignore[arg-type,return-value]


def started_try(run: DagRun, ti: TaskInstance, fileloc: str) -> StartedTry:
    """A try's description as its callbacks' context needs it."""
    return StartedTry(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        task_id=ti.task_id,
        map_index=ti.map_index,
        try_number=ti.try_number,
        max_tries=ti.max_tries,
        fileloc=fileloc,
        logical_date=run.execution_date,
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
        conf=dict(run.conf or {}),
        run_type=run.run_type,
        start_date=ti.start_date or run.start_date or run.execution_date,
        hostname=ti.hostname or "",
    )
