"""Import DAG files in forked worker processes, so user code can never hurt the caller.

The parent never imports user code. It forks ``[core] parsing_processes`` workers from
itself - already warm with Tradewind's authoring layer imported, so no interpreter start-up
per file - and hands each worker files over a pipe (two in flight, so it never waits for
the parent between files). A worker imports a file, serializes its DAGs and sends back a
:class:`FileParseResult`. A file that raises, calls ``sys.exit`` or fails validation gives
an error result from the worker; a file that hangs past the timeout, calls ``os._exit`` or
crashes the interpreter loses its worker, which the parent records as the file's error
before forking a replacement for the remaining files.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import io
import os
import selectors
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from typing import TYPE_CHECKING, Any

from tradewind import compat
from tradewind.authoring.runtime_secrets import install_secrets_access
from tradewind.config import Config
from tradewind.dagfiles.loader import ensure_importable
from tradewind.dagfiles.parse_secrets import ParseTimeSecrets
from tradewind.dagfiles.planning import PlanContext

if TYPE_CHECKING:
    from tradewind.dagfiles.encoded import EncodedDag


@dataclass
class FileParseResult:
    """What importing one file produced: serialized DAGs, or an error (never both).

    The DAGs are in ``dags`` as dicts, or in ``encoded`` when :func:`parse_files` was asked
    to ``encode`` them (what the sync does).
    """

    fileloc: str
    dags: list[dict[str, Any]] = field(default_factory=list)
    encoded: list[EncodedDag] = field(default_factory=list)
    error: str | None = None
    stacktrace: str = ""
    duration: float = 0.0


def warm_up() -> None:
    """Import what DAG files use before forking, so each worker inherits it for free."""
    import tradewind.authoring.operators
    import tradewind.authoring.taskflow
    import tradewind.dagfiles.serialization
    import tradewind.decorators
    import tradewind.operators.bash
    import tradewind.operators.empty
    import tradewind.operators.python  # noqa: F401


def parse_file(path: str, plan_context: PlanContext | None = None) -> FileParseResult:
    """Import ``path`` here and serialize its DAGs (runs user code: call it in a worker).

    ``plan_context`` is what planning the runs of users' timetables needs.
    """
    from tradewind.dagfiles.loader import load_dag_file, unload
    from tradewind.dagfiles.serialization import serialize_dag

    started = time.perf_counter()
    result = FileParseResult(fileloc=path)
    try:
        with _silenced_output():
            loaded = load_dag_file(path)
            # load_dag_file validated each DAG already; nothing ran in between.
            result.dags = [
                serialize_dag(dag, loaded.warnings, plan_context, validate=False)
                for dag in loaded.dags
            ]
    except SystemExit as exc:
        result.error = f"{path} called sys.exit({exc.code!r}) while being imported"
        result.stacktrace = "".join(traceback.format_exception(exc))
    except BaseException as exc:
        result.error = "".join(traceback.format_exception_only(exc)).strip()
        if path not in result.error:
            result.error = f"{result.error}\n(while importing DAG file {path})"
        result.stacktrace = "".join(traceback.format_exception(exc))
    finally:
        unload(path)
    result.duration = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _silenced_output() -> Iterator[None]:
    """DAG files that print at import time must not write into the caller's terminal."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


# --- the parent side ---------------------------------------------------------------------------


#: Files handed to a worker at once: it imports the first while the next waits in its pipe,
#: so it never sits idle for a round trip through a busy parent.
_IN_FLIGHT = 2


@dataclass
class _Worker:
    pid: int
    conn: Connection
    #: The pipe's file descriptor, which the parent's selector watches.
    fd: int
    #: Files sent and not answered yet, oldest (the one being imported) first.
    queue: deque[str] = field(default_factory=deque)
    #: When the file being imported times out.
    deadline: float = 0.0

    @property
    def path(self) -> str | None:
        """The file the worker is importing, None when idle."""
        return self.queue[0] if self.queue else None


def parse_files(
    paths: Iterable[str],
    *,
    timeout: float,
    processes: int,
    import_paths: Sequence[str] = (),
    config: Config | None = None,
    plan_context: PlanContext | None = None,
    encode: bool = False,
) -> Iterator[FileParseResult]:
    """Parse ``paths`` in forked workers, yielding each file's result as soon as it is ready.

    Results come in completion order. Exactly one result is yielded per path, whatever the
    file does to its worker. ``import_paths`` are put on the workers' ``sys.path`` so DAG
    files can import helper modules kept in the DAG folder; ``config`` decides whether the
    workers (never the caller) serve ``import airflow`` (``[core] airflow_compat``).
    With ``encode`` the workers send :class:`~tradewind.dagfiles.encoded.EncodedDag` s
    (``catchup`` filled in from ``plan_context``) instead of dicts.
    """
    pending = deque(paths)
    if not pending:
        return
    warm_up()
    workers: list[_Worker] = []
    # One selector for the whole run, holding the busy workers' pipes: building one per
    # wait (what ``multiprocessing.connection.wait`` does) was a fifth of the parent's CPU.
    selector = selectors.DefaultSelector()

    def start() -> _Worker:
        worker = _fork_worker(workers, import_paths, config, plan_context, encode)
        workers.append(worker)
        selector.register(worker.fd, selectors.EVENT_READ)
        return worker

    try:
        for _ in range(max(1, min(processes, len(pending)))):
            _assign(start(), pending, timeout)
        while any(worker.path is not None for worker in workers):
            busy = [worker for worker in workers if worker.path is not None]
            wait_for = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = {key.fd for key, _ in selector.select(wait_for)}
            for worker in busy:
                outcome = _collect(worker, ready, timeout)
                if outcome is None:
                    continue
                result, alive = outcome
                yield result
                if not alive:
                    selector.unregister(worker.fd)  # by number: the pipe is closed
                    workers.remove(worker)
                    # The files queued behind the one that took the worker down start over.
                    worker.queue.popleft()
                    pending.extendleft(reversed(worker.queue))
                    worker.queue.clear()
                    if not pending:
                        continue
                    worker = start()
                _assign(worker, pending, timeout)
                if worker.path is None:  # idle until the end: stop watching its pipe
                    selector.unregister(worker.fd)
    finally:
        selector.close()
        for worker in workers:
            _stop(worker)


