"""A zygote: the small warm process that forks one process per try of one DAG file.

::

    runner host --claimed tries--> zygote --fork()--> try process
                <--started, ended--         <--result--

The runner host starts zygotes as fresh interpreters (``python -m
tradewind.execution.zygote``), not as forks of itself: the host holds SQLAlchemy and its
caches, some 30 MB that every ``fork()`` would copy the page tables of and every exiting try
would tear down. A zygote sets up the tries' logging and rehearses a try (:func:`rehearsed`)
before it is given a file, so the host keeps one spare ready; given its DAG file it imports
it, primes the tasks (:func:`ready_for_tries`), then forks a try per claimed workload. The
try connects to the database only for XCom; once one has, the zygote sets up the database
code itself, so the tries it forks next find it warm.

It reaps its tries, enforces the hard ``execution_timeout`` deadline by killing the try's
process group, and reports each try's pid when it starts and its result when it ends
(:mod:`~tradewind.execution.zygote_messages`). That neither a warm zygote nor its tries
import SQLAlchemy is checked by ``tests/execution/test_try_without_sqlalchemy.py``.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal.py is built on it; no stub
import contextlib
import gc
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradewind.execution.pipes import LineReader, write_line
from tradewind.execution.try_process import (
    MetadataDatabase,
    StartedTry,
    TryResult,
    kill_own_process_group,
    log_like_a_try,
    rehearse,
    run_claimed,
    send_output_to,
)
from tradewind.execution.workload import TaskKey
from tradewind.execution.zygote_messages import (
    Assignment,
    BadMessage,
    ForkTry,
    TryEnded,
    TryStarted,
    decode,
    encode,
)

if TYPE_CHECKING:
    from tradewind.db.engine import Database

#: Seconds a try may outlive its execution_timeout (its own alarm fires first) before the
#: zygote kills its process group.
KILL_GRACE = 2.0


def freeze_warm_heap() -> None:
    """Call once the process tries are forked from is warm (and again after it imports more).

    Its objects are the state every try shares copy-on-write. Frozen, they are never walked
    by a garbage collection in a try, which would copy every page of the heap (tens of
    milliseconds). Collecting first keeps garbage out of the frozen set.
    """
    warm_type_checks()
    gc.collect()
    gc.freeze()


#: What a try's code most often checks with ``isinstance`` against an ABC (logging does
#: ``isinstance(args[0], Mapping)`` for every line with arguments).
_COMMON_VALUES: tuple[Any, ...] = (None, True, 1, 1.5, "", b"", [], (), {}, set(), frozenset())


def warm_type_checks() -> None:
    """Answer ``isinstance(value, abc)`` once here for common values and every
    ``collections.abc`` class, so a try finds the answer cached.

    An ABC caches each answer per type in the process that asks; a try asking first walks
    the ABC's subclasses, touching (so copying) about a hundred pages of its zygote's heap.
    """
    import abc
    import collections.abc

    for kind in vars(collections.abc).values():
        if isinstance(kind, abc.ABCMeta):
            for value in _COMMON_VALUES:
                isinstance(value, kind)


def rehearsed() -> None:
    """What a zygote does before it knows its file: tries' logging, and a rehearsal that
    specializes the bytecode tries run (``rehearse``)."""
    log_like_a_try()
    with contextlib.suppress(Exception):
        rehearse()


def ready_for_tries(loaded: dict[str, Any]) -> None:
    """The zygote's last step before it forks tries: each loaded task primes itself
    (``BaseOperator.prime``), then the heap is frozen."""
    for dag in loaded.values():
        for task in dag.tasks:
            try:
                task.prime()
            except Exception:
                traceback.print_exc()
    freeze_warm_heap()


@dataclass
class _Try:
    key: TaskKey
    deadline: float | None  # monotonic; past it the zygote kills the try's process group
    result: LineReader
    timed_out: bool = False


def main() -> None:
    """``python -m tradewind.execution.zygote CMD_FD OUT_FD`` (started by the runner host).

    The first message on the command pipe (:class:`Assignment`) names the DAG file and
    carries the host's configuration; the host may start a zygote before it has a file for
    it (a spare), so a new file's first try waits only for the file's import.
    """
    cmd_r, out_w = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the scheduler only
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    code = 0
    try:
        Zygote(cmd_r, out_w).serve()
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Zygote:
    """A zygote's life: warm up, wait for a file, import it, then fork a try per
    :class:`ForkTry` until the host closes the command pipe and the last try has ended."""

    def __init__(self, cmd_r: int, out_w: int) -> None:
        self._cmd_r = cmd_r
        self._out_w = out_w
        self._commands = LineReader(cmd_r)
        self._tries: dict[int, _Try] = {}  # by pid
        self._loaded: dict[str, Any] = {}
        self._config_json = ""
        self._niceness = 0
        self._database: Any = None  # set up (and warmed) once a try of this file used it
        self._wants_database = False
        self._sig_r = self._sig_w = -1

    def serve(self) -> None:
        rehearsed()
        assignment = self._wait_for_assignment()
        if assignment is None:
            return  # a spare the host no longer needs
        self._config_json = assignment.config_json  # the host's configuration, exactly
        self._niceness = assignment.niceness
        self._load(assignment.fileloc)
        self._wake_on_child_exit()
        os.set_blocking(self._cmd_r, False)
        while not (self._commands.eof and not self._tries):
            ready = self._wait()
            self._buffer_results(ready)
            if self._cmd_r in ready and not self._commands.eof:
                self._fork_tries(self._commands.read_lines())
            self._reap()
            self._kill_overdue()

    def _wait_for_assignment(self) -> Assignment | None:
        line = _first_line(self._cmd_r)
        if line is None:
            return None
        message = decode(line)
        if not isinstance(message, Assignment):
            raise BadMessage(f"a zygote's first message must assign it a file, not {message}")
        return message

    def _load(self, fileloc: str) -> None:
        try:
            from tradewind import compat
            from tradewind.authoring.runtime_secrets import install_secrets_access
            from tradewind.config import Config
            from tradewind.dagfiles.discovery import import_folders
            from tradewind.dagfiles.loader import ensure_importable, load_dags_from_file
            from tradewind.dagfiles.parse_secrets import ParseTimeSecrets

            config = Config.from_json(self._config_json)
            compat.install(config)
            ensure_importable(import_folders(config))  # helpers and plugins, as the parser
            # A DAG file may read a variable at its top level; its tries get their own access.
            secrets = ParseTimeSecrets(config)
            install_secrets_access(secrets)
            try:
                self._loaded = {dag.dag_id: dag for dag in load_dags_from_file(fileloc)}
            finally:
                install_secrets_access(None)
                secrets.close()
        except BaseException:
            pass  # each try reports the import error
        ready_for_tries(self._loaded)

    def _wake_on_child_exit(self) -> None:
        """A try's end (SIGCHLD) interrupts the wait: written to a pipe the loop watches."""
        self._sig_r, self._sig_w = os.pipe()
        os.set_blocking(self._sig_r, False)
        os.set_blocking(self._sig_w, False)
        signal.set_wakeup_fd(self._sig_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def _wait(self) -> Iterator[int] | list[int]:
        """Until a command, a try's result or end, or the next try's deadline."""
        now = time.monotonic()
        deadlines = [t.deadline for t in self._tries.values() if t.deadline and not t.timed_out]
        timeout = max(min(deadlines) - now, 0) if deadlines else None
        watched = [self._sig_r, *(t.result.fd for t in self._tries.values())]
        if not self._commands.eof:
            watched.append(self._cmd_r)
        ready = _select(watched, timeout)
        if self._sig_r in ready:
            with contextlib.suppress(OSError):
                os.read(self._sig_r, 4096)
        return ready

    def _buffer_results(self, ready: Iterator[int] | list[int]) -> None:
        """Read finished results now, so no try blocks writing a big one to a full pipe."""
        for entry in self._tries.values():
            if entry.result.fd in ready:
                entry.result.fill()

    def _fork_tries(self, lines: list[bytes]) -> None:
        """Fork a try per line, back to back, then do the bookkeeping for all of them.

        A ``fork()`` makes every page of this process copy-on-write again, so each page
        written between two forks costs a page fault, per fork. Decoding first, and
        registering the tries (and telling the host their pids, in one write) after the
        last fork, pays that for a batch once instead of once per try.
        """
        if lines and self._wants_database and self._database is None:
            self._database = warm_xcom_database(self._config_json)
        messages = [_fork_message(line) for line in lines]
        if not messages:
            return
        database = MetadataDatabase(self._database, self._config_json)
        keep = [self._cmd_r, self._out_w, self._sig_r, self._sig_w, *self._result_fds()]
        forked: list[tuple[ForkTry, int, int]] = []
        for message in messages:
            result_r, result_w = os.pipe()
            close = [*keep, result_r, *(fd for _, _, fd in forked)]
            pid = fork_claimed_try(
                database,
                message.started_json,
                message.log,
                self._loaded,
                self._niceness,
                result_w,
                close,
            )
            os.close(result_w)
            forked.append((message, pid, result_r))
        now = time.monotonic()
        for message, pid, result_r in forked:
            os.set_blocking(result_r, False)
            deadline = None
            if message.timeout is not None:
                deadline = now + message.timeout + KILL_GRACE
            self._tries[pid] = _Try(message.key, deadline, LineReader(result_r))
        write_line(self._out_w, "\n".join(encode(TryStarted(m.key, pid)) for m, pid, _ in forked))

    def _result_fds(self) -> list[int]:
        return [entry.result.fd for entry in self._tries.values()]

    def _reap(self) -> None:
        """Report each try that has ended, with its result if it sent one."""
        while self._tries:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            entry = self._tries.pop(pid, None)
            if entry is None:
                continue
            lines = entry.result.read_lines() + entry.result.rest()
            with contextlib.suppress(OSError):
                os.close(entry.result.fd)
            result = lines[0].decode() if lines else None
            if result is not None and not self._wants_database:
                self._wants_database = _used_database(result)
            ended = TryEnded(
                entry.key,
                "timeout" if entry.timed_out else "exited",
                os.waitstatus_to_exitcode(status),
                result,
                pid,
            )
            write_line(self._out_w, encode(ended))

    def _kill_overdue(self) -> None:
        """The hard ``execution_timeout``: the try's own alarm did not end it in time."""
        now = time.monotonic()
        for pid, entry in self._tries.items():
            if entry.deadline is not None and not entry.timed_out and now >= entry.deadline:
                entry.timed_out = True
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)


