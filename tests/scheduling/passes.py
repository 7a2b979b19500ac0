"""The fast scheduler layer: single passes on a real database, with time in the test's hands.

The end-to-end tests (``harness.py``) start a ``tradewind scheduler`` process that runs real
tries; what they check about time (retry delays, timeouts) costs real seconds. This layer
drives the same :class:`~tradewind.scheduling.scheduler.Scheduler` one
:meth:`~tradewind.scheduling.scheduler.Scheduler.run_pass` at a time instead:

* its clock is a :class:`FakeClock` the test moves forward, so "five minutes later" is one
  assignment, not a sleep;
* its executor is a :class:`RecordingExecutor`: it runs nothing, it keeps the workloads the
  scheduler queued, and the test says how each try ended;
* a try's own bookkeeping (``running``, then its final state), which the task runner writes
  in production, is written by :meth:`PassHarness.start` and :meth:`PassHarness.finish` at
  the fake clock's time; a failure goes through the same
  :func:`~tradewind.execution.failure.fail_try` the runner uses, so retry times are the real
  rule's;
* DAGs are built in the test with the authoring API and stored serialized, as the DAG
  folder sync would store them, without parsing files.

Everything else is real: the metadata database (SQLite and PostgreSQL through the
``database`` fixture), the scheduler's queries and transactions, admission, trigger rules,
retries, recovery. A test here takes milliseconds; what it cannot see (processes, wake-ups,
logs written by tries) stays covered by the end-to-end suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.dag import DAG
from tradewind.config import Config
from tradewind.dagfiles.serialization import dag_hash, serialize_dag
from tradewind.dagfiles.stored import load_serialized_dag
from tradewind.db.engine import Database
from tradewind.db.models import DagModel, DagRun, Pool, SerializedDagModel, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.failure import fail_try
from tradewind.execution.workload import TaskKey, TaskOutcome, Workload
from tradewind.operations.dag_runs import trigger_dag
from tradewind.scheduling.scheduler import PassResult, Scheduler

#: Where the fake clock starts: any fixed instant makes run creation reproducible.
EPOCH = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """The scheduler's *now*; moves only when the test says so."""

    now: datetime = EPOCH

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


class RecordingExecutor(BaseExecutor):
    """An executor that runs nothing: it records what it is handed and reports what it is told.

    It lives with the tests, not in ``execution/executors``: configured as ``[core]
    executor`` it would leave every try queued for ever, and nothing in production needs that.
    Slots work as in every executor: a queued workload holds one until its outcome is
    collected (``[core] parallelism``, or ``parallelism`` here).
    """

    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        super().__init__(config, parallelism)
        #: Every workload the scheduler handed over, in order (never forgotten).
        self.queued: list[Workload] = []
        self._outcomes: list[TaskOutcome] = []

    def start(self) -> None:
        pass

    def _submit(self, workload: Workload) -> None:
        self.queued.append(workload)

    def report(self, key: TaskKey, reason: str = "exited", returncode: int | None = 0) -> None:
        """The try's process ended; the scheduler learns it at its next pass."""
        self._outcomes.append(TaskOutcome(key=key, reason=reason, returncode=returncode))

    def _collect(self) -> list[TaskOutcome]:
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def end(self) -> None:
        pass


