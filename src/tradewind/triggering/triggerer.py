"""The triggerer's loop: keep the running triggers in step with the database.

Each pass, in one short transaction run off the event loop (in a thread, so triggers keep
running meanwhile): record the events and failures since the last pass, heartbeat, fail
deferrals past their timeout, release the triggers of dead triggerers, claim new ones up to
``[triggerer] capacity``, and read which triggers are this triggerer's now. Then start and
cancel coroutines to match, and wake the scheduler if tasks went back to ``scheduled``.

A full pass runs every ``[triggerer] job_heartbeat_sec`` (at most a second apart, so a new
deferral starts waiting promptly). When a trigger fires, a *light* pass runs at once: it
only records the events (and wakes the scheduler), so a fired trigger's task is
``scheduled`` within milliseconds, not at the next heartbeat, and a burst of firings is
not slowed by bookkeeping over every trigger this triggerer holds (reading its thousands
of owned ids, claiming, timeouts), which waits for the next full pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.wakeup import notify_scheduler
from tradewind.observability import metrics
from tradewind.triggering import claims, events, jobs, triggerer_metrics, workflow_access
from tradewind.triggering.runner import TriggerRunner
from tradewind.triggering.single_triggerer import acquire, release

log = logging.getLogger(__name__)

#: Seconds between passes at most, whatever the heartbeat setting.
LONGEST_PASS_GAP = 1.0
#: After a trigger fires, wait this long for others firing at the same moment (one batch).
EVENT_BATCH_WINDOW = 0.02
#: Unused triggers are looked for every this many passes.
CLEANUP_EVERY = 30


@dataclass
class PassResult:
    owned: set[int]
    new_rows: list[tuple[int, str, str]]
    resumed: int = 0
    notes: list[str] = field(default_factory=list)


class Triggerer:
    """``only_run`` (dag id, run id) limits it to that run's triggers (``dags test``)."""

    def __init__(
        self, config: Config, database: Database, only_run: tuple[str, str] | None = None
    ) -> None:
        self.config = config
        self.database = database
        self.only_run = only_run
        self.capacity = int(config.get("triggerer", "capacity"))
        self.heartbeat_sec = float(config.get("triggerer", "job_heartbeat_sec"))
        self.threshold = float(config.get("triggerer", "triggerer_health_check_threshold"))
        self.job_id: int | None = None
        self._passes = 0
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- the database side (runs in a worker thread) ----------------------------------------

    def _register(self) -> None:
        with self.database.session() as session:
            self.job_id = jobs.register(session, _now())
        log.info("Triggerer started: job %d, capacity %d", self.job_id, self.capacity)

    def _record(
        self, fired: list[tuple[int, Any]], failed: list[tuple[int, list[str]]]
    ) -> PassResult:
        """The light pass: record what fired and wake the scheduler, nothing else."""
        with self.database.session() as session:
            resumed = events.resume(session, fired, _now())
            resumed += events.resume(session, failed, _now(), failed=True)
        if resumed:
            notify_scheduler(self.database, self.config)
        return PassResult(owned=set(), new_rows=[], resumed=resumed)

    def _pass(
        self,
        fired: list[tuple[int, Any]],
        failed: list[tuple[int, list[str]]],
        running: set[int],
    ) -> PassResult:
        assert self.job_id is not None
        now = _now()
        postgres = self.database.dialect == "postgresql"
        with self.database.session() as session:
            resumed = events.resume(session, fired, now)
            resumed += events.resume(session, failed, now, failed=True)
            jobs.heartbeat(session, self.job_id, now)
            timed_out = events.fail_timed_out(session, now)
            if self._passes % CLEANUP_EVERY == 0:
                events.delete_unused(session)
            released = claims.release_orphans(session, jobs.alive_ids(session, now, self.threshold))
            claims.claim(session, self.job_id, self.capacity, postgres, self.only_run)
            owned = claims.owned(session, self.job_id)
            new_rows = claims.rows(session, owned - running)
        triggerer_metrics.heartbeat()
        self._passes += 1
        result = PassResult(owned, new_rows, resumed + timed_out)
        if released:
            result.notes.append(f"took back {released} triggers of triggerers that stopped")
        if timed_out:
            result.notes.append(f"{timed_out} deferred tasks timed out")
        if result.resumed:
            notify_scheduler(self.database, self.config)
        return result

    def _stop_job(self) -> None:
        if self.job_id is None:
            return
        with self.database.session() as session:
            claims.release_all(session, self.job_id)
            jobs.finish(session, self.job_id, _now())

    # --- the event loop -----------------------------------------------------------------------

    def stop_threadsafe(self) -> None:
        """Stop it from another thread (``dags test`` runs it in one)."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(
        self,
        num_passes: int | None = None,
        *,
        handle_signals: bool = True,
        longest_gap: float = LONGEST_PASS_GAP,
        started: threading.Event | None = None,
    ) -> None:
        self._stopping = asyncio.Event()
        wake = asyncio.Event()
        runner = TriggerRunner(wake)
        loop = self._loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stopping.set)
        if started is not None:
            started.set()
        await asyncio.to_thread(self._register)
        watchdog = asyncio.create_task(triggerer_metrics.watch_event_loop(), name="watchdog")
        gap = min(self.heartbeat_sec, longest_gap)
        full_due = 0.0
        try:
            while not self._stopping.is_set():
                fired, failed = runner.take_outcomes()
                full = time.monotonic() >= full_due
                try:
                    if full:
                        full_due = time.monotonic() + gap
                        result = await asyncio.to_thread(self._pass, fired, failed, runner.running)
                    else:
                        result = await asyncio.to_thread(self._record, fired, failed)
                except Exception:
                    log.exception("Triggerer pass failed; trying again")
                    runner.events[:0], runner.failures[:0] = fired, failed  # keep them
                    await self._sleep(wake, max(gap, 1.0))
                    continue
                triggerer_metrics.recorded(len(fired), len(failed))
                runner.forget([trigger_id for trigger_id, _ in fired + failed])
                for note in result.notes:
                    log.info(note)
                if full:
                    runner.sync(result.owned, result.new_rows)
                    triggerer_metrics.running(len(runner), self.capacity)
                if num_passes is not None and self._passes >= num_passes:
                    break
                await self._sleep(wake, max(full_due - time.monotonic(), 0.0))
        finally:
            watchdog.cancel()
            await runner.cancel_all()
            await asyncio.to_thread(self._stop_job)
            log.info("Triggerer stopped")

    async def _sleep(self, wake: asyncio.Event, seconds: float) -> None:
        """Until the next pass is due, a trigger fires, or the triggerer is told to stop."""
        assert self._stopping is not None
        stopping = asyncio.ensure_future(self._stopping.wait())
        woken = asyncio.ensure_future(wake.wait())
        await asyncio.wait({stopping, woken}, timeout=seconds, return_when="FIRST_COMPLETED")
        for waiter in (stopping, woken):
            waiter.cancel()
        if wake.is_set():
            wake.clear()
            await asyncio.sleep(EVENT_BATCH_WINDOW)


def _now() -> datetime:
    return datetime.now(UTC)


def prepare_process(config: Config, database: Database) -> None:
    """What a process running triggers needs: their imports and the DAG states."""
    from tradewind import compat
    from tradewind.dagfiles.discovery import dag_folders
    from tradewind.dagfiles.loader import ensure_importable

    compat.install(config)  # triggers written against ``airflow.triggers.*`` import
    ensure_importable(dag_folders(config))  # users' trigger modules sit in the DAG folder
    workflow_access.install(database)  # WorkflowTrigger, DagStateTrigger read DAG states


def run_triggerer(config: Config, num_passes: int | None = None) -> None:
    """``tradewind triggerer``: run until SIGTERM/SIGINT (or ``num_passes`` passes)."""
    metrics.configure(config)
    database = Database.from_config(config)
    prepare_process(config, database)
    lock = acquire(database)
    started = time.monotonic()
    try:
        asyncio.run(Triggerer(config, database).run(num_passes))
    finally:
        release(lock)
        with contextlib.suppress(Exception):
            database.dispose()
        log.debug("triggerer ran %.1f s", time.monotonic() - started)
