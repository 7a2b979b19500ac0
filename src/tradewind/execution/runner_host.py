"""The runner host: claims, supervises and records tries; zygotes fork them.

::

    scheduler --workloads--> runner host --claimed tries--> zygote (one per DAG file + mtime)
        ^                    |  claims, records |  ^            | fork()
        +------outcomes------+  (batched, DB)   +--results------+--> try process

The *runner host* is a fork of the scheduler with Tradewind's task-running code imported.
``tradewind scheduler`` (and so ``standalone``) forks it at the first workload, so an idle
scheduler keeps no second process (about 20 MiB of private pages); the pipes exist from
the executor's start, so the scheduler waits on the same descriptor either way. Forked
mid-life, the host drops the scheduler's signal handlers and wake-up fd and never touches
its objects (database connections included): it freezes them out of its garbage
collector's reach, makes its own database engine and leaves with ``os._exit``. Where
another thread may run when the first workload comes (``tradewind dags test``'s inline
triggerer, a Celery pool process), the host is forked when the executor starts instead,
before the caller opens a database connection. If the host dies, the executor starts a
new one the same way. When it is forked for a workload, the zygote for that workload's
try starts while the host warms up.

The host *claims* each batch of workloads in one transaction (a try that may not start is
refused there and never forked), and *records* how tries ended, again one transaction for
all that ended together, before passing their outcomes to the scheduler. For each DAG file
it starts a *zygote* (:mod:`tradewind.execution.zygote`) that imports the file once (kept
while the file's mtime is unchanged); each try is a ``fork()`` of that zygote: isolated (a
crash kills one try) yet started in about a millisecond with the DAG already built. The try
runs the task's code and sends back how it ended; it opens a database connection only for
XCom, because a freshly forked process pays for its first database work in copy-on-write
page faults (``benchmarks/try_cost.py``). A try that ended without a result (killed,
crashed) goes to the scheduler unrecorded, which fails or retries it. If a zygote dies, the
host reports its unfinished tries. The host heartbeats for all the tries it supervises, in
one statement every ``[scheduler] job_heartbeat_sec``: if the machine (or the host) is
lost, the heartbeats stop and the scheduler fails or retries those tries.

The host fails closed when the database blinks (a restart, a failover, a dropped
connection, SQLite's "database is locked"): a claim or a record that fails is kept and
tried again with a growing pause (at most :data:`~tradewind.execution.outage.MAX_PAUSE`),
one log line when it starts failing and one when it recovers. An outcome reaches the
scheduler only once it is recorded, and tries that ended but are not recorded yet are
still heartbeated, so a try that succeeded is never failed or retried for the outage.

Messages are JSON lines on pipes, each pipe with a single writer: workloads and outcomes
with the scheduler, :mod:`~tradewind.execution.zygote_messages` with zygotes.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tradewind.config import Config
from tradewind.db.outage import is_transient
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.outage import Outage
from tradewind.execution.pipes import LineReader, write_line
from tradewind.execution.task_runner import (
    EXIT_NOT_STARTED,
    changed_tries,
    claim_tries,
    heartbeat_tries,
    hostname,
    record_results,
)
from tradewind.execution.try_process import StartedTry, TryResult, starting_line
from tradewind.execution.workload import STOPPED_EXTERNALLY, TaskKey, TaskOutcome, Workload
from tradewind.execution.zygote import freeze_warm_heap
from tradewind.execution.zygote_messages import (
    Assignment,
    ForkTry,
    TryEnded,
    TryStarted,
    decode,
    encode,
)
from tradewind.states import TaskInstanceState

if TYPE_CHECKING:
    from tradewind.db.engine import Database

log = logging.getLogger("tradewind.runner_host")

# --- the scheduler's handle ---------------------------------------------------------------


class RunnerHost:
    """Starts the host process and talks to it; lives in the executor's process.

    ``lazy``: :meth:`start` makes the pipes only, and the host is forked by the first
    :meth:`submit` (an idle scheduler keeps no host). Only for a process that runs no other
    thread when it submits: the fork then happens in the middle of its life.
    """

    def __init__(self, config: Config, *, lazy: bool = False) -> None:
        self._config = config
        self.lazy = lazy
        self.pid: int | None = None
        self._cmd_w = -1
        self._events: LineReader | None = None
        self._child_ends: tuple[int, int] | None = None  # the host's ends, until it is forked

    def start(self) -> None:
        """Make the pipes (:meth:`fileno` is valid from now on) and, unless lazy, fork."""
        cmd_r, cmd_w = os.pipe()
        evt_r, evt_w = os.pipe()
        os.set_blocking(evt_r, False)
        os.set_inheritable(cmd_w, False)
        self._cmd_w = cmd_w
        self._events = LineReader(evt_r)
        self._child_ends = (cmd_r, evt_w)
        if not self.lazy:
            self._fork()

    def _fork(self) -> None:
        assert self._child_ends is not None and self._events is not None
        cmd_r, evt_w = self._child_ends
        evt_r = self._events.fd
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the host
            code = 0
            try:
                if self.lazy:
                    _leave_the_parent_alone()
                os.close(self._cmd_w)
                os.close(evt_r)
                _host_main(self._config, cmd_r, evt_w, workload_waiting=self.lazy)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        # Closed here, the host's ends make its death an end of file on the events pipe.
        os.close(cmd_r)
        os.close(evt_w)
        self._child_ends = None
        self.pid = pid

    def fileno(self) -> int:
        assert self._events is not None
        return self._events.fd

    def submit(self, workload: Workload) -> bool:
        if self._child_ends is not None:
            self._fork()
        return write_line(self._cmd_w, workload.to_json())

    def outcomes(self) -> list[TaskOutcome]:
        assert self._events is not None
        return [TaskOutcome.from_json(line) for line in self._events.read_lines()]

    @property
    def alive(self) -> bool:
        return self._events is not None and not self._events.eof

    def terminate_tries(self, *, force: bool = False) -> None:
        """Kill the host's running tries: SIGTERM to each one's process group, or SIGKILL
        (``force``). They are then reported ended without a result, like any killed try."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGUSR2 if force else signal.SIGTERM)

    def stop(self) -> None:
        """Close the command pipe: the host exits, zygotes exit once their tries end."""
        if self._cmd_w >= 0:
            with contextlib.suppress(OSError):
                os.close(self._cmd_w)
            self._cmd_w = -1
        for fd in self._child_ends or ():  # never forked
            with contextlib.suppress(OSError):
                os.close(fd)
        self._child_ends = None
        if self.pid is not None:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    done, _ = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                time.sleep(0.01)
            self.pid = None
        if self._events is not None:
            with contextlib.suppress(OSError):
                os.close(self._events.fd)