class PassHarness:
    """A scheduler with a fake clock and a recording executor, and a try runner's bookkeeping."""

    def __init__(self, config: Config, database: Database, *, parallelism: int = 32) -> None:
        self.config = config
        self.db = database
        self.clock = FakeClock()
        self.executor = RecordingExecutor(config, parallelism)
        self.scheduler = self.new_scheduler()
        self._triggered = 0

    def new_scheduler(self) -> Scheduler:
        """A scheduler on this database, clock and executor, with its ``job`` row."""
        scheduler = Scheduler(
            self.config, self.db, self.executor, sync_dag_folder=False, clock=self.clock
        )
        scheduler.start_job()
        return scheduler

    # --- what the user does ---------------------------------------------------------------

    def add_dag(self, dag: DAG, *, paused: bool = False) -> None:
        """Store the DAG as the DAG folder sync would (serialized, active)."""
        data = serialize_dag(dag)
        if data.get("catchup") is None:
            data["catchup"] = self.config.get("scheduler", "catchup_by_default")
        with self.db.session() as session:
            session.add(
                DagModel(
                    dag_id=dag.dag_id,
                    fileloc=data["fileloc"],
                    is_active=True,
                    is_paused=paused,
                    max_active_runs=data["max_active_runs"],
                    max_active_tasks=data["max_active_tasks"],
                )
            )
            session.add(
                SerializedDagModel(
                    dag_id=dag.dag_id,
                    fileloc=data["fileloc"],
                    data=data,
                    dag_hash=dag_hash(data),
                    last_updated=self.clock.now,
                )
            )

    def update_dag(self, dag: DAG) -> None:
        """The DAG file changed and was parsed again: a new serialized form and hash."""
        data = serialize_dag(dag)
        with self.db.session() as session:
            row = session.get(SerializedDagModel, dag.dag_id)
            assert row is not None
            row.data = data
            row.dag_hash = dag_hash(data)
            row.last_updated = self.clock.now

    def trigger(self, dag_id: str, execution_date: datetime | None = None) -> str:
        """A manual run, as the API or CLI would create it; its run_id is unique to the test.

        Runs triggered later get later logical dates unless ``execution_date`` says otherwise.
        """
        self._triggered += 1
        when = execution_date or self.clock.now + timedelta(seconds=self._triggered)
        run_id = f"{dag_id}__{self._triggered}"
        return trigger_dag(self.db, dag_id, run_id=run_id, execution_date=when, actor="test").run_id

    def set_paused(self, dag_id: str, paused: bool) -> None:
        with self.db.session() as session:
            dag = session.get(DagModel, dag_id)
            assert dag is not None
            dag.is_paused = paused

    def add_pool(self, name: str, slots: int) -> None:
        with self.db.session() as session:
            session.add(Pool(pool=name, slots=slots, description=""))

    # --- the scheduler's side ---------------------------------------------------------------

    def run_pass(self, advance: timedelta | None = None) -> PassResult:
        """One pass, after moving the clock forward by ``advance``."""
        if advance is not None:
            self.clock.advance(advance)
        return self.scheduler.run_pass()

    def housekeeping(self) -> None:
        """What the loop does every few heartbeats: heartbeat, then recovery, at the clock."""
        self.scheduler.heartbeat()
        self.scheduler.recover()

    def settle(self, limit: int = 20) -> PassResult:
        """Passes until the scheduler has nothing more to do right now."""
        for _ in range(limit):
            result = self.scheduler.run_pass()
            if not result.again:
                return result
        raise AssertionError(f"the scheduler still had work after {limit} passes")

    def queued_tasks(self) -> list[str]:
        """Task ids of every workload queued so far, in order."""
        return [workload.task_id for workload in self.executor.queued]

    # --- what a try runner would write ------------------------------------------------------

    def start(self, task_id: str, run_id: str | None = None) -> Workload:
        """The try's process claimed it: ``running``, the next try number, a fresh heartbeat."""
        workload = self._latest_workload(task_id, run_id)
        now = self.clock.now
        with self.db.session() as session:
            ti = self._ti(session, workload)
            assert ti.state == S.QUEUED, f"{task_id} is {ti.state}, not queued"
            ti.state = S.RUNNING
            ti.try_number = workload.try_number
            ti.start_date = now
            ti.end_date = None
            ti.last_heartbeat_at = now
            ti.next_retry_at = None
        return workload

    def finish(self, task_id: str, state: str, run_id: str | None = None) -> None:
        """The try ran and ended in ``state``; its process exits and the executor reports it.

        ``failed`` follows the task's retry settings (``up_for_retry`` while tries are left).
        """
        workload = self._latest_workload(task_id, run_id)
        if self.ti(workload.run_id, task_id).state == S.QUEUED:
            self.start(task_id, run_id)
        now = self.clock.now
        with self.db.session() as session:
            ti = self._ti(session, workload)
            if state == S.FAILED:
                task = load_serialized_dag(session, ti.dag_id).tasks[ti.task_id]
                fail_try(ti, task, now)
            else:
                ti.state = state
                ti.end_date = now
        self.executor.report(workload.key)

    def die(self, task_id: str, run_id: str | None = None, *, returncode: int = -9) -> None:
        """The try's process ended without writing a state (killed, out of memory...)."""
        self.executor.report(self._latest_workload(task_id, run_id).key, returncode=returncode)

    # --- what the user sees -----------------------------------------------------------------

    def states(self, run_id: str) -> dict[str, str | None]:
        with self.db.session() as session:
            rows = session.execute(
                select(TaskInstance.task_id, TaskInstance.state).where(
                    TaskInstance.run_id == run_id
                )
            )
            return {task_id: state for task_id, state in rows}

    def ti(self, run_id: str, task_id: str) -> TaskInstance:
        with self.db.session() as session:
            ti = session.scalars(
                select(TaskInstance).where(
                    TaskInstance.run_id == run_id, TaskInstance.task_id == task_id
                )
            ).one()
            session.expunge(ti)
            return ti

    def run_state(self, run_id: str) -> str:
        return self.run(run_id).state

    def run(self, run_id: str) -> DagRun:
        with self.db.session() as session:
            run = session.scalars(select(DagRun).where(DagRun.run_id == run_id)).one()
            session.expunge(run)
            return run

    def runs(self, dag_id: str) -> list[DagRun]:
        with self.db.session() as session:
            runs = list(
                session.scalars(
                    select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.execution_date)
                )
            )
            session.expunge_all()
            return runs

    # --- helpers ------------------------------------------------------------------------------

    def _latest_workload(self, task_id: str, run_id: str | None) -> Workload:
        for workload in reversed(self.executor.queued):
            if workload.task_id == task_id and run_id in (None, workload.run_id):
                return workload
        raise AssertionError(f"{task_id} ({run_id or 'any run'}) was never queued")

    def _ti(self, session: Session, workload: Workload) -> TaskInstance:
        ti = session.get(TaskInstance, workload.key.instance)
        assert ti is not None
        return ti
