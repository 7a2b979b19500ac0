"""The scheduler loop.

Each pass is one short transaction: create due scheduled runs, start queued runs (up to
``max_active_runs``), advance running runs (task instances, trigger rules, retries, run
state), admit scheduled task instances (pools, ``max_active_tasks``, parallelism). After the
commit the admitted workloads go to the executor.

Between passes the loop *blocks* in ``select()`` on: the wake-up channel (a trigger, an
unpause, a clear, a finished try), the executor's outcome pipe, and a timer for the next
due thing (a scheduled run's ``run_after``, a retry, a ``dagrun_timeout``, the heartbeat,
the next DAG folder sync). There is no polling sleep: work is started the moment it exists.

A pass costs the same dozen queries whether it handles one run or a hundred, so passes
woken by new work are *paced*: the first after a quiet spell starts at once, the next no
sooner than ``[scheduler] min_pass_interval`` after the previous one ended. A burst of
triggers or of finished tries is then handled in one pass per interval, not one pass each.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tradewind.config import Config
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.db import outage
from tradewind.db.engine import Database
from tradewind.db.models import DagModel, DagRun, DagRunState, Job, TaskInstance
from tradewind.db.models import TaskInstanceState as S
from tradewind.db.wakeup import WakeupListener
from tradewind.execution.callback_requests import CallbackRequest
from tradewind.execution.deferral import fail_timed_out
from tradewind.execution.executors import load_executor
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.shutdown import ShutdownPlan
from tradewind.execution.workload import TaskOutcome, Workload
from tradewind.observability import metrics
from tradewind.scheduling import recovery, scheduler_metrics, single_scheduler
from tradewind.scheduling.admission import Admission, AdmissionFilter
from tradewind.scheduling.callback_runner import CallbackRunner
from tradewind.scheduling.callbacks import dag_requests
from tradewind.scheduling.dag_cache import SerializedDagCache
from tradewind.scheduling.dag_flags import DagFlags, active_dag_flags
from tradewind.scheduling.dag_processing import DagFolderSync
from tradewind.scheduling.dataset_runs import create_dataset_triggered_runs
from tradewind.scheduling.run_creation import (
    active_run_counts,
    create_runs_for_dag,
    max_active_runs,
)
from tradewind.scheduling.run_processing import process_runs
from tradewind.scheduling.shutdown import Drain
from tradewind.states import JobState

log = logging.getLogger(__name__)

#: Upper bound on a blocking wait, so a lost wake-up costs at most this much.
MAX_IDLE = 5.0
#: Running runs advanced per pass (the rest next pass, immediately).
RUNS_PER_PASS = 200
#: Queued runs looked at per pass.
QUEUED_PER_PASS = 500
#: Not in Scheduler._unschedulable (None is a value there).
_UNSEEN = object()
#: DAGs whose due runs one pass creates (the rest next pass, immediately). Keeps a pass
#: short when thousands of DAGs are due at once, and lets another scheduler on PostgreSQL
#: take the next DAGs (locked ``SKIP LOCKED``) meanwhile.
DAGS_PER_PASS = 100
#: Longest pause after a pass the database refused (deadlock, lost connection...).
MAX_ERROR_BACKOFF = 5.0


def utcnow() -> datetime:
    return datetime.now(UTC)


#: Where the scheduler reads the time: real time, unless a test passes its own clock.
Clock = Callable[[], datetime]


@dataclass
class PassResult:
    workloads: list[Workload] = field(default_factory=list)
    again: bool = False
    next_due: datetime | None = None
    #: More DAGs were due than one pass creates runs for (``DAGS_PER_PASS``).
    more_dags_due: bool = False


class Scheduler:
    """One scheduler process. ``only`` restricts it to some runs (used by ``dags backfill``).

    ``clock`` is what every pass, heartbeat and recovery takes as *now* (real UTC time by
    default); tests pass their own to step time forward without sleeping. The loop's own
    waiting (heartbeat and recovery intervals) stays on the monotonic clock.
    """

    def __init__(
        self,
        config: Config,
        database: Database | None = None,
        executor: BaseExecutor | None = None,
        *,
        only: AdmissionFilter | None = None,
        sync_dag_folder: bool = True,
        job_type: str = recovery.JOB_TYPE,
        clock: Clock = utcnow,
    ) -> None:
        self.job_type = job_type
        self.clock = clock
        self.config = config
        self.executor = executor or load_executor(config)
        self._database = database
        self.only = only
        self.sync_enabled = sync_dag_folder and only is None
        self.cache = SerializedDagCache()
        self.job_id: int | None = None
        self._stop = False
        self._stop_requested_at: float | None = None  # time.monotonic() of the SIGTERM
        self._settled: set[str] = set()  # DAGs whose next run cannot be due until a change
        #: DAGs without a schedule, by the ``next_dagrun_create_after`` they had (None):
        #: not looked at again for run creation until that changes (a schedule was added).
        self._unschedulable: dict[str, datetime | None] = {}
        self._last_pass_end = -math.inf  # monotonic; see _pace
        self._paused: dict[str, bool] = {}
        self._next_heartbeat = 0.0
        self._next_recovery = 0.0
        self._unhandled: list[TaskOutcome] = []  # outcomes of a pass that did not commit
        #: Callbacks committed passes asked for, until the loop hands them to its runner.
        self.callback_requests: list[CallbackRequest] = []
        #: Files whose users' timetables are running out of planned runs: the DAG folder
        #: sync parses them again (the scheduler itself never imports user code).
        self.replan_files: set[str] = set()
        self._error_backoff = 0.0
        #: No try is called a zombie before this (monotonic) time; see _pass_or_pause.
        self._zombies_after = 0.0
        self.heartbeat_sec = float(config.get("scheduler", "scheduler_heartbeat_sec"))
        self.zombie_threshold = float(config.get("scheduler", "scheduler_zombie_task_threshold"))
        self.health_threshold = float(config.get("scheduler", "scheduler_health_check_threshold"))
        self.queued_timeout = float(config.get("scheduler", "task_queued_timeout"))
        self.default_max_runs = int(config.get("core", "max_active_runs_per_dag"))
        self.default_max_tasks = int(config.get("core", "max_active_tasks_per_dag"))
        self.runs_per_loop = int(config.get("scheduler", "max_dagruns_to_create_per_loop"))
        self.min_pass_interval = float(config.get("scheduler", "min_pass_interval"))
        self.dags_per_pass = DAGS_PER_PASS
        self.shutdown_grace = float(config.get("core", "shutdown_grace"))
        #: A try on this machine whose process is gone and whose heartbeat is this old
        #: (seconds: its runner host is gone too) is a zombie now, not after the threshold.
        self.dead_try_quiet = 3 * float(config.get("scheduler", "job_heartbeat_sec"))
        #: StatsD gets the database's gauges (pools, queued tries...) once a heartbeat.
        self.statsd_gauges = bool(config.get("metrics", "statsd_on"))

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database.from_config(self.config)
        return self._database

    def stop(self, *_: object) -> None:
        if not self._stop:
            self._stop_requested_at = time.monotonic()
        self._stop = True

    def run(self, *, until: Callable[[], bool] | None = None) -> None:
        """Run until stopped (SIGTERM/SIGINT) or until ``until()`` is true after a pass."""
        lock = (
            single_scheduler.acquire(self.database) if self.job_type == recovery.JOB_TYPE else None
        )
        try:
            self._run(until)
        finally:
            single_scheduler.release(lock)

    def _run(self, until: Callable[[], bool] | None) -> None:
        self.executor.start()  # a runner host is forked now, or by the first workload (lazy)
        listener = WakeupListener(self.database, self.config)
        sync = DagFolderSync(self.config, self.database) if self.sync_enabled else None
        if sync is not None:
            sync.start_now()
        callbacks = CallbackRunner(self.config)
        self.start_job()
        selector = selectors.DefaultSelector()
        signal_r, signal_w = os.pipe()  # a stop signal must interrupt select() at once
        os.set_blocking(signal_r, False)
        os.set_blocking(signal_w, False)
        previous_wakeup_fd = _set_wakeup_fd(signal_w)
        selector.register(signal_r, selectors.EVENT_READ, "signal")
        listener.attach(selector, "wake")
        watched = _watch_executor(selector, None, self.executor)
        # What exists now (modules, SQLAlchemy's caches) lives as long as the process: kept
        # out of the collector's way, full collections walk only what the loop creates.
        gc.collect()
        gc.freeze()
        log.info(
            "Scheduler started (job %s, %s, parallelism %d)",
            self.job_id,
            type(self.executor).__name__,
            self.executor.parallelism,
        )
        try:
            again = True
            next_due: datetime | None = None
            while not self._stop:
                if not again:
                    timeout = self._timeout(next_due, sync, callbacks)
                    events = selector.select(timeout)
                    woken = False
                    for key, _ in events:
                        if key.data == "wake":
                            listener.drain()
                            woken = True
                        elif key.data == "executor":
                            woken = True
                        elif key.data == "signal":
                            _drain(signal_r)
                    if woken:
                        self._pace(listener)
                    if self._stop:
                        break
                listener.reconnect_if_needed(self.database)
                if sync is not None and sync.poll():
                    self._settled.clear()
                    self._unschedulable.clear()
                result = self._pass_or_pause()
                again, next_due = result.again, result.next_due
                watched = _watch_executor(selector, watched, self.executor)
                self._run_callbacks(callbacks)
                if until is not None and until():
                    break
                if sync is not None:
                    if self.replan_files:
                        sync.request_refresh(self.replan_files)
                        self.replan_files = set()
                    sync.maybe_start()
        finally:
            _set_wakeup_fd(previous_wakeup_fd)
            os.close(signal_r)
            os.close(signal_w)
            selector.close()
            listener.close()
            if sync is not None:
                sync.stop()
            self._drain_executor()
            self.executor.end()
            self._run_callbacks(callbacks)
            callbacks.stop()
            self.end_job()

    def _run_callbacks(self, runner: CallbackRunner) -> None:
        """Hand over what committed passes asked for; start a batch if none runs."""
        if self.callback_requests:
            runner.submit(self.callback_requests)
            self.callback_requests = []
        runner.poll()
        runner.maybe_start()

    def _drain_executor(self) -> None:
        """Stopped by a signal: running tries get what is left of ``[core] shutdown_grace``,
        then are killed. Ended on its own (``--num-runs``, a backfill's last run), it leaves
        them to the runner host, which records their ends."""
        if self._unhandled:
            self._handle_late(self._unhandled)
            self._unhandled = []
        if self._stop_requested_at is None:
            return
        plan = ShutdownPlan.starting(self._stop_requested_at, self.shutdown_grace)
        Drain(self.executor, plan, self._handle_late).run()

    def _handle_late(self, outcomes: list[TaskOutcome]) -> None:
        """Outcomes that arrive while stopping: fail or retry tries that ended unrecorded."""
        try:
            with self.database.session() as session:
                requests: list[CallbackRequest] = []
                recovery.handle_outcomes(
                    session,
                    self.config,
                    outcomes,
                    self._dags_getter(session),
                    self.clock(),
                    requests,
                )
            self.callback_requests.extend(requests)
        except Exception:
            log.warning(
                "Could not record %d ended tries while stopping; the next scheduler will",
                len(outcomes),
                exc_info=True,
            )

    def _pace(self, listener: WakeupListener) -> None:
        """Woken by new work (a trigger, finished tries): start the pass no sooner than
        ``min_pass_interval`` after the last one ended.

        The first wake-up after a quiet spell gets its pass at once. Triggers and finished
        tries often come in bursts (a script, a backfill over the API, a fan-out): what
        arrives meanwhile goes into the same pass instead of costing a pass each.
        """
        wait = self._last_pass_end + self.min_pass_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
            listener.drain()  # the wake-ups that came meanwhile are this pass's too

    def _pass_or_pause(self) -> PassResult:
        """One pass; a pass the database refuses is retried after a growing pause.

        With several schedulers on PostgreSQL, a pass can lose a deadlock or a unique
        constraint race to another scheduler; nothing of it was committed, so doing it again
        is safe. A database that went away is waited for the same way.
        """
        try:
            self._housekeeping()
            started = time.monotonic()
            result = self.run_pass()
        except Exception as exc:
            reason = outage.outage_reason(exc)  # also a pool that had no connection to give
            if reason is None and not isinstance(exc, DBAPIError):
                raise
            self._error_backoff = min(max(self._error_backoff * 2, 0.05), MAX_ERROR_BACKOFF)
            log.warning(
                "Scheduler pass failed (%s); trying again in %.2fs",
                reason or outage.first_line(exc),
                self._error_backoff,
            )
            time.sleep(self._error_backoff)
            if reason is not None:
                # No heartbeat could be written meanwhile either: how old a try's heartbeat
                # is says nothing until its runner host had a zombie threshold to write one.
                self._zombies_after = math.inf
            return PassResult(again=True)
        self._error_backoff = 0.0
        self._last_pass_end = time.monotonic()
        scheduler_metrics.pass_done(
            self._last_pass_end - started, len(result.workloads), self.executor.open_slots
        )
        if self._zombies_after == math.inf:
            self._zombies_after = time.monotonic() + self.zombie_threshold
        return result

    def _timeout(
        self,
        next_due: datetime | None,
        sync: DagFolderSync | None,
        callbacks: CallbackRunner | None = None,
    ) -> float:
        now_mono = time.monotonic()
        timeout = min(MAX_IDLE, max(self._next_heartbeat - now_mono, 0.0))
        if callbacks is not None and (wait := callbacks.seconds_until_due()) is not None:
            timeout = min(timeout, wait)
        if next_due is not None:
            timeout = min(timeout, max((next_due - self.clock()).total_seconds(), 0.0))
        if sync is not None:
            timeout = min(timeout, sync.seconds_until_due())
        if self.executor.fileno() is None and self.executor.poll_interval:
            timeout = min(timeout, self.executor.poll_interval)
        return max(timeout, 0.0)

    # --- job row and recovery ----------------------------------------------------------------

    def start_job(self) -> None:
        """Record this scheduler in the ``job`` table, then recover what others left behind."""
        from tradewind.execution.task_runner import hostname

        now = self.clock()
        with self.database.session() as session:
            job = Job(
                job_type=self.job_type,
                state=JobState.RUNNING,
                hostname=hostname(self.config),
                pid=os.getpid(),
                executor_class=type(self.executor).__name__,
                start_date=now,
                latest_heartbeat=now,
            )
            session.add(job)
            session.flush()
            self.job_id = job.id
        self._next_heartbeat = time.monotonic() + self.heartbeat_sec
        self.recover(startup=True)

    def end_job(self) -> None:
        if self.job_id is None:
            return
        try:
            with self.database.session() as session:
                job = session.get(Job, self.job_id)
                if job is not None:
                    job.state = JobState.SUCCESS
                    job.end_date = self.clock()
        except Exception:
            log.warning("could not close the job row", exc_info=True)

    def _housekeeping(self) -> None:
        now_mono = time.monotonic()
        if now_mono >= self._next_heartbeat:
            self._next_heartbeat = now_mono + self.heartbeat_sec
            self.heartbeat()
        if now_mono >= self._next_recovery:
            self.recover()

    def heartbeat(self, now: datetime | None = None) -> None:
        """Tell other schedulers this one is alive (its ``job`` row's ``latest_heartbeat``)."""
        with self.database.session() as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.latest_heartbeat = now or self.clock()
                if job.state != JobState.RUNNING:
                    # Another scheduler counted this one as down (no heartbeat for
                    # scheduler_health_check_threshold) and handed back what it had queued.
                    # Alive after all: count again, or every try queued from now on would
                    # be handed back too.
                    log.warning(
                        "This scheduler (job %s) was counted as down by another one (no "
                        "heartbeat for over %gs); the tries it had queued went back to "
                        "scheduled",
                        self.job_id,
                        self.health_threshold,
                    )
                    job.state = JobState.RUNNING
                    job.end_date = None
        scheduler_metrics.heartbeat(
            self.database, now or self.clock(), statsd_gauges=self.statsd_gauges
        )

    def recover(self, *, startup: bool = False, now: datetime | None = None) -> None:
        """Clean up after the dead: a scheduler's queued tries, lost messages, silent tries.

        What a scheduler without a recent heartbeat queued, and what sat ``queued`` past
        ``task_queued_timeout``, goes back to ``scheduled``; a running try without a recent
        heartbeat is failed or retried.
        """
        self._next_recovery = time.monotonic() + max(self.heartbeat_sec * 2, 1.0)
        now = now or self.clock()
        self._check_trigger_timeouts(now)
        if self.only is not None and not startup:
            return
        requests: list[CallbackRequest] = []
        with self.database.session() as session:
            reset = recovery.reset_orphaned_tasks(
                session, self.job_id or 0, now, self.health_threshold
            )
            zombies = 0
            # After an outage, heartbeats and records are late: no try is judged until they
            # had a zombie threshold to catch up (a host may still hold a success to record).
            if time.monotonic() >= self._zombies_after:
                get_dags = self._dags_getter(session)
                zombies = recovery.fail_zombies(
                    session, self.config, get_dags, now, self.zombie_threshold, requests
                ) + recovery.fail_dead_tries(
                    session, self.config, get_dags, now, self.dead_try_quiet, requests
                )
            stuck = recovery.requeue_stuck_queued(session, now, self.queued_timeout)
        self.callback_requests.extend(requests)
        scheduler_metrics.zombies_found(zombies)
        for name in stuck:
            log.warning(
                "%s was queued for over %gs without starting (its message may be lost); "
                "queuing it again",
                name,
                self.queued_timeout,
            )
        if reset or zombies:
            log.info("Recovered %d orphaned queued and %d zombie task instances", reset, zombies)

    def _check_trigger_timeouts(self, now: datetime) -> None:
        """Deferred tasks past their trigger timeout go back to fail, triggerer or not
        (Airflow's ``check_trigger_timeouts``); this pass then queues them."""
        with self.database.session() as session:
            if self.only is not None and self.only.dag_id:
                # ``dags test`` and backfills only touch their own DAG's tasks.
                timed_out = fail_timed_out(session, now, dag_id=self.only.dag_id)
            else:
                timed_out = fail_timed_out(session, now)
        if timed_out:
            log.info("%d deferred task instances passed their trigger timeout", timed_out)

    def _dags_getter(self, session: Session) -> Callable[[set[str]], dict[str, SerializedDAG]]:
        """Serialized DAGs for one pass: each DAG's hash is checked once a pass, not once for
        every step (outcomes, runs, admission) that asks for it."""
        known: dict[str, SerializedDAG | None] = {}

        def get_dags(dag_ids: set[str]) -> dict[str, SerializedDAG]:
            missing = set(dag_ids) - known.keys()
            if missing:
                found = self.cache.get_many(session, missing)
                known.update({dag_id: found.get(dag_id) for dag_id in missing})
            return {d: dag for d in dag_ids if (dag := known[d]) is not None}

        return get_dags

    # --- one pass ------------------------------------------------------------------------------

    def run_pass(self, now: datetime | None = None) -> PassResult:
        """One pass in one transaction; ``now`` defaults to the scheduler's clock."""
        outcomes = self._unhandled = self._unhandled + self.executor.collect_outcomes()
        scheduler_metrics.pass_begins()
        result = PassResult()
        now = now or self.clock()
        postgres = self.database.dialect == "postgresql"
        requests: list[CallbackRequest] = []
        with self.database.session() as session:
            get_dags = self._dags_getter(session)
            if outcomes:
                recovery.handle_outcomes(session, self.config, outcomes, get_dags, now, requests)
            dags = self._active_dags(session)
            if self.only is None:
                self._create_runs(session, dags, now, postgres, result)
                if create_dataset_triggered_runs(session, dags, get_dags, now, postgres=postgres):
                    session.flush()
            started, held_back = self._start_queued_runs(session, dags, get_dags, now, postgres)
            runs = self._running_runs(session, postgres)
            sdags = get_dags({run.dag_id for run in runs})
            processed = process_runs(
                session, runs, sdags, now, self.config.get("core", "max_map_length")
            )
            # A finished run frees a place for its DAG's next run: another pass at once only
            # if one is waiting for it (queued, or a due run not created for the limit).
            freed = {run.dag_id for run in processed.finished}
            reopened = freed & (self._settled | held_back)
            self._settled -= freed
            scheduler_metrics.runs_finished(processed.finished)
            requests.extend(dag_requests(session, processed.finished, sdags, processed.timed_out))
            result.next_due = _earliest(result.next_due, processed.next_due)
            result.again = bool(reopened) or len(runs) >= RUNS_PER_PASS
            result.workloads = Admission(
                session,
                now=now,
                job_id=self.job_id,
                open_slots=self.executor.open_slots,
                default_max_active_tasks=self.default_max_tasks,
                get_dags=get_dags,
                fileloc_of=self.cache.fileloc,
                postgres=postgres,
                only=self.only,
                scheduled_now=processed.scheduled,
            ).admit()
            if started and not processed.changed and not result.workloads:
                result.again = False
            result.again = result.again or result.more_dags_due
            result.next_due = _earliest(result.next_due, self._next_retry(session))
        self._unhandled = []
        self.callback_requests.extend(requests)  # committed: now they may run
        scheduler_metrics.pass_committed(result.workloads, now)
        if result.workloads:
            self.executor.queue(result.workloads)
        return result

    def _active_dags(self, session: Session) -> dict[str, DagFlags]:
        dags = active_dag_flags(session, self.only.dag_id if self.only is not None else None)
        for dag_id, dag in dags.items():
            if self._paused.get(dag_id) and not dag.is_paused:
                self._settled.discard(dag_id)  # unpaused: its next run may be due now
            self._paused[dag_id] = bool(dag.is_paused)
        return dags

    def _create_runs(
        self,
        session: Session,
        dags: dict[str, DagFlags],
        now: datetime,
        postgres: bool,
        result: PassResult,
    ) -> None:
        unschedulable = self._unschedulable
        due = [
            dag
            for dag in dags.values()
            if not dag.is_paused
            and dag.dag_id not in self._settled
            and (dag.next_dagrun_create_after is None or dag.next_dagrun_create_after <= now)
            and unschedulable.get(dag.dag_id, _UNSEEN) != dag.next_dagrun_create_after
        ]
        for dag in dags.values():
            if (
                not dag.is_paused
                and dag.next_dagrun_create_after is not None
                and dag.dag_id not in self._settled
            ):
                result.next_due = _earliest(result.next_due, dag.next_dagrun_create_after)
        if not due:
            return
        # Load the due DAGs whole (run creation moves their next_dagrun), at most
        # dags_per_pass of them, longest due first. On PostgreSQL, lock those another
        # scheduler is not creating runs for, and re-read them: it may have committed new
        # runs (and next_dagrun) since we first looked.
        query = (
            select(DagModel)
            .where(DagModel.dag_id.in_([d.dag_id for d in due]))
            .order_by(DagModel.next_dagrun_create_after.asc().nulls_first(), DagModel.dag_id)
            .limit(self.dags_per_pass)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        loaded = session.scalars(query.execution_options(populate_existing=True)).all()
        if len(loaded) >= self.dags_per_pass:
            result.more_dags_due = True  # next pass (or another scheduler) goes on
        due_models = [
            dag
            for dag in loaded
            if dag.next_dagrun_create_after is None or dag.next_dagrun_create_after <= now
        ]
        sdags = self.cache.get_many(session, {dag.dag_id for dag in due_models})
        active = active_run_counts(session, [dag.dag_id for dag in due_models])
        for model in due_models:
            sdag = sdags.get(model.dag_id)
            if sdag is None:
                self._settled.add(model.dag_id)
                continue
            if not sdag.timetable.can_be_scheduled:
                # No schedule: only a new one (a new next_dagrun_create_after) changes that,
                # not its runs finishing.
                self._unschedulable[model.dag_id] = model.next_dagrun_create_after
                continue
            created, blocked, replan = create_runs_for_dag(
                session,
                model,
                sdag,
                now=now,
                active=active.get(model.dag_id, 0),
                max_active=max_active_runs(sdag, self.default_max_runs),
                max_to_create=self.runs_per_loop,
            )
            if created:
                result.again = True
                scheduler_metrics.runs_created(created)
            if replan and sdag.fileloc:
                self.replan_files.add(sdag.fileloc)
            if blocked or model.next_dagrun_create_after is None:
                self._settled.add(model.dag_id)
            elif model.next_dagrun_create_after <= now:
                result.again = True  # more than max_dagruns_to_create_per_loop were due
            else:
                result.next_due = _earliest(result.next_due, model.next_dagrun_create_after)
        session.flush()

    def _start_queued_runs(
        self,
        session: Session,
        dags: dict[str, DagFlags],
        get_dags: Callable[[set[str]], dict[str, SerializedDAG]],
        now: datetime,
        postgres: bool,
    ) -> tuple[int, set[str]]:
        """Queued runs to running, up to each DAG's ``max_active_runs``: how many started,
        and the DAGs whose queued runs wait for a place (all DAGs, if more were queued than
        one pass looks at)."""
        query = (
            select(DagRun)
            .where(DagRun.state == DagRunState.QUEUED)
            .order_by(DagRun.execution_date)
            .limit(QUEUED_PER_PASS)
        )
        if self.only is not None:
            query = query.where(DagRun.dag_id == self.only.dag_id)
            if self.only.run_ids is not None:
                query = query.where(DagRun.run_id.in_(self.only.run_ids))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        queued = [
            run
            for run in rows
            if run.dag_id in dags
            and (not dags[run.dag_id].is_paused or (self.only and self.only.ignore_paused))
        ]
        if not queued:
            return 0, set()
        # More than a pass looks at: the next pass (after any run finishes) looks again.
        held_back = set(dags) if len(rows) >= QUEUED_PER_PASS else set()
        dag_ids = {run.dag_id for run in queued}
        sdags = get_dags(dag_ids)  # the pass's: the running runs' step reuses them
        running = dict(
            session.execute(
                select(DagRun.dag_id, func.count())
                .where(DagRun.state == DagRunState.RUNNING, DagRun.dag_id.in_(dag_ids))
                .group_by(DagRun.dag_id)
            ).all()
        )
        started = 0
        for run in queued:
            sdag = sdags.get(run.dag_id)
            if sdag is None:
                continue
            if running.get(run.dag_id, 0) >= max_active_runs(sdag, self.default_max_runs):
                held_back.add(run.dag_id)
                continue
            run.state = DagRunState.RUNNING
            run.start_date = now
            run.end_date = None
            scheduler_metrics.run_started(run)
            running[run.dag_id] = running.get(run.dag_id, 0) + 1
            started += 1
        session.flush()
        return started, held_back

    def _running_runs(self, session: Session, postgres: bool) -> list[DagRun]:
        query = (
            select(DagRun)
            .where(DagRun.state == DagRunState.RUNNING)
            .order_by(DagRun.execution_date)
            .limit(RUNS_PER_PASS)
        )
        if self.only is not None:
            query = query.where(DagRun.dag_id == self.only.dag_id)
            if self.only.run_ids is not None:
                query = query.where(DagRun.run_id.in_(self.only.run_ids))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        return list(session.scalars(query))

    def _next_retry(self, session: Session) -> datetime | None:
        return session.scalar(
            select(func.min(TaskInstance.next_retry_at)).where(
                TaskInstance.state.in_((S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE))
            )
        )


def _set_wakeup_fd(fd: int) -> int:
    try:
        return signal.set_wakeup_fd(fd)
    except ValueError:  # not the main thread (a test running the loop in a thread)
        return -1


def _watch_executor(
    selector: selectors.BaseSelector, watched: tuple[int, int] | None, executor: BaseExecutor
) -> tuple[int, int] | None:
    """Wait on the executor's descriptor, again if it changed (a new runner host after one
    died has a new pipe, perhaps under the old number): the descriptor and its inode."""
    fd = executor.fileno()
    current = None if fd is None else (fd, os.fstat(fd).st_ino)
    if current != watched:
        if watched is not None:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(watched[0])
        if fd is not None:
            selector.register(fd, selectors.EVENT_READ, "executor")
    return current


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def run_scheduler(config: Config, *, num_passes: int | None = None) -> None:
    """Entry point of ``tradewind scheduler``: SIGTERM/SIGINT stop it cleanly."""
    metrics.configure(config)
    # No thread runs here: the runner host is forked at the first workload, not ahead.
    scheduler = Scheduler(config, executor=load_executor(config, lazy=True))
    signal.signal(signal.SIGTERM, scheduler.stop)
    signal.signal(signal.SIGINT, scheduler.stop)
    counter = {"n": 0}

    def until() -> bool:
        counter["n"] += 1
        return num_passes is not None and counter["n"] >= num_passes

    scheduler.run(until=until)