# --- the host process -----------------------------------------------------------------------


class TryTerminator:
    """The host's SIGTERM (and SIGUSR2) handler: kill the process group of every try it runs.

    How a stopping scheduler or Celery worker ends the tries still running when its
    ``[core] shutdown_grace`` is nearly over: SIGTERM first, SIGUSR2 for SIGKILL. The host
    itself carries on, so their ends are still reported (and the host exits once the
    scheduler has closed its command pipe and the zygotes are done).
    """

    def __init__(self) -> None:
        self.pids: dict[TaskKey, int] = {}  # try -> its pid, also its process group

    def __call__(self, signum: int, _frame: object) -> None:
        sig = signal.SIGKILL if signum == signal.SIGUSR2 else signal.SIGTERM
        for pid in list(self.pids.values()):
            with contextlib.suppress(OSError):
                os.killpg(pid, sig)


def _leave_the_parent_alone() -> None:
    """In a host forked from a scheduler mid-life: undo what the scheduler set up for itself.

    Its signal handlers and wake-up fd go (a signal to the host must not wake or stop the
    scheduler). Its objects stay untouched: frozen at once, so no garbage collection here
    finalizes one (a database connection the scheduler dropped would say goodbye to the
    server on the socket the scheduler may still share); the host makes its own
    :class:`~tradewind.db.engine.Database` and leaves with ``os._exit``.
    """
    gc.freeze()
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    for signum in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError, TypeError):
            if callable(signal.getsignal(signum)):
                signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # zygotes are waited for


