"""``dags test``: one whole DAG run, here and now, recorded like any other run.

The run is a manual run (``manual__<logical date>``, run type ``manual``) driven to its end
by a :class:`~tradewind.scheduling.scheduler.Scheduler` limited to it, as a backfill is.
The scheduler is the real one on purpose: trigger rules, retries, pools and run states
are the rules a scheduled run follows, not a second copy of them that could drift. Only
the executor differs: one slot (tries one after another, each forked from a warm runner
host) unless the caller asks for the configured executor. A deferred task's trigger runs
in this process (:mod:`tradewind.triggering.inline`), so no triggerer need be running.

As Airflow does, a run already recorded with the same run id or logical date is deleted
first, so testing the same date twice starts afresh.
"""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance, TaskMap, TaskReschedule, XCom
from tradewind.execution.executors import load_executor
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.executors.sequential import SequentialExecutor
from tradewind.execution.logs import log_path
from tradewind.operations.dag_runs import trigger_dag
from tradewind.operations.dags import require_dag
from tradewind.operations.mark_success import MarkSuccessExecutor
from tradewind.scheduling.admission import AdmissionFilter
from tradewind.scheduling.scheduler import Scheduler
from tradewind.states import DagRunState
from tradewind.states import TaskInstanceState as S
from tradewind.triggering.inline import InlineTriggerer

#: ``job.job_type`` of the scheduler a ``dags test`` runs (it takes no scheduler lock).
JOB_TYPE = "DagTestJob"


@dataclass(frozen=True)
class FinishedTry:
    """One try that ended, with where its log is."""

    task_id: str
    try_number: int
    state: str | None
    log: Path


class RunObserver(Protocol):
    """Follows the run (the CLI prints the tries' logs)."""

    def run_started(self, log_folder: Path) -> None:
        """The executor is up (its processes forked); the tries' logs appear below
        ``log_folder`` (``task_id=<task>/attempt=<n>.log``)."""

    def try_ended(self, finished: FinishedTry) -> None:
        """A try ended (tries are told in the order they end; each once)."""


@dataclass
class DagTestResult:
    run_id: str
    state: str
    task_states: dict[str, str | None] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def succeeded(self) -> bool:
        return self.state == DagRunState.SUCCESS


def run_dag_test(
    config: Config,
    db: Database,
    dag_id: str,
    logical_date: datetime,
    *,
    conf: dict[str, object] | None = None,
    use_executor: bool = False,
    mark_success: re.Pattern[str] | None = None,
    observer: RunObserver | None = None,
) -> DagTestResult:
    """Create the run, drive it to success or failure, and tell ``observer`` each try.

    Tasks whose id ``mark_success`` matches are recorded successful instead of run.
    """
    run_id = f"manual__{logical_date.isoformat()}"
    _delete_previous_run(db, dag_id, run_id, logical_date)
    trigger_dag(
        db,
        dag_id,
        run_id=run_id,
        conf=conf,
        execution_date=logical_date,
        replace_microseconds=False,
        actor="dags test",
    )
    _start_now(db, dag_id, run_id)
    watcher = _TryWatcher(config, db, dag_id, run_id, observer)
    executor: BaseExecutor = load_executor(config) if use_executor else SequentialExecutor(config)
    if mark_success is not None:
        executor = MarkSuccessExecutor(executor, mark_success, config, db)
    scheduler = Scheduler(
        config,
        db,
        executor,
        only=AdmissionFilter(dag_id=dag_id, run_ids=frozenset({run_id}), ignore_paused=True),
        job_type=JOB_TYPE,
    )
    triggers = InlineTriggerer(config, db, dag_id, run_id)

    def until() -> bool:
        triggers.start()  # after the scheduler's first pass: its executor has forked
        return watcher.poll()

    with _stopped_by_signals(scheduler) as interrupted, triggers:
        scheduler.run(until=until)
    if not watcher.poll() and interrupted:
        _fail_interrupted_run(db, dag_id, run_id)
        watcher.poll()
    return watcher.result(interrupted=bool(interrupted))