def _collect(
    worker: _Worker, ready: set[int], timeout: float
) -> tuple[FileParseResult, bool] | None:
    """The worker's result if it has one: (result, whether the worker is still usable)."""
    path = worker.path
    assert path is not None
    # At the deadline, poll() also catches a result that arrived after the wait returned,
    # so a file that finished in time is never reported as timed out. (Before it, a result
    # the wait missed is seen by the next wait.)
    timed_out = time.monotonic() >= worker.deadline
    if worker.fd in ready or (timed_out and worker.conn.poll()):
        try:
            result: FileParseResult = worker.conn.recv()
        except (EOFError, OSError):
            return _died(worker, path), False
        worker.queue.popleft()
        worker.deadline = time.monotonic() + timeout  # the next file starts about now
        return result, True
    if timed_out:
        _kill(worker)
        return FileParseResult(
            fileloc=path, error=f"Timed out after {timeout:g} s importing {path}", duration=timeout
        ), False
    return None


def _died(worker: _Worker, path: str) -> FileParseResult:
    status = _reap(worker)
    if status is not None and os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal.Signals(number).name if number in signal.valid_signals() else number
        how = f"was killed by signal {name}"
    elif status is not None and os.WIFEXITED(status):
        how = f"exited with code {os.WEXITSTATUS(status)}"
    else:
        how = "exited"
    return FileParseResult(
        fileloc=path,
        error=f"The process importing {path} {how} (the file ended the interpreter, "
        f"e.g. os._exit() or a crash in an extension module)",
    )


def _assign(worker: _Worker, pending: deque[str], timeout: float) -> None:
    """Top the worker's queue up to :data:`_IN_FLIGHT` files."""
    while pending and len(worker.queue) < _IN_FLIGHT:
        if not worker.queue:
            worker.deadline = time.monotonic() + timeout
        path = pending.popleft()
        worker.queue.append(path)
        worker.conn.send(path)


def _fork_worker(
    existing: list[_Worker],
    import_paths: Sequence[str],
    config: Config | None,
    plan_context: PlanContext | None,
    encode: bool,
) -> _Worker:
    parent_end, child_end = Pipe(duplex=True)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the worker
        status = 0
        try:
            # Everything inherited from the parent stays alive: the collector need never
            # scan it again (saving the worker's CPU, and its pages from being copied).
            gc.freeze()
            parent_end.close()
            for other in existing:
                other.conn.close()
            ensure_importable(import_paths)
            if config is not None:
                compat.install(config)
                install_secrets_access(ParseTimeSecrets(config))
            _worker_loop(child_end, plan_context, encode)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    child_end.close()
    return _Worker(pid=pid, conn=parent_end, fd=parent_end.fileno())


def _worker_loop(conn: Connection, plan_context: PlanContext | None, encode: bool) -> None:
    # Undo whatever the forking process (a scheduler, a CLI) set up for itself.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    # A crash of user code is reported by the parent; the parent's fault handler (pytest
    # enables one) would otherwise dump the worker's stack into the caller's stderr.
    faulthandler.disable()
    # Subprocesses a DAG file starts at import time must not write into the terminal either.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        result = parse_file(path, plan_context)
        if encode:
            _encode(result, plan_context or PlanContext())
        try:
            conn.send(result)
        except Exception as exc:  # e.g. a value in the serialized DAG that cannot be pickled
            conn.send(FileParseResult(fileloc=path, error=f"cannot send the parse result: {exc}"))


def _encode(result: FileParseResult, plan_context: PlanContext) -> None:
    """Swap the result's dicts for their encoded form; a DAG that cannot be encoded as
    JSON fails its file (it could not have been stored)."""
    from tradewind.dagfiles.encoded import encode_dag

    try:
        result.encoded = [encode_dag(dag, plan_context.catchup_default) for dag in result.dags]
    except (TypeError, ValueError) as exc:
        result.error = f"cannot store the DAGs of {result.fileloc} as JSON: {exc}"
    result.dags = []


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(worker.pid, signal.SIGKILL)
    _reap(worker)


def _reap(worker: _Worker) -> int | None:
    worker.conn.close()
    try:
        _, status = os.waitpid(worker.pid, 0)
    except ChildProcessError:
        return None
    return status


def _stop(worker: _Worker) -> None:
    """Ask an idle worker to exit; kill it if it is busy or does not go within a second."""
    if worker.conn.closed:
        return
    if worker.path is None:
        with contextlib.suppress(OSError):
            worker.conn.send(None)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(worker.pid, os.WNOHANG)
            except ChildProcessError:  # already reaped (e.g. SIGCHLD is ignored)
                pid = worker.pid
            if pid:
                worker.conn.close()
                return
            time.sleep(0.005)
    _kill(worker)
