"""Warm processes that fork one process per try, so no try pays interpreter start-up.

::

    scheduler --workloads--> runner host --claimed tries--> zygote (one per DAG file + mtime)
        ^                    |  claims, records |  ^            | fork()
        +------outcomes------+  (batched, DB)   +--results------+--> try process (own session)

The *runner host* is forked once when the executor starts, before the scheduler opens any
database connection, and imports Tradewind's task-running code. It *claims* each batch of
workloads in one transaction (a try that may not start is refused there and never forked),
and *records* how tries ended, again one transaction for all that ended together, before
passing their outcomes to the scheduler. For each DAG file it forks a *zygote* that imports
the file once (kept while the file's mtime is unchanged); each try is a ``fork()`` of that
zygote: isolated (a crash kills one try) yet started in about a millisecond with the DAG
already built. The try runs the task's code and sends back how it ended; it opens a database
connection only for XCom, because a freshly forked process pays for its first database work
in copy-on-write page faults (``benchmarks/try_cost.py``). The zygote reaps its tries,
enforces the hard ``execution_timeout`` deadline by killing the try's process group, and
reports each ended process (with its result, if it sent one). A try that ended without a
result (killed, crashed) goes to the scheduler unrecorded, which fails or retries it. If a
zygote dies, the host reports its unfinished tries. The host heartbeats for all the tries it
supervises, in one statement every ``[scheduler] job_heartbeat_sec``: if the machine (or the
host) is lost, the heartbeats stop and the scheduler fails or retries those tries.

Messages are JSON lines on pipes, each pipe with a single writer.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import selectors
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tradewind.config import Config
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.task_runner import (
    EXIT_NOT_STARTED,
    StartedTry,
    TryResult,
    claim_tries,
    heartbeat_tries,
    log_like_a_try,
    record_results,
    rehearse,
    starting_line,
)
from tradewind.execution.workload import TaskKey, TaskOutcome, Workload

#: Seconds a try may outlive its execution_timeout (its own alarm fires first) before the
#: zygote kills its process group.
KILL_GRACE = 2.0


class LineReader:
    """Splits what arrives on a non-blocking pipe into lines."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""
        self.eof = False

    def read_lines(self) -> list[bytes]:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                break
            if not chunk:
                self.eof = True
                break
            self._buffer += chunk
            if len(chunk) < 65536:
                break
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line for line in lines if line]

    def fill(self) -> None:
        """Read what is there into the buffer (keeps a writer from blocking on a full pipe)."""
        self._buffer += self._read_available()

    def rest(self) -> list[bytes]:
        """After the writer is gone: whatever unterminated text is left."""
        self._buffer += self._read_available()
        rest, self._buffer = self._buffer, b""
        return [rest] if rest.strip() else []

    def _read_available(self) -> bytes:
        data = b""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                return data
            if not chunk:
                self.eof = True
                return data
            data += chunk


def write_line(fd: int, text: str) -> bool:
    """Write one line; False if the reader is gone."""
    data = text.encode() + b"\n"
    try:
        while data:
            written = os.write(fd, data)
            data = data[written:]
        return True
    except BrokenPipeError:
        return False
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return False
        raise


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
    fileloc: str
    mtime: float | None
    pid: int
    cmd_w: int
    out: LineReader
    outstanding: dict[TaskKey, Workload] = field(default_factory=dict)
    retired: bool = False


def lower_priority(config: Config) -> None:
    """Run tries at ``[core] task_niceness``: when tasks saturate the CPU, the scheduler
    (and a database on the same machine) still gets its share, so it keeps starting work.
    """
    niceness = int(config.get("core", "task_niceness"))
    if niceness > 0:
        with contextlib.suppress(OSError):
            os.nice(niceness)


def freeze_warm_heap() -> None:
    """Call once the process tries are forked from is warm (and again after it imports more).

    Its objects are the state every try shares copy-on-write. Frozen, they are never walked
    by a garbage collection in a try, which would copy every page of the heap (tens of
    milliseconds). Collecting first keeps garbage out of the frozen set.
    """
    gc.collect()
    gc.freeze()


