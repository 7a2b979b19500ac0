"""The task runner: run one try of one task instance, in the current (child) process.

This is the only place besides the DAG parser that runs user code. It is called in a process
that exists for this one try (forked by an executor, or by ``tradewind tasks run``), so
whatever the task does - raise, ``sys.exit``, segfault - only this process pays.

A try has three parts: *claim* (state checks, ``running``, try number, host, pid), *run*
(the task's code) and *record* (final state, XCom), with a heartbeat kept while it runs. The
guarded claim is what makes a try start once, however often its workload is delivered. The
runner host (LocalExecutor, Celery workers) claims, heartbeats and records for its tries in
batches (:func:`claim_tries`, :func:`heartbeat_tries`, :func:`record_results`), and the
forked process only runs (:func:`run_claimed`). ``tradewind tasks run`` does all of it in
the try's own process (:func:`run_in_child`).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import socket
import sys
import threading
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, delete, or_, select, update

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance, TaskInstanceState, TaskMap, XCom
from tradewind.db.ti_keys import KEYS_PER_STATEMENT, ti_keys_clause
from tradewind.exceptions import (
    DagNotFound,
    DagRunNotFound,
    TaskNotFound,
    TradewindException,
)
from tradewind.execution import try_metrics
from tradewind.execution.cross_dag import record_reschedule
from tradewind.execution.dataset_events import record_events
from tradewind.execution.deferral import defer_task_instance
from tradewind.execution.failure import fail_try
from tradewind.execution.logs import append_line, format_line, log_path
from tradewind.execution.rendered_fields import write_many_rendered_fields
from tradewind.execution.try_history import (
    TryPiece,
    first_starts,
    record_try_pieces,
    try_piece_row,
)
from tradewind.execution.try_process import (
    XCOM_RETURN_KEY,
    MetadataDatabase,
    StartedTry,
    TryResult,
    kill_own_process_group,
    log_like_a_try,
    now_utc,
    run_claimed,
    send_output_to,
    starting_line,
)
from tradewind.execution.workload import Workload
from tradewind.execution.xcoms import record_map_length, write_xcoms

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG

log = logging.getLogger("tradewind.task")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_STARTED = 3  # refused: state changed, already running, dependencies not met

_hostname: str | None = None


def hostname(config: Config) -> str:
    """``[core] hostname`` or the FQDN; cached because ``getfqdn`` may ask DNS."""
    global _hostname
    if _hostname is None:
        _hostname = str(config.get("core", "hostname") or "") or socket.getfqdn()
    return _hostname


class TryRefused(TradewindException):
    """This try may not start (the message says why)."""


class ManualStartRules(Protocol):
    """What ``tasks run`` asks before it starts a try nobody queued.

    The answers come from the DAG's dependencies, which the scheduling layer knows; its
    caller passes them in (``tradewind.scheduling.failed_deps.ManualStart``), as this
    layer may not import that one.
    """

    def new_task_instance(
        self, session: Any, dag_id: str, run_id: str, task_id: str
    ) -> TaskInstance | None:
        """A new task instance for a run that has none for this task yet, added to
        ``session``; ``None`` if the stored DAG has no such task."""
        ...

    def blockers(self, session: Any, ti: TaskInstance) -> list[str]:
        """Why the upstream tasks do not let ``ti`` start yet; empty if they do."""
        ...


# --- start ----------------------------------------------------------------------------------


def start_try(
    database: Database,
    config: Config,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    expected_try: int | None,
    fileloc: str | None = None,
    manual: ManualStartRules | None = None,
    ignore_dependencies: bool = False,
    force: bool = False,
    map_index: int = -1,
) -> StartedTry:
    """Claim the try in one transaction; raise :class:`TryRefused` if it must not run.

    Executors pass ``expected_try``: the TI must still be ``queued`` with the previous try
    number, so a workload queued twice (two schedulers, a restarted scheduler) runs once.
    A manual start (``expected_try`` None) needs the ``manual`` rules.
    """
    now = now_utc()
    with database.session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).one_or_none()
        if run is None:
            raise DagRunNotFound(f"DAG {dag_id!r} has no run {run_id!r}")
        query = select(TaskInstance).where(
            TaskInstance.dag_id == dag_id,
            TaskInstance.run_id == run_id,
            TaskInstance.task_id == task_id,
            TaskInstance.map_index == map_index,
        )
        if not database.is_sqlite:
            query = query.with_for_update()
        ti = session.scalars(query).one_or_none()
        if expected_try is not None:
            _check_queued(ti, expected_try)
        else:
            if manual is None:
                raise ValueError("a try nobody queued needs the rules of a manual start")
            if ti is None and map_index < 0:
                ti = manual.new_task_instance(session, dag_id, run_id, task_id)
            if ti is None:
                mapped = f" with map_index {map_index}" if map_index >= 0 else ""
                raise TaskNotFound(f"task {task_id!r}{mapped} not found in DAG {dag_id!r}")
            _check_manual_start(session, manual, ti, ignore_dependencies, force)
        assert ti is not None
        _mark_running(ti, config, now)
        started = _started(run, ti, fileloc or _fileloc(session, dag_id), now, config)
        if started.next_method is None:
            _delete_xcoms(session, [(dag_id, run_id, task_id, map_index)])
        _note_first_starts(session, [started])
        return started


def claim_tries(
    database: Database, config: Config, workloads: list[Workload]
) -> tuple[list[tuple[Workload, StartedTry]], list[tuple[Workload, str]]]:
    """Claim many queued tries in one transaction: (claimed, refused with the reason).

    The runs and task instances of the whole batch are read in two queries (the task
    instances locked on PostgreSQL), the earlier tries' XComs deleted in one. A refused try
    changes nothing; the others still commit together.
    """
    now = now_utc()
    claimed: list[tuple[Workload, StartedTry]] = []
    refused: list[tuple[Workload, str]] = []
    queued_at: list[tuple[str, str, datetime | None]] = []  # of claimed tries, for metrics
    keys = [(w.dag_id, w.run_id, w.task_id, w.map_index) for w in workloads]
    with database.session() as session:
        runs = _by_key(session, DagRun, {key[:2] for key in keys})
        tis = _instances_by_key(session, keys, lock=not database.is_sqlite)
        for workload, key in zip(workloads, keys, strict=True):
            run = runs.get(key[:2])
            ti = tis.get(key)
            try:
                if run is None:
                    raise DagRunNotFound(f"DAG {workload.dag_id!r} has no run {workload.run_id!r}")
                _check_queued(ti, workload.try_number)
                fileloc = workload.fileloc or _fileloc(session, workload.dag_id)
            except TradewindException as exc:
                refused.append((workload, str(exc)))
                continue
            assert ti is not None
            queued_at.append((ti.dag_id, ti.task_id, ti.queued_dttm))
            _mark_running(ti, config, now)
            claimed.append((workload, _started(run, ti, fileloc, now, config)))
        fresh = [w.key.instance for w, started in claimed if started.next_method is None]
        if fresh:
            # A try resuming from a deferral keeps the XComs it pushed before deferring.
            _delete_xcoms(session, fresh)
        _note_first_starts(session, [started for _, started in claimed])
    try_metrics.tries_started(queued_at, now)
    return claimed, refused


def _check_queued(ti: TaskInstance | None, expected_try: int) -> None:
    """An executor's try starts only from ``queued`` with the previous try number."""
    if ti is None or ti.state != TaskInstanceState.QUEUED:
        state = None if ti is None else ti.state
        raise TryRefused(f"task instance is {state}, not queued: not starting")
    if ti.try_number != expected_try - 1:
        raise TryRefused(f"try {expected_try} was queued but try {ti.try_number} already started")