@contextlib.contextmanager
def _stopped_by_signals(scheduler: Scheduler) -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM stops the scheduler as ``tradewind scheduler`` stops: running
    tries get ``[core] shutdown_grace`` to end, then are killed and recorded. The list
    yielded holds the signals received."""
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        scheduler.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _fail_interrupted_run(db: Database, dag_id: str, run_id: str) -> None:
    """An interrupted test run ends ``failed`` rather than waiting for a scheduler."""
    with db.session() as session:
        run = _the_run(session, dag_id, run_id)
        if run.state not in DagRunState.FINISHED:
            run.state = DagRunState.FAILED
            run.end_date = datetime.now(UTC)


def _start_now(db: Database, dag_id: str, run_id: str) -> None:
    """Running from the start, as Airflow's ``dags test`` creates it: ``max_active_runs``
    and the queue of other runs do not hold a test back."""
    with db.session() as session:
        run = _the_run(session, dag_id, run_id)
        run.state = DagRunState.RUNNING
        run.start_date = datetime.now(UTC)


def _the_run(session: Session, dag_id: str, run_id: str) -> DagRun:
    return session.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
    ).one()


def _delete_previous_run(db: Database, dag_id: str, run_id: str, logical_date: datetime) -> None:
    """The run this test would collide with goes, with its task instances and XComs."""
    with db.session() as session:
        require_dag(session, dag_id)
        old = session.scalars(
            select(DagRun.run_id).where(
                DagRun.dag_id == dag_id,
                or_(DagRun.run_id == run_id, DagRun.execution_date == logical_date),
            )
        ).all()
        for model in (XCom, TaskMap, TaskReschedule, TaskInstance, DagRun):
            session.execute(delete(model).where(model.dag_id == dag_id, model.run_id.in_(old)))


class _TryWatcher:
    """Finds the tries of the run that ended since it last looked (one query a pass).

    A task instance's ``try_number`` is the try running now, or the last one that ran;
    every try below it (and it too, unless running) has ended.
    """

    def __init__(
        self,
        config: Config,
        db: Database,
        dag_id: str,
        run_id: str,
        observer: RunObserver | None,
    ) -> None:
        self.config = config
        self.db = db
        self.dag_id = dag_id
        self.run_id = run_id
        self.observer = observer
        self._started = False
        self._reported: dict[str, int] = {}
        self._state: str = DagRunState.QUEUED
        self._task_states: dict[str, str | None] = {}

    def poll(self) -> bool:
        """Report tries that ended; whether the run is over (the scheduler's ``until``)."""
        if not self._started and self.observer is not None:
            self._started = True
            folder = log_path(self.config, self.dag_id, self.run_id, "-", 1).parent.parent
            self.observer.run_started(folder)
        with self.db.read_session() as session:
            self._state = session.scalars(
                select(DagRun.state).where(
                    DagRun.dag_id == self.dag_id, DagRun.run_id == self.run_id
                )
            ).one()
            rows = session.execute(
                select(
                    TaskInstance.task_id,
                    TaskInstance.map_index,
                    TaskInstance.state,
                    TaskInstance.try_number,
                )
                .where(TaskInstance.dag_id == self.dag_id, TaskInstance.run_id == self.run_id)
                .order_by(TaskInstance.end_date, TaskInstance.task_id, TaskInstance.map_index)
            ).all()
        # Rebuilt each time: a mapped task's placeholder gives way to its instances.
        self._task_states = {}
        for plain_id, map_index, state, try_number in rows:
            # A mapped task's instances are reported one by one, as ``task[i]``.
            task_id = plain_id if map_index < 0 else f"{plain_id}[{map_index}]"
            self._task_states[task_id] = state
            # A rescheduled sensor between pokes is still in its try.
            waiting = state in (S.RUNNING, S.UP_FOR_RESCHEDULE)
            ended = try_number - 1 if waiting else try_number
            for number in range(self._reported.get(task_id, 0) + 1, ended + 1):
                self._report(task_id, number, state if number == try_number else S.UP_FOR_RETRY)
            self._reported[task_id] = max(self._reported.get(task_id, 0), ended)
        return self._state in DagRunState.FINISHED

    def _report(self, task_id: str, number: int, state: str | None) -> None:
        if self.observer is None:
            return
        plain_id, _, index = task_id.partition("[")
        map_index = int(index.rstrip("]")) if index else -1
        path = log_path(self.config, self.dag_id, self.run_id, plain_id, number, map_index)
        self.observer.try_ended(FinishedTry(task_id, number, state, path))

    def result(self, *, interrupted: bool = False) -> DagTestResult:
        return DagTestResult(self.run_id, self._state, dict(self._task_states), interrupted)