def _host_main(config: Config, cmd_r: int, evt_w: int, *, workload_waiting: bool = False) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the scheduler only
    terminator = TryTerminator()
    signal.signal(signal.SIGTERM, terminator)
    signal.signal(signal.SIGUSR2, terminator)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        os.setpgid(0, 0)  # a terminal's Ctrl-C must not reach the tries
    # Forked for a workload: its zygote's interpreter starts while the host warms up.
    spare = start_zygote() if workload_waiting else None
    hostname(config)  # cached: it may ask DNS
    database = warm_database(config)
    freeze_warm_heap()  # what start-up built lives as long as the host: keep it out of GC
    _Host(config, database, cmd_r, evt_w, terminator, spare=spare).run()


def warm_database(config: Config) -> Database:
    """A Database whose statement cache already holds the statements of a try's claim and
    record (SQLAlchemy compiles each on first use, milliseconds apiece)."""
    from tradewind.db.engine import Database
    from tradewind.execution.task_runner import warm_database as warm

    database = Database.from_config(config)
    warm(database, config)
    return database


@dataclass
class _Zygote:
    """The host's handle on one zygote."""

    fileloc: str | None  # None: a spare, not given a file yet
    mtime: float | None
    process: subprocess.Popen[bytes]
    cmd_w: int
    out: LineReader
    outstanding: dict[TaskKey, Workload] = field(default_factory=dict)
    retired: bool = False
    last_used: float = field(default_factory=time.monotonic)  # when it was last given a try


@dataclass(frozen=True, slots=True)
class _Ended:
    """A try whose process ended, waiting to be recorded and passed on."""

    outcome: TaskOutcome
    result: TryResult | None  # None: it died without saying how its task ended
    pid: int