def _mark_running(ti: TaskInstance, config: Config, now: datetime) -> None:
    ti.try_number += 1
    ti.state = TaskInstanceState.RUNNING
    ti.hostname = hostname(config)
    ti.unixname = _unixname()
    ti.pid = os.getpid()
    ti.start_date = now
    ti.end_date = None
    ti.duration = None
    ti.next_retry_at = None
    ti.last_heartbeat_at = now
    ti.updated_at = now


def _note_first_starts(session: Any, started: list[StartedTry]) -> None:
    """Tell each try resuming from a deferral when it first started (its time limit
    counts from there); a fresh try first started now."""
    resumed = {(_key_of(s), s.try_number): s for s in started if s.next_method is not None}
    for found, first in first_starts(session, list(resumed)).items():
        resumed[found].try_started = first


def _delete_xcoms(session: Any, keys: list[tuple[str, str, str, int]]) -> None:
    """A new try starts from a clean slate: no XCom (nor map length) of an earlier try."""
    for chunk in _chunks(keys, KEYS_PER_STATEMENT):
        session.execute(delete(XCom).where(ti_keys_clause(XCom, chunk)))
        session.execute(delete(TaskMap).where(ti_keys_clause(TaskMap, chunk)))


def _started(
    run: DagRun, ti: TaskInstance, fileloc: str, now: datetime, config: Config
) -> StartedTry:
    """What the try's process needs; takes a deferral's resume point off the TI (a retry
    of this try, or a later clear, starts again from ``execute``)."""
    next_method, next_kwargs = ti.next_method, ti.next_kwargs
    ti.next_method = ti.next_kwargs = None
    ti.trigger_id = ti.trigger_timeout = None
    return StartedTry(
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        task_id=ti.task_id,
        try_number=ti.try_number,
        max_tries=ti.max_tries,
        fileloc=fileloc,
        logical_date=run.execution_date,
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
        conf=dict(run.conf or {}),
        run_type=run.run_type,
        start_date=now,
        hostname=ti.hostname or "",
        conf_overrides_params=config.get("core", "dag_run_conf_overrides_params"),
        next_method=next_method,
        next_kwargs=None if next_kwargs is None else json.loads(next_kwargs),
        map_index=ti.map_index,
        max_map_length=config.get("core", "max_map_length"),
    )


