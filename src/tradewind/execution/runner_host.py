"""The runner host: claims, supervises and records tries; zygotes fork them.

::

    scheduler --workloads--> runner host --claimed tries--> zygote (one per DAG file + mtime)
        ^                    |  claims, records |  ^            | fork()
        +------outcomes------+  (batched, DB)   +--results------+--> try process

The *runner host* is forked once when the executor starts, before the scheduler opens any
database connection, and imports Tradewind's task-running code. It *claims* each batch of
workloads in one transaction (a try that may not start is refused there and never forked),
and *records* how tries ended, again one transaction for all that ended together, before
passing their outcomes to the scheduler. For each DAG file it starts a *zygote*
(:mod:`tradewind.execution.zygote`) that imports the file once (kept while the file's mtime
is unchanged); each try is a ``fork()`` of that zygote: isolated (a crash kills one try) yet
started in about a millisecond with the DAG already built. The try runs the task's code and
sends back how it ended; it opens a database connection only for XCom, because a freshly
forked process pays for its first database work in copy-on-write page faults
(``benchmarks/try_cost.py``). A try that ended without a result (killed, crashed) goes to
the scheduler unrecorded, which fails or retries it. If a zygote dies, the host reports its
unfinished tries. The host heartbeats for all the tries it supervises, in one statement
every ``[scheduler] job_heartbeat_sec``: if the machine (or the host) is lost, the
heartbeats stop and the scheduler fails or retries those tries.

Messages are JSON lines on pipes, each pipe with a single writer.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field

from tradewind.config import Config
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.pipes import LineReader, write_line
from tradewind.execution.task_runner import (
    EXIT_NOT_STARTED,
    claim_tries,
    heartbeat_tries,
    hostname,
    record_results,
)
from tradewind.execution.try_process import StartedTry, TryResult, starting_line
from tradewind.execution.workload import TaskKey, TaskOutcome, Workload
from tradewind.execution.zygote import freeze_warm_heap

# --- the scheduler's handle ---------------------------------------------------------------


class RunnerHost:
    """Starts the host process and talks to it; lives in the executor's process."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self.pid: int | None = None
        self._cmd_w = -1
        self._events: LineReader | None = None

    def start(self) -> None:
        cmd_r, cmd_w = os.pipe()
        evt_r, evt_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the host
            code = 0
            try:
                os.close(cmd_w)
                os.close(evt_r)
                _host_main(self._config, cmd_r, evt_w)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(cmd_r)
        os.close(evt_w)
        os.set_blocking(evt_r, False)
        os.set_inheritable(cmd_w, False)
        self.pid = pid
        self._cmd_w = cmd_w
        self._events = LineReader(evt_r)

    def fileno(self) -> int:
        assert self._events is not None
        return self._events.fd

    def submit(self, workload: Workload) -> bool:
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


@dataclass
class _Zygote:
    fileloc: str | None  # None: a spare, not given a file yet
    mtime: float | None
    process: subprocess.Popen[bytes]
    cmd_w: int
    out: LineReader
    outstanding: dict[TaskKey, Workload] = field(default_factory=dict)
    retired: bool = False


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


def warm_database(config: Config):  # type: ignore[no-untyped-def]
    """A Database whose statement cache already holds the statements of a try's claim and
    record (SQLAlchemy compiles each on first use, milliseconds apiece)."""
    from tradewind.db.engine import Database
    from tradewind.execution.task_runner import warm_database as warm

    database = Database.from_config(config)
    warm(database, config)
    return database