class _Host:
    """The runner host's loop. Each turn: heartbeat if due, claim what was received, wait
    for commands and zygotes' reports, then record what ended and pass it on.

    Database work that fails because the database is away (a restart, a failover, a
    dropped connection, SQLite's "database is locked") is kept and tried again with a
    growing pause (:class:`~tradewind.execution.outage.Outage`); the host goes on
    supervising meanwhile. An outcome reaches the scheduler only once it is recorded.
    """

    def __init__(
        self,
        config: Config,
        database: Any,
        cmd_r: int,
        evt_w: int,
        terminator: TryTerminator,
        *,
        spare: _Zygote | None = None,
    ) -> None:
        self._config = config
        self._terminator = terminator  # knows each running try's pid, to stop it on SIGTERM
        self._database = database
        self._cmd_r = cmd_r
        self._evt_w = evt_w
        os.set_blocking(cmd_r, False)
        self._commands = LineReader(cmd_r)
        self._selector = selectors.DefaultSelector()
        self._selector.register(cmd_r, selectors.EVENT_READ, None)
        self._zygotes: dict[str, _Zygote] = {}  # the live zygote of each file
        self._by_fd: dict[int, _Zygote] = {}
        self._claimed: dict[TaskKey, StartedTry] = {}  # until recorded
        self._unclaimed: dict[TaskKey, Workload] = {}  # received; claimed once the DB lets us
        self._unrecorded_pids: list[tuple[TaskKey, int]] = []
        self._unrecorded_ends: list[_Ended] = []
        self._stopped: dict[TaskKey, str] = {}  # tries stopped because their TI changed
        self._claiming = Outage("Claiming tries", log)
        self._recording = Outage("Recording how tries ended", log)
        self._heartbeats = Outage("Heartbeating running tries", log)
        self._heartbeat_every = max(float(config.get("scheduler", "job_heartbeat_sec")), 0.05)
        self._max_zygotes = max(int(config.get("scheduler", "max_zygotes")), 1)
        self._zygote_idle = float(config.get("scheduler", "zygote_idle_timeout"))
        self._next_heartbeat = time.monotonic() + self._heartbeat_every
        # Started at the first try (an idle scheduler keeps no interpreter waiting), then
        # kept ahead, so a new file's first try waits only for the file's import.
        self._spare = spare

    def run(self) -> None:
        while not self._finished():
            self._turn()
        if self._spare is not None:
            stop_zygote(self._spare)

    def _finished(self) -> bool:
        """The scheduler is gone, every try has ended and every end is recorded."""
        return self._commands.eof and not self._by_fd and not self._unrecorded_ends

    def _turn(self) -> None:
        if time.monotonic() >= self._next_heartbeat:
            self._heartbeat()
        self._claim_unclaimed()
        closing: list[_Zygote] = []
        for key, _ in self._selector.select(self._select_timeout()):
            if key.fd == self._cmd_r:
                self._read_commands()
                continue
            zygote = self._by_fd.get(key.fd)
            if zygote is not None:
                self._read_reports(zygote)
                if zygote.out.eof:
                    closing.append(zygote)
        self._record_unrecorded()
        for zygote in closing:
            self._close_zygote(zygote)

    def _select_timeout(self) -> float:
        """Until the next heartbeat, or the next retry of a claim or record that failed."""
        now = time.monotonic()
        waits = [self._next_heartbeat - now]
        for outage, waiting in (
            (self._claiming, self._unclaimed),
            (self._recording, self._unrecorded_ends or self._unrecorded_pids),
        ):
            retry = outage.seconds_until_due(now)
            if waiting and retry is not None:
                waits.append(retry)
        return max(min(waits), 0.0)

    def _forward(self, outcome: TaskOutcome) -> None:
        write_line(self._evt_w, outcome.to_json())

    # --- heartbeat ---------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        """The tries' heartbeat, one statement for all: their processes do not write it.

        Tries that ended but are not recorded yet are still ``running`` in the database:
        they are heartbeated too, so a long outage does not make them look lost.
        """
        self._next_heartbeat = time.monotonic() + self._heartbeat_every
        self._retire_idle_zygotes()
        if not self._claimed:
            return
        try:
            heartbeat_tries(self._database, self._claimed.values())
            changed = changed_tries(self._database, self._claimed.values())
        except Exception as exc:
            if not is_transient(exc):
                traceback.print_exc()
            self._heartbeats.failed(exc)
        else:
            self._heartbeats.succeeded()
            self._stop_changed(changed)

    def _stop_changed(self, changed: list[tuple[StartedTry, str]]) -> None:
        """A try whose task instance was marked failed or success meanwhile is stopped
        (SIGTERM to its process group), as Airflow's task supervisor does."""
        for started, state in changed:
            key = TaskKey(
                started.dag_id,
                started.run_id,
                started.task_id,
                started.try_number,
                started.map_index,
            )
            pid = self._terminator.pids.get(key)
            if pid is None or key in self._stopped:
                continue
            self._stopped[key] = state
            append_line(
                log_path(self._config, *key[:3], started.try_number, started.map_index),
                f"The task instance was set to {state} externally: stopping this try",
                "WARNING",
            )
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGTERM)

    # --- claim -------------------------------------------------------------------------------

    def _read_commands(self) -> None:
        for line in self._commands.read_lines():
            workload = Workload.from_json(line)
            self._unclaimed.setdefault(workload.key, workload)
        self._claim_unclaimed()
        if self._commands.eof:
            # The scheduler is gone: start nothing more, but stay until the tries already
            # running have ended and their results are recorded.
            self._selector.unregister(self._cmd_r)
            self._unclaimed.clear()
            for zygote in list(self._by_fd.values()):
                self._retire(zygote)

    def _claim_unclaimed(self) -> None:
        """Claim what was received in one transaction; refused tries never reach a zygote.

        While the database is away the workloads wait here and the claim is retried: they
        are still ``queued``, and the claim is guarded, so a try still starts once.
        """
        if not self._unclaimed or not self._claiming.due(time.monotonic()):
            return
        workloads = list(self._unclaimed.values())
        try:
            started, refused = claim_tries(self._database, self._config, workloads)
        except Exception as exc:
            if is_transient(exc):
                self._claiming.failed(exc)
                return
            traceback.print_exc()
            self._unclaimed.clear()
            for workload in workloads:
                detail = f"claim failed: {exc}"
                self._forward(TaskOutcome(workload.key, "start_failed", None, detail))
            return
        self._claiming.succeeded()
        self._unclaimed.clear()
        for workload, reason in refused:
            self._forward(TaskOutcome(workload.key, "exited", EXIT_NOT_STARTED, reason))
        for workload, start in started:
            self._claimed[workload.key] = start
            self._dispatch(workload, start)

    # --- zygotes -----------------------------------------------------------------------------

    def _dispatch(self, workload: Workload, started: StartedTry) -> None:
        """Send the claimed try to its file's zygote (a fresh one if the file changed)."""
        message = try_message(self._config, workload, started)
        mtime = _mtime(workload.fileloc)
        zygote = self._zygotes.get(workload.fileloc)
        if zygote is not None and zygote.mtime != mtime:
            self._retire(zygote)
            zygote = None
        for _attempt in range(2):
            if zygote is None:
                zygote = self._zygote_for(workload.fileloc, mtime)
            if write_line(zygote.cmd_w, message):
                zygote.outstanding[workload.key] = workload
                zygote.last_used = time.monotonic()
                return
            self._retire(zygote)
            zygote = None
        # Claimed but never started: the scheduler fails or retries it (a used try).
        self._claimed.pop(workload.key, None)
        self._forward(TaskOutcome(workload.key, "exited", None, "could not start a runner"))

    def _zygote_for(self, fileloc: str, mtime: float | None) -> _Zygote:
        """The spare, given ``fileloc``; a new spare is started in its place. At most
        ``[scheduler] max_zygotes`` are kept: the one used longest ago makes room."""
        while len(self._zygotes) >= self._max_zygotes:
            self._retire(min(self._zygotes.values(), key=lambda kept: kept.last_used))
        zygote, self._spare = self._spare or start_zygote(), start_zygote()
        assign(zygote, self._config, fileloc, mtime)
        self._zygotes[fileloc] = zygote
        self._by_fd[zygote.out.fd] = zygote
        self._selector.register(zygote.out.fd, selectors.EVENT_READ, None)
        return zygote

    def _read_reports(self, zygote: _Zygote) -> None:
        for line in zygote.out.read_lines():
            match decode(line):
                case TryStarted(key=key, pid=pid):
                    self._unrecorded_pids.append((key, pid))
                    self._terminator.pids[key] = pid
                case TryEnded() as ended:
                    zygote.outstanding.pop(ended.key, None)
                    self._terminator.pids.pop(ended.key, None)
                    end = _ended(ended)
                    if (state := self._stopped.pop(ended.key, None)) is not None:
                        outcome = replace(end.outcome, reason=STOPPED_EXTERNALLY, detail=state)
                        end = replace(end, outcome=outcome)
                    self._unrecorded_ends.append(end)
                case other:
                    log.error("a zygote sent %s, which only the host sends", other)

    def _retire_idle_zygotes(self) -> None:
        """Zygotes with no try running, unused for ``[scheduler] zygote_idle_timeout``,
        exit: a DAG file that runs rarely does not keep an interpreter warm."""
        unused_since = time.monotonic() - self._zygote_idle
        for zygote in list(self._zygotes.values()):
            if not zygote.outstanding and zygote.last_used < unused_since:
                self._retire(zygote)

    def _retire(self, zygote: _Zygote) -> None:
        """Start nothing more on it: it exits once its tries have ended."""
        if not zygote.retired:
            zygote.retired = True
            close_command_pipe(zygote)
            if self._zygotes.get(zygote.fileloc or "") is zygote:
                del self._zygotes[zygote.fileloc or ""]

    def _close_zygote(self, zygote: _Zygote) -> None:
        """It exited: what it had not reported is passed on as died (the scheduler fails
        or retries those tries)."""
        self._selector.unregister(zygote.out.fd)
        self._by_fd.pop(zygote.out.fd, None)
        with contextlib.suppress(OSError):
            os.close(zygote.out.fd)
        close_command_pipe(zygote)
        zygote.process.wait()
        for key in list(zygote.outstanding):
            self._claimed.pop(key, None)
            self._terminator.pids.pop(key, None)
            detail = "the runner process of its DAG file died"
            self._forward(TaskOutcome(key, "exited", None, detail))
        if self._zygotes.get(zygote.fileloc or "") is zygote:
            del self._zygotes[zygote.fileloc or ""]

    # --- record ------------------------------------------------------------------------------

    def _record_unrecorded(self) -> None:
        """Record new tries' pids and ended tries' results (one transaction), pass them on.

        The scheduler sees an outcome only after its state is committed; a try without a
        result (killed, crashed) is left for the scheduler to fail or retry. While the
        database is away nothing is passed on: the batch is kept and recorded again, with
        a growing pause, until it commits.
        """
        if not (self._unrecorded_pids or self._unrecorded_ends):
            return
        if not self._recording.due(time.monotonic()):
            return
        claimed = self._claimed
        running = [(claimed[key], pid) for key, pid in self._unrecorded_pids if key in claimed]
        results: list[tuple[StartedTry, TryResult, int | None]] = [
            (claimed[end.outcome.key], end.result, end.pid)
            for end in self._unrecorded_ends
            if end.result is not None and end.outcome.key in claimed
        ]
        unrecordable: dict[TaskKey, str] = {}
        try:
            if running or results:
                record_results(self._database, self._config, results, running)
        except Exception as exc:
            if is_transient(exc):
                self._recording.failed(exc)
                return
            traceback.print_exc()
            alone = self._record_one_by_one(results)
            if alone is None:
                return
            unrecordable = alone
        self._recording.succeeded()
        for end in self._unrecorded_ends:
            claimed.pop(end.outcome.key, None)
            outcome = end.outcome
            if outcome.key in unrecordable:
                outcome = replace(outcome, detail=unrecordable[outcome.key])
            elif end.result is not None and end.result.state == TaskInstanceState.DEFERRED:
                # Recorded as deferred: the scheduler must not take this process's end for
                # that of the same try resumed meanwhile (it has the same try number).
                outcome = replace(outcome, reason="deferred")
            self._forward(outcome)
        self._unrecorded_pids.clear()
        self._unrecorded_ends.clear()

    def _record_one_by_one(
        self, results: list[tuple[StartedTry, TryResult, int | None]]
    ) -> dict[TaskKey, str] | None:
        """After a batch failed for a reason other than the database being away: record
        each try alone, so one bad result does not cost the others theirs. The tries that
        could not be recorded, and why; ``None`` if the database went away meanwhile."""
        unrecordable: dict[TaskKey, str] = {}
        for started, result, pid in results:
            try:
                record_results(self._database, self._config, [(started, result, pid)])
            except Exception as exc:
                if is_transient(exc):
                    self._recording.failed(exc)
                    return None
                traceback.print_exc()
                key = TaskKey(
                    started.dag_id,
                    started.run_id,
                    started.task_id,
                    started.try_number,
                    started.map_index,
                )
                unrecordable[key] = f"its result could not be recorded: {exc}"
        return unrecordable