def _fork_message(line: bytes) -> ForkTry:
    message = decode(line)
    if not isinstance(message, ForkTry):
        raise BadMessage(f"a zygote forks tries, it was sent {message}")
    return message


def _used_database(result_json: str) -> bool:
    """Whether the try connected to the database (then the zygote warms it for the next)."""
    try:
        return TryResult.from_json(result_json).used_database
    except (ValueError, TypeError, KeyError):
        return False


def fork_claimed_try(
    database: MetadataDatabase,
    started_json: str,
    log: str,
    loaded: dict[str, Any],
    niceness: int,
    result_w: int,
    close: list[int],
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
        _become_try_process(close, niceness)
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


def _become_try_process(close: list[int], niceness: int) -> None:
    os.setsid()  # its own process group: a timeout kills the whole tree
    if niceness > 0:
        # ``[core] task_niceness``: when tasks saturate the CPU, the scheduler, the host and
        # this zygote (which start and record tries) and a local database keep their share.
        with contextlib.suppress(OSError):
            os.nice(niceness)
    signal.set_wakeup_fd(-1)
    # ``_signal.signal``: ``signal.signal`` would also turn the old handler into an enum
    # (failing, so raising and catching, for a Python handler), pages a try need not touch.
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        _signal.signal(sig, _signal.SIG_DFL)
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


def _first_line(fd: int) -> bytes | None:
    """Read one line, blocking, byte by byte (what follows stays in the pipe); ``None``
    if the pipe closes first."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            return None
        line += chunk
    return line.rstrip(b"\n")


def warm_xcom_database(config_json: str) -> Database:
    """The database for the tries' XCom, its statements compiled, kept across fork()."""
    from tradewind.config import Config
    from tradewind.db.engine import Database
    from tradewind.execution.xcoms import pull_xcom

    database = Database.from_config(Config.from_json(config_json))
    with contextlib.suppress(Exception):
        pull_xcom(database, "-", "-", ["-"], "return_value")
        pull_xcom(database, "-", "-", "-", "return_value")
    database.dispose()  # no connection may be shared with the tries
    freeze_warm_heap()
    return database


if __name__ == "__main__":
    main()