def _host_main(config: Config, cmd_r: int, evt_w: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the scheduler only
    terminator = TryTerminator()
    signal.signal(signal.SIGTERM, terminator)
    signal.signal(signal.SIGUSR2, terminator)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        os.setpgid(0, 0)  # a terminal's Ctrl-C must not reach the tries
    hostname(config)  # cached: it may ask DNS
    database = warm_database(config)
    freeze_warm_heap()  # what start-up built lives as long as the host: keep it out of GC
    os.set_blocking(cmd_r, False)
    commands = LineReader(cmd_r)
    selector = selectors.DefaultSelector()
    selector.register(cmd_r, selectors.EVENT_READ, None)
    zygotes: dict[str, _Zygote] = {}  # live zygote per file
    by_fd: dict[int, _Zygote] = {}
    claimed: dict[TaskKey, StartedTry] = {}
    heartbeat_every = max(float(config.get("scheduler", "job_heartbeat_sec")), 0.05)
    next_heartbeat = time.monotonic() + heartbeat_every

    def heartbeat() -> None:
        """The tries' heartbeat, one statement for all: their processes do not write it."""
        nonlocal next_heartbeat
        next_heartbeat = time.monotonic() + heartbeat_every
        if claimed:
            try:
                heartbeat_tries(database, claimed.values())
            except Exception:
                traceback.print_exc()

    def forward(outcome: TaskOutcome) -> None:
        write_line(evt_w, outcome.to_json())

    def claim(workloads: list[Workload]) -> None:
        """Claim the batch in one transaction; refused tries never reach a zygote."""
        try:
            started, refused = claim_tries(database, config, workloads)
        except Exception as exc:
            for workload in workloads:
                forward(TaskOutcome(workload.key, "start_failed", None, f"claim failed: {exc}"))
            return
        for workload, reason in refused:
            forward(TaskOutcome(workload.key, "exited", EXIT_NOT_STARTED, reason))
        for workload, start in started:
            claimed[workload.key] = start
            dispatch(workload, start)

    def record(
        started: list[tuple[TaskKey, int]],
        ended: list[tuple[TaskOutcome, TryResult | None, int | None]],
    ) -> None:
        """Record new tries' pids and ended tries' results (one transaction), pass all on.

        The scheduler sees an outcome only after its state is committed; a try without a
        result (killed, crashed) is left for the scheduler to fail or retry.
        """
        running = [(claimed[key], pid) for key, pid in started if key in claimed]
        results = [
            (claimed[outcome.key], result, pid)
            for outcome, result, pid in ended
            if result is not None and outcome.key in claimed
        ]
        if running or results:
            try:
                record_results(database, config, results, running)
            except Exception:
                traceback.print_exc()
        for outcome, _, _ in ended:
            claimed.pop(outcome.key, None)
            forward(outcome)

    def close_zygote(zygote: _Zygote) -> None:
        selector.unregister(zygote.out.fd)
        by_fd.pop(zygote.out.fd, None)
        with contextlib.suppress(OSError):
            os.close(zygote.out.fd)
        with contextlib.suppress(OSError):
            os.close(zygote.cmd_w)
        zygote.process.wait()
        for key in list(zygote.outstanding):
            claimed.pop(key, None)
            terminator.pids.pop(key, None)
            forward(TaskOutcome(key, "exited", None, "the runner process of its DAG file died"))
        if zygotes.get(zygote.fileloc) is zygote:
            del zygotes[zygote.fileloc]

    def retire(zygote: _Zygote) -> None:
        if not zygote.retired:
            zygote.retired = True
            with contextlib.suppress(OSError):
                os.close(zygote.cmd_w)
            if zygotes.get(zygote.fileloc) is zygote:
                del zygotes[zygote.fileloc]

    spare = start_zygote()  # started ahead, so a new file's first try waits only for its import

    def take_spare() -> _Zygote:
        nonlocal spare
        zygote, spare = spare, start_zygote()
        return zygote

    def dispatch(workload: Workload, started: StartedTry) -> None:
        message = try_message(config, workload, started)
        mtime = _mtime(workload.fileloc)
        zygote = zygotes.get(workload.fileloc)
        if zygote is not None and zygote.mtime != mtime:
            retire(zygote)
            zygote = None
        for _attempt in range(2):
            if zygote is None:
                zygote = take_spare()
                assign(zygote, config, workload.fileloc, mtime)
                zygotes[workload.fileloc] = zygote
                by_fd[zygote.out.fd] = zygote
                selector.register(zygote.out.fd, selectors.EVENT_READ, None)
            if write_line(zygote.cmd_w, message):
                zygote.outstanding[workload.key] = workload
                return
            retire(zygote)
            zygote = None
        # Claimed but never started: the scheduler fails or retries it (a used try).
        forward(TaskOutcome(workload.key, "exited", None, "could not start a runner"))

    while True:
        ended: list[tuple[TaskOutcome, TryResult | None, int | None]] = []
        pids: list[tuple[TaskKey, int]] = []
        closing: list[_Zygote] = []
        if time.monotonic() >= next_heartbeat:
            heartbeat()
        for key, _ in selector.select(max(next_heartbeat - time.monotonic(), 0)):
            fd = key.fd
            if fd == cmd_r:
                workloads = [Workload.from_json(line) for line in commands.read_lines()]
                if workloads:
                    claim(workloads)
                if commands.eof:
                    # The scheduler is gone: start nothing more, but stay until the tries
                    # already running have ended and their results are recorded.
                    selector.unregister(cmd_r)
                    for zygote in list(by_fd.values()):
                        retire(zygote)
                continue
            zygote = by_fd.get(fd)
            if zygote is None:
                continue
            for line in zygote.out.read_lines():
                report = json.loads(line)
                if "started" in report:
                    pids.append((TaskKey(*report["started"]), report["pid"]))
                    terminator.pids[pids[-1][0]] = report["pid"]
                    continue
                outcome = TaskOutcome(TaskKey(*report["key"]), report["reason"], report["code"])
                result = None if report["result"] is None else TryResult.from_json(report["result"])
                zygote.outstanding.pop(outcome.key, None)
                terminator.pids.pop(outcome.key, None)
                ended.append((outcome, result, report["pid"]))
            if zygote.out.eof:
                closing.append(zygote)
        record(pids, ended)
        for zygote in closing:
            close_zygote(zygote)
        if commands.eof and not by_fd:
            stop_zygote(spare)
            return


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def try_message(config: Config, workload: Workload, started: StartedTry) -> str:
    """What a zygote is sent to fork a claimed try. Writes the try's first log line, which
    makes the folder the try's process opens its log in."""
    log = log_path(config, *workload.key[:3], started.try_number)
    append_line(log, starting_line(started))
    message = {
        "key": workload.key,
        "timeout": workload.execution_timeout,
        "log": str(log),
        "started": started.to_json(),
    }
    return json.dumps(message, separators=(",", ":"))


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
    assignment = {
        "file": fileloc,
        "config": config.to_json(),
        "niceness": int(config.get("core", "task_niceness")),
    }
    return write_line(zygote.cmd_w, json.dumps(assignment))


def stop_zygote(zygote: _Zygote) -> None:
    """Close its command pipe: it exits once its tries have ended."""
    with contextlib.suppress(OSError):
        os.close(zygote.cmd_w)
    zygote.process.wait()