def _ended(message: TryEnded) -> _Ended:
    result = None if message.result_json is None else TryResult.from_json(message.result_json)
    return _Ended(TaskOutcome(message.key, message.reason, message.code), result, message.pid)


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def try_message(config: Config, workload: Workload, started: StartedTry) -> str:
    """What a zygote is sent to fork a claimed try. Writes the try's first log line, which
    makes the folder the try's process opens its log in."""
    log_file = log_path(config, *workload.key[:3], started.try_number, map_index=workload.map_index)
    append_line(log_file, starting_line(started))
    fork = ForkTry(workload.key, workload.execution_timeout, str(log_file), started.to_json())
    return encode(fork)


def start_zygote() -> _Zygote:
    """A fresh interpreter that warms up, then waits to be given a DAG file (:func:`assign`)."""
    cmd_r, cmd_w = os.pipe()
    out_r, out_w = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "tradewind.execution.zygote", str(cmd_r), str(out_w)],
        pass_fds=(cmd_r, out_w),
        stdin=subprocess.DEVNULL,
    )
    os.close(cmd_r)
    os.close(out_w)
    os.set_inheritable(cmd_w, False)
    os.set_blocking(out_r, False)
    return _Zygote(None, None, process, cmd_w, LineReader(out_r))


def assign(zygote: _Zygote, config: Config, fileloc: str, mtime: float | None) -> bool:
    """Give a started zygote its DAG file and the host's configuration; False if it died."""
    zygote.fileloc, zygote.mtime = fileloc, mtime
    niceness = int(config.get("core", "task_niceness"))
    return write_line(zygote.cmd_w, encode(Assignment(fileloc, config.to_json(), niceness)))


def stop_zygote(zygote: _Zygote) -> None:
    """Close its command pipe: it exits once its tries have ended."""
    close_command_pipe(zygote)
    zygote.process.wait()


def close_command_pipe(zygote: _Zygote) -> None:
    """Close it once: a retired zygote's pipe is closed long before the zygote exits, and
    by then its descriptor number may belong to a newer zygote's pipe."""
    if zygote.cmd_w >= 0:
        with contextlib.suppress(OSError):
            os.close(zygote.cmd_w)
        zygote.cmd_w = -1