def ready_for_tries(database, loaded: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The zygote's last steps before it forks tries: whatever each try would repeat.

    Tries log in their format; each loaded task primes itself (``BaseOperator.prime``); a
    rehearsal specializes the bytecode tries run (``rehearse``); then the heap is frozen.
    """
    log_like_a_try()
    for dag in loaded.values():
        for task in dag.tasks:
            try:
                task.prime()
            except Exception:
                traceback.print_exc()
    with contextlib.suppress(Exception):
        rehearse(database)
    freeze_warm_heap()


def warm_up(config: Config) -> None:
    """Import what every try needs, once, in the process tries are forked from."""
    import sqlalchemy.orm  # noqa: F401

    import tradewind.authoring.context
    import tradewind.authoring.operators.bash
    import tradewind.authoring.operators.python
    import tradewind.dagfiles.loader
    import tradewind.db.models
    import tradewind.execution.task_runner as runner
    import tradewind.scheduling.wakeup  # noqa: F401

    runner.hostname(config)


def warm_database(config: Config):  # type: ignore[no-untyped-def]
    """A Database whose statement cache already holds every statement a try runs."""
    from tradewind.db.engine import Database
    from tradewind.execution.task_runner import warm_database as warm

    database = Database.from_config(config)
    warm(database, config)
    return database


def _host_main(config: Config, cmd_r: int, evt_w: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the scheduler only
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        os.setpgid(0, 0)  # a terminal's Ctrl-C must not reach the tries
    lower_priority(config)
    warm_up(config)
    database = warm_database(config)
    freeze_warm_heap()  # zygotes fork from here, and the host itself collects less
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
        with contextlib.suppress(ChildProcessError):
            os.waitpid(zygote.pid, 0)
        for key in list(zygote.outstanding):
            claimed.pop(key, None)
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

    def dispatch(workload: Workload, started: StartedTry) -> None:
        log = log_path(config, *workload.key[:3], started.try_number)
        append_line(log, starting_line(started))  # also makes the folder the try writes in
        message = json.dumps(
            {
                "key": workload.key,
                "timeout": workload.execution_timeout,
                "log": str(log),
                "started": started.to_json(),
            },
            separators=(",", ":"),
        )
        mtime = _mtime(workload.fileloc)
        zygote = zygotes.get(workload.fileloc)
        if zygote is not None and zygote.mtime != mtime:
            retire(zygote)
            zygote = None
        for _attempt in range(2):
            if zygote is None:
                database.dispose()  # a zygote must not inherit the host's connections
                zygote = _fork_zygote(
                    config, database, workload.fileloc, mtime, [cmd_r, evt_w, *by_fd]
                )
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
                    continue
                outcome = TaskOutcome(TaskKey(*report["key"]), report["reason"], report["code"])
                result = None if report["result"] is None else TryResult.from_json(report["result"])
                zygote.outstanding.pop(outcome.key, None)
                ended.append((outcome, result, report["pid"]))
            if zygote.out.eof:
                closing.append(zygote)
        record(pids, ended)
        for zygote in closing:
            close_zygote(zygote)
        if commands.eof and not by_fd:
            return


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _fork_zygote(  # type: ignore[no-untyped-def]
    config: Config, database, fileloc: str, mtime: float | None, close: list[int]
) -> _Zygote:
    cmd_r, cmd_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for fd in (*close, cmd_w, out_r):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _zygote_main(config, database, fileloc, cmd_r, out_w)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(cmd_r)
    os.close(out_w)
    os.set_blocking(out_r, False)
    return _Zygote(fileloc, mtime, pid, cmd_w, LineReader(out_r))


# --- a zygote -----------------------------------------------------------------------------


@dataclass
class _Try:
    key: list[Any]  # a TaskKey, as JSON has it
    deadline: float | None
    result: LineReader
    timed_out: bool = False


def _zygote_main(config: Config, database, fileloc: str, cmd_r: int, out_w: int) -> None:  # type: ignore[no-untyped-def]
    loaded = {}
    try:
        from tradewind.dagfiles.loader import load_dags_from_file

        loaded = {dag.dag_id: dag for dag in load_dags_from_file(fileloc)}
    except BaseException:
        pass
    ready_for_tries(database, loaded)
    sig_r, sig_w = os.pipe()
    os.set_blocking(sig_r, False)
    os.set_blocking(sig_w, False)
    signal.set_wakeup_fd(sig_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    os.set_blocking(cmd_r, False)
    commands = LineReader(cmd_r)
    tries: dict[int, _Try] = {}

    def reap() -> None:
        while tries:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            entry = tries.pop(pid, None)
            if entry is None:
                continue
            lines = entry.result.read_lines() + entry.result.rest()
            with contextlib.suppress(OSError):
                os.close(entry.result.fd)
            report = {
                "key": entry.key,
                "reason": "timeout" if entry.timed_out else "exited",
                "code": os.waitstatus_to_exitcode(status),
                "result": lines[0].decode() if lines else None,
                "pid": pid,
            }
            write_line(out_w, json.dumps(report, separators=(",", ":")))

    while True:
        now = time.monotonic()
        deadlines = [t.deadline for t in tries.values() if t.deadline and not t.timed_out]
        timeout = max(min(deadlines) - now, 0) if deadlines else None
        watched = [sig_r, *(t.result.fd for t in tries.values())]
        ready = _select([cmd_r, *watched] if not commands.eof else watched, timeout)
        if sig_r in ready:
            with contextlib.suppress(OSError):
                os.read(sig_r, 4096)
        for entry in tries.values():
            if entry.result.fd in ready:
                entry.result.fill()
        if cmd_r in ready and not commands.eof:
            for line in commands.read_lines():
                message = json.loads(line)
                result_r, result_w = os.pipe()
                pid = fork_claimed_try(
                    config,
                    database,
                    message["started"],
                    message["log"],
                    loaded,
                    result_w,
                    [cmd_r, out_w, sig_r, sig_w, result_r, *(t.result.fd for t in tries.values())],
                )
                os.close(result_w)
                os.set_blocking(result_r, False)
                started_report = {"started": message["key"], "pid": pid}
                write_line(out_w, json.dumps(started_report, separators=(",", ":")))
                deadline = None
                if message["timeout"] is not None:
                    deadline = time.monotonic() + message["timeout"] + KILL_GRACE
                tries[pid] = _Try(message["key"], deadline, LineReader(result_r))
        reap()
        now = time.monotonic()
        for pid, entry in tries.items():
            if entry.deadline is not None and not entry.timed_out and now >= entry.deadline:
                entry.timed_out = True
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
        if commands.eof and not tries:
            return


def fork_claimed_try(  # type: ignore[no-untyped-def]
    config: Config, database, started_json: str, log: str, loaded, result_w: int, close: list[int]
) -> int:
    """A try the host has claimed: run the task's code, send back how it ended.

    The try's process records nothing itself (the host does, in batches): it opens a
    database connection only if the task uses XCom.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid != 0:
        return pid
    code = 1
    try:
        _become_try_process(close)
        from tradewind.execution.task_runner import (
            StartedTry,
            kill_own_process_group,
            run_claimed,
            send_output_to,
        )

        with contextlib.suppress(OSError):
            send_output_to(log)  # the host made its folder; the zygote set up logging
        started = StartedTry.from_json(started_json)
        outcome = run_claimed(database, started, loaded_dags=loaded)
        write_line(result_w, outcome.to_json())
        code = 0
        if outcome.timed_out:
            kill_own_process_group()
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _become_try_process(close: list[int]) -> None:
    os.setsid()  # its own process group: a timeout kills the whole tree
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    for fd in close:
        with contextlib.suppress(OSError):
            os.close(fd)


def _select(fds: list[int], timeout: float | None) -> Iterator[int] | list[int]:
    import select

    try:
        ready, _, _ = select.select(fds, [], [], timeout)
    except InterruptedError:
        return []
    return ready