def _unixname() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


def _fileloc(session: Any, dag_id: str) -> str:
    from tradewind.db.models import DagModel

    dag = session.get(DagModel, dag_id)
    if dag is None or not dag.fileloc:
        raise DagNotFound(f"DAG {dag_id!r} not found (is its file in the DAG folder?)")
    return dag.fileloc


def _check_manual_start(
    session: Any, manual: ManualStartRules, ti: TaskInstance, ignore_dependencies: bool, force: bool
) -> None:
    if ti.state == TaskInstanceState.RUNNING:
        raise TryRefused(
            f"task {ti.task_id} of run {ti.run_id} is already running "
            f"(pid {ti.pid} on {ti.hostname})"
        )
    if ti.state in (TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED) and not force:
        raise TryRefused(
            f"task {ti.task_id} of run {ti.run_id} is already {ti.state}; "
            "use --force to run it again"
        )
    if ignore_dependencies:
        return
    reasons = manual.blockers(session, ti)
    if reasons:
        raise TryRefused(
            "dependencies not met: " + "; ".join(reasons) + " (use --ignore-dependencies)"
        )


# --- run ------------------------------------------------------------------------------------


class _Heartbeat(threading.Thread):
    """Updates ``last_heartbeat_at`` so a dead machine's tries can be told from slow ones."""

    def __init__(self, database: Database, started: StartedTry, interval: float) -> None:
        super().__init__(name="tradewind-heartbeat", daemon=True)
        self._database = database
        self._try = started
        self._interval = max(interval, 0.05)
        self._stop_event = threading.Event()

    def run(self) -> None:
        s = self._try
        while not self._stop_event.wait(self._interval):
            try:
                with self._database.session() as session:
                    ti = session.get(TaskInstance, _key_of(s))
                    if ti is None or ti.try_number != s.try_number:
                        return
                    ti.last_heartbeat_at = now_utc()
            except Exception:
                log.warning("heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()


def execute_try(
    database: Database,
    config: Config,
    started: StartedTry,
    *,
    loaded_dags: dict[str, DAG] | None = None,
) -> int:
    """Run the claimed try to its end and record the final state; the exit code to use."""
    log.info("%s (pid %d)", starting_line(started), os.getpid())
    with heartbeating(database, config, started):
        outcome = run_claimed(
            MetadataDatabase(database, config=config), started, loaded_dags=loaded_dags
        )
    final = finish_try(database, started, outcome)
    log.info("Marked %s.%s as %s", started.dag_id, started.task_id, final)
    if outcome.timed_out:
        kill_own_process_group()
    ok = (
        TaskInstanceState.SUCCESS,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UP_FOR_RESCHEDULE,
        TaskInstanceState.DEFERRED,
    )
    return EXIT_OK if final in ok else 1


@contextlib.contextmanager
def heartbeating(database: Database, config: Config, started: StartedTry) -> Iterator[None]:
    """Keep the try's heartbeat fresh while the block runs."""
    heartbeat = _Heartbeat(database, started, float(config.get("scheduler", "job_heartbeat_sec")))
    heartbeat.start()
    try:
        yield
    finally:
        heartbeat.stop()


def finish_try(database: Database, started: StartedTry, outcome: TryResult) -> str:
    """Record how the try ended, unless someone else changed the TI meanwhile."""
    with database.session() as session:
        ti = session.get(TaskInstance, _key_of(started))
        replaced = _Replaced()
        final, recorded = _finish(session, ti, started, outcome, now_utc(), replaced)
        replaced.write(session)
    if not recorded:
        log.warning("Task instance was changed to %s meanwhile; not overwriting", final)
    return final


def record_results(
    database: Database,
    config: Config,
    results: list[tuple[StartedTry, TryResult, int | None]],
    running: list[tuple[StartedTry, int]] | None = None,
) -> list[str]:
    """Record many tries' ends in one transaction (a supervisor's side of a try).

    Each ``(started, result, pid)``: ``pid`` is the try's own process, recorded on the TI,
    as it is for each ``(started, pid)`` of ``running`` (tries that have just started).
    Appends the final state to each try's log, as the try itself would have.
    """
    now = now_utc()
    running = running or []
    keys = [_key_of(started) for started, _ in running] + [_key_of(s) for s, _, _ in results]
    if not keys:
        return []
    with database.session() as session:
        tis = _instances_by_key(session, keys)
        for started, pid in running:
            ti = tis.get(_key_of(started))
            if ti is not None and _is_current(ti, started):
                ti.pid = pid
        replaced = _Replaced()
        ends = [
            _finish(session, tis.get(_key_of(started)), started, outcome, now, replaced, pid=pid)
            for started, outcome, pid in results
        ]
        replaced.write(session)
    try_metrics.tries_ended(results, ends, now)
    for (started, _, _), (final, recorded) in zip(results, ends, strict=True):
        mapped = f"[{started.map_index}]" if started.map_index >= 0 else ""
        name = f"{started.dag_id}.{started.task_id}{mapped}"
        append_line(
            log_path(
                config,
                started.dag_id,
                started.run_id,
                started.task_id,
                started.try_number,
                started.map_index,
            ),
            f"Marked {name} as {final}"
            if recorded
            else f"Task instance was changed to {final} meanwhile; not overwriting",
        )
    return [final for final, _ in ends]


_KEY_NAMES = ("dag_id", "run_id", "task_id")


def _by_key(
    session: Any, model: Any, keys: Iterable[tuple[str, ...]], *, lock: bool = False
) -> dict[tuple[str, ...], Any]:
    """Rows of ``model`` by (dag_id, run_id[, task_id]); ``lock``: FOR UPDATE, in key order."""
    found: dict[tuple[str, ...], Any] = {}
    for chunk in _chunks(sorted(set(keys)), KEYS_PER_STATEMENT):
        names = _KEY_NAMES[: len(chunk[0])]
        query = select(model).where(_matching(model, chunk))
        if lock:
            query = query.order_by(*(getattr(model, name) for name in names)).with_for_update()
        for row in session.scalars(query):
            found[tuple(getattr(row, name) for name in names)] = row
    return found


def _instances_by_key(
    session: Any, keys: Iterable[tuple[str, str, str, int]], *, lock: bool = False
) -> dict[tuple[str, str, str, int], TaskInstance]:
    """Task instances by (dag_id, run_id, task_id, map_index); ``lock``: FOR UPDATE."""
    found: dict[tuple[str, str, str, int], TaskInstance] = {}
    for chunk in _chunks(sorted(set(keys)), KEYS_PER_STATEMENT):
        query = select(TaskInstance).where(ti_keys_clause(TaskInstance, chunk))
        if lock:
            query = query.order_by(
                TaskInstance.dag_id,
                TaskInstance.run_id,
                TaskInstance.task_id,
                TaskInstance.map_index,
            ).with_for_update()
        for ti in session.scalars(query):
            found[ti.dag_id, ti.run_id, ti.task_id, ti.map_index] = ti
    return found


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _matching(
    model: Any, keys: Iterable[tuple[Any, ...]], names: tuple[str, ...] = _KEY_NAMES
) -> Any:
    """Rows whose first ``len(key)`` columns of ``names`` equal one of ``keys``.

    Keys sharing all but their last value are one ``a = ? AND b IN (...)`` term (a run's
    tasks, typically), the terms OR-ed: each is an index look-up, where SQLite answers a
    row-value ``IN`` with a full table scan.
    """
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for key in keys:
        groups[key[:-1]].append(key[-1])

    def term(prefix: tuple[Any, ...], last: list[Any]) -> Any:
        columns = [getattr(model, name) for name in names[: len(prefix) + 1]]
        equal = (column == value for column, value in zip(columns, prefix, strict=False))
        return and_(*equal, columns[-1].in_(last))

    return or_(*(term(prefix, last) for prefix, last in groups.items()))


def heartbeat_tries(database: Database, tries: Iterable[StartedTry]) -> None:
    """Mark these tries alive (a supervisor's heartbeat for the try processes it watches)."""
    by_try: dict[int, list[tuple[str, str, str, int]]] = defaultdict(list)
    for s in tries:
        by_try[s.try_number].append(_key_of(s))
    now = now_utc()
    with database.session() as session:
        for try_number, keys in by_try.items():
            for chunk in _chunks(keys, KEYS_PER_STATEMENT):
                session.execute(
                    update(TaskInstance)
                    .where(ti_keys_clause(TaskInstance, chunk))
                    .where(TaskInstance.try_number == try_number)
                    .where(TaskInstance.state == TaskInstanceState.RUNNING)
                    .values(last_heartbeat_at=now)
                    .execution_options(synchronize_session=False)
                )


#: States that end a try from outside while it runs: marked failed or success by hand,
#: skipped by its run's ``dagrun_timeout``. (A try the zombie check retried is left to end
#: on its own: its end is not recorded over the retry.)
ENDED_FROM_OUTSIDE = frozenset(
    {
        TaskInstanceState.FAILED,
        TaskInstanceState.SUCCESS,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)


def changed_tries(database: Database, tries: Iterable[StartedTry]) -> list[tuple[StartedTry, str]]:
    """Tries whose task instance was ended from outside while they run, each with the
    state it has now: their supervisor stops them."""
    by_key = {_key_of(s): s for s in tries}
    if not by_key:
        return []
    with database.session() as session:
        tis = _instances_by_key(session, by_key)
    changed = []
    for key, started in by_key.items():
        ti = tis.get(key)
        if (
            ti is not None
            and ti.try_number == started.try_number
            and ti.state in ENDED_FROM_OUTSIDE
        ):
            changed.append((started, str(ti.state)))
    return changed


def _key_of(started: StartedTry) -> tuple[str, str, str, int]:
    return (started.dag_id, started.run_id, started.task_id, started.map_index)


def _is_current(ti: TaskInstance | None, started: StartedTry) -> bool:
    """Whether ``ti`` is still running the try ``started`` describes."""
    return (
        ti is not None
        and ti.try_number == started.try_number
        and ti.state == TaskInstanceState.RUNNING
    )


class _Replaced:
    """The rows the tries' ends of one transaction write besides their task instances: each
    try's history piece, and each task instance's rendered fields and return value (which
    replace an earlier try's). Written together at the end (:meth:`write`): one ``INSERT``
    a kind and one ``DELETE`` of the earlier rows for the whole batch, where each try
    cost six statements (each ``DELETE`` flushing the rows added before it)."""

    def __init__(self) -> None:
        self.pieces: list[dict[str, Any]] = []
        self.rendered: dict[tuple[str, str, str, int], dict[str, Any]] = {}
        self.returned: dict[tuple[str, str, str, int], Any] = {}

    def write(self, session: Any) -> None:
        record_try_pieces(session, self.pieces)
        if self.rendered:
            write_many_rendered_fields(session, self.rendered)
        if self.returned:
            write_xcoms(session, XCOM_RETURN_KEY, self.returned)


def _finish(
    session: Any,
    ti: TaskInstance | None,
    started: StartedTry,
    outcome: TryResult,
    now: datetime,
    replaced: _Replaced,
    pid: int | None = None,
) -> tuple[str, bool]:
    """(the TI's state now, whether this try's end was recorded); the rows it replaces are
    left in ``replaced`` for the caller to write."""
    if not _is_current(ti, started):
        return str(None if ti is None else ti.state), False
    assert ti is not None
    if pid is not None:
        ti.pid = pid
    if outcome.rendered_fields is not None:
        replaced.rendered[_key_of(started)] = outcome.rendered_fields
    piece = TryPiece.of(ti, started.try_number, outcome.rendered_fields)
    state, recorded = _apply_outcome(session, ti, started, outcome, now, replaced)
    replaced.pieces.append(try_piece_row(_key_of(started), piece, state, now))
    return state, recorded


def _apply_outcome(
    session: Any,
    ti: TaskInstance,
    started: StartedTry,
    outcome: TryResult,
    now: datetime,
    replaced: _Replaced,
) -> tuple[str, bool]:
    if outcome.state == TaskInstanceState.FAILED:
        return fail_try(ti, outcome.retry, now, allow_retry=outcome.allow_retry), True
    if outcome.state == TaskInstanceState.UP_FOR_RESCHEDULE and outcome.reschedule_at:
        record_reschedule(session, ti, datetime.fromisoformat(outcome.reschedule_at), now)
    if outcome.state == TaskInstanceState.DEFERRED and outcome.deferral is not None:
        defer_task_instance(session, ti, outcome.deferral, now)
        return outcome.state, True
    ti.state = outcome.state
    ti.end_date = now
    ti.duration = max((now - (ti.start_date or now)).total_seconds(), 0.0)
    ti.updated_at = now
    if outcome.state == TaskInstanceState.SUCCESS and outcome.result is not None:
        replaced.returned[_key_of(started)] = outcome.result
        record_map_length(
            session,
            started.dag_id,
            started.run_id,
            started.task_id,
            started.map_index,
            outcome.result,
        )
    if outcome.state == TaskInstanceState.SUCCESS and outcome.dataset_events:
        record_events(
            session,
            outcome.dataset_events,
            now,
            source=(started.dag_id, started.run_id, started.task_id),
            map_index=started.map_index,
        )
    return outcome.state, True


# --- the child's whole life -------------------------------------------------------------------


def redirect_output(path: Path) -> None:
    """Send fds 1 and 2 (the task's prints, subprocesses' output) to the try's log file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    send_output_to(str(path))
    log_like_a_try()


def run_in_child(
    database: Database,
    config: Config,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    expected_try: int | None,
    fileloc: str | None = None,
    loaded_dags: dict[str, DAG] | None = None,
    manual: ManualStartRules | None = None,
    ignore_dependencies: bool = False,
    force: bool = False,
    map_index: int = -1,
) -> int:
    """Everything a try's own process does; returns its exit code (never raises)."""
    from tradewind import compat

    compat.install(config)  # the DAG file may be imported here (``airflow_compat``)
    try:
        started = start_try(
            database,
            config,
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            expected_try=expected_try,
            fileloc=fileloc,
            manual=manual,
            ignore_dependencies=ignore_dependencies,
            force=force,
            map_index=map_index,
        )
    except TradewindException as exc:
        name = f"{task_id}[{map_index}]" if map_index >= 0 else task_id
        sys.stderr.write(f"Not running {dag_id}.{name} ({run_id}): {exc}\n")
        return EXIT_NOT_STARTED
    except Exception:
        sys.stderr.write(traceback.format_exc())
        return EXIT_FAILED
    path = log_path(config, dag_id, run_id, task_id, started.try_number, map_index)
    try:
        redirect_output(path)
    except OSError as exc:
        sys.stderr.write(f"cannot open log file {path}: {exc}\n")
    try:
        code = execute_try(database, config, started, loaded_dags=loaded_dags)
    except Exception:
        # The database went away mid-try: the scheduler will see the process end.
        sys.stderr.write(format_line(traceback.format_exc(), "ERROR"))
        return EXIT_FAILED
    _wake_scheduler(database, config)
    return code


def _wake_scheduler(database: Database, config: Config) -> None:
    from tradewind.db.wakeup import notify_scheduler

    notify_scheduler(database, config)


# --- warming the process tries are forked from ----------------------------------------------


class _Rollback(Exception):
    pass


class _OneSession:
    """Looks like a :class:`Database` whose every ``session()`` is one outer transaction."""

    def __init__(self, database: Database, session: Any) -> None:
        self._database = database
        self._session = session
        self.is_sqlite = database.is_sqlite
        self.dialect = database.dialect

    @contextlib.contextmanager
    def session(self) -> Any:
        yield self._session
        self._session.flush()


WARMUP_ID = "__tradewind_warmup__"


def warm_database(database: Database, config: Config) -> None:
    """Run a whole try's statements once in a rolled-back transaction.

    SQLAlchemy compiles each statement on first use (milliseconds apiece); doing it here,
    before tries are forked, means each forked try inherits the compiled cache and spends
    its time on the task instead.
    """
    now = now_utc()
    try:
        with database.session() as session:
            session.add(
                DagRun(
                    dag_id=WARMUP_ID,
                    run_id=WARMUP_ID,
                    execution_date=now,
                    state="running",
                    run_type="manual",
                    queued_at=now,
                )
            )
            session.add(
                TaskInstance(
                    dag_id=WARMUP_ID,
                    run_id=WARMUP_ID,
                    task_id=WARMUP_ID,
                    state=TaskInstanceState.QUEUED,
                    try_number=0,
                    max_tries=0,
                )
            )
            session.flush()
            fake = _OneSession(database, session)
            started = start_try(
                fake,  # type: ignore[arg-type]
                config,
                dag_id=WARMUP_ID,
                run_id=WARMUP_ID,
                task_id=WARMUP_ID,
                expected_try=1,
                fileloc="-",
            )
            ti = session.get(TaskInstance, (WARMUP_ID, WARMUP_ID, WARMUP_ID, -1))
            assert ti is not None
            ti.last_heartbeat_at = now_utc()
            session.flush()
            outcome = TryResult(TaskInstanceState.SUCCESS, {"warm": True}, rendered_fields={})
            finish_try(fake, started, outcome)  # type: ignore[arg-type]
            raise _Rollback
    except _Rollback:
        pass
    except Exception:
        log.debug("database warm-up failed (harmless)", exc_info=True)
    database.dispose()
