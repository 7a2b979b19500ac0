"""Bring the database in line with the DAG folder: parse what changed, write it in one go.

A sync has three steps:

1. *Plan* (two small queries): list the candidate files and compare each with its
   ``dag_file`` row, first by (mtime, size) and, only when those differ, by the SHA-256 of
   its bytes. Files that match are not imported at all; that is what makes re-syncing an
   unchanged folder cheap. (A change in a helper module a DAG file imports is therefore not
   seen; ``tradewind dags reserialize`` re-imports everything.)
2. *Parse* the new and changed files in forked workers (:mod:`tradewind.dagfiles.processor`);
   no transaction is open meanwhile.
3. *Write* every change in one transaction with bulk statements: ``dag``, ``serialized_dag``,
   ``dag_file`` and ``import_error`` rows.

Rules (Airflow's): a new DAG starts paused per ``is_paused_upon_creation`` or
``[core] dags_are_paused_at_creation``; an existing one keeps its paused flag; a DAG that
does not set ``catchup`` is stored with ``[scheduler] catchup_by_default`` (taken at parse
time, as Airflow does: a changed setting reaches a DAG when its file is parsed again, e.g.
by ``tradewind dags reserialize``); a DAG whose file disappeared or no longer defines it
becomes inactive (and active again when it returns); a file that fails to import gets an
import error but its previously parsed DAGs stay as they were; a dag_id already defined by
another file is an import error on the newcomer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from tradewind.authoring.schedules import DataInterval
from tradewind.authoring.timezone import utcnow
from tradewind.config import Config
from tradewind.dagfiles import parse_metrics
from tradewind.dagfiles.dataset_references import write_references
from tradewind.dagfiles.discovery import (
    FileStamp,
    import_folders,
    looks_like_dag_file,
    stat_dag_file_candidates,
)
from tradewind.dagfiles.encoded import EncodedDag, write_serialized
from tradewind.dagfiles.planning import PlanContext
from tradewind.dagfiles.processor import FileParseResult, parse_files
from tradewind.db.engine import Database
from tradewind.db.models import (
    DagFile,
    DagModel,
    DagRun,
    ImportErrorModel,
    RunType,
    SerializedDagModel,
)

#: Arbitrary constant naming the PostgreSQL advisory lock that serializes concurrent syncs.
_SYNC_LOCK_KEY = 0x7457_DA65


@dataclass
class SyncReport:
    """What one sync did; the CLI prints parts of it, tests and benchmarks read it."""

    files_seen: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    dags_added: list[str] = field(default_factory=list)
    dags_updated: list[str] = field(default_factory=list)
    dags_deactivated: list[str] = field(default_factory=list)
    #: Import errors recorded by this sync, by file (errors of unchanged files are kept
    #: in the database but not repeated here).
    import_errors: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0


@dataclass
class _Snapshot:
    """A changed file as read for this sync: what its ``dag_file`` row will hold."""

    mtime: float
    size: int
    content_hash: str
    source: str


@dataclass
class _Plan:
    seen: set[FileStamp]
    #: Candidates that turned out unreadable or not DAG files.
    discarded: set[str]
    to_parse: dict[str, _Snapshot]
    touched: list[dict[str, Any]]  # content unchanged, only mtime/size moved
    removed: set[str]

    @property
    def files_seen(self) -> int:
        return len(self.seen) - len(self.discarded)

    @cached_property
    def present(self) -> set[str]:
        """The DAG files in the folder; built only for a sync that writes."""
        return {path for path, _, _ in self.seen} - self.discarded


def sync_dag_folder(
    config: Config,
    database: Database,
    *,
    force: bool = False,
    now: datetime | None = None,
    refresh: Collection[str] = (),
) -> SyncReport:
    """Parse new and changed DAG files and record the result; ``force`` re-imports all.

    ``refresh`` names files to re-import even if unchanged: the scheduler asks for those
    whose users' timetables are running out of planned runs. Safe to call often: when
    nothing changed it runs one query and imports nothing.
    """
    started = time.perf_counter()
    plan = _plan(
        stat_dag_file_candidates(config),
        _stored_stamps(database),
        lambda paths: _stored_hashes(database, paths),
        force=force,
        airflow_compat=bool(config.get("core", "airflow_compat")),
        refresh=frozenset(refresh),
    )
    report = SyncReport(
        files_seen=plan.files_seen,
        files_parsed=len(plan.to_parse),
        files_unchanged=plan.files_seen - len(plan.to_parse),
        files_removed=len(plan.removed),
    )
    if plan.to_parse or plan.touched or plan.removed:
        with database.read_session() as session:
            plan_context = _plan_context(session, config, plan, now or utcnow())
        results = parse_files(
            sorted(plan.to_parse),
            timeout=config.get("core", "dagbag_import_timeout"),
            processes=config.get("core", "parsing_processes"),
            import_paths=[str(folder) for folder in import_folders(config)],
            config=config,
            plan_context=plan_context,
            encode=True,
        )
        # Collect every result before opening the write transaction, so the database
        # lock is held only for the writes.
        writer = _Writer(config, plan, list(results), now or utcnow(), report, force=force)
        with database.session() as session:
            writer.write(session)
        parse_metrics.files_parsed((r.fileloc, r.duration) for r in writer.results)
    report.duration = time.perf_counter() - started
    parse_metrics.folder_synced(report.duration)
    return report


_STAMPS_QUERY = f"SELECT fileloc, mtime, size FROM {DagFile.__tablename__}"


def _stored_stamps(database: Database) -> set[FileStamp]:
    """(fileloc, mtime, size) of every ``dag_file`` row, as the driver's plain tuples.

    The driver's cursor, not a SQLAlchemy result: at 10,000 rows, building ``Row`` objects
    and then tuples from them cost a fifth of an unchanged re-sync.
    """
    with database.read_connection() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_STAMPS_QUERY)
            return set(cursor.fetchall())
        finally:
            cursor.close()


#: Beyond this many files, read every ``dag_file`` row and keep theirs, rather than list
#: the paths in the query: at 10,000 files (a first sync) one bound parameter per path cost
#: the parent more than reading the table.
_MAX_LISTED_PATHS = 500


def _file_rows(session: Session, columns: list[Any], paths: Collection[str]) -> list[Any]:
    """The ``columns`` (``fileloc`` first) of the ``dag_file`` rows of ``paths``."""
    query = select(*columns)
    if len(paths) <= _MAX_LISTED_PATHS:
        return list(session.execute(query.where(columns[0].in_(sorted(paths)))))
    return [row for row in session.execute(query) if row[0] in paths]


def _stored_hashes(database: Database, paths: set[str]) -> tuple[dict[str, str], set[str]]:
    """The content hash of each of ``paths`` that has a ``dag_file`` row, and the files
    with an import error."""
    files = _table(DagFile).c
    with database.read_session() as session:
        hashes = dict(_file_rows(session, [files.fileloc, files.content_hash], paths))
        failed = set(session.scalars(select(ImportErrorModel.filename).distinct()))
    return hashes, failed


def _plan(
    seen: set[FileStamp],
    known: set[FileStamp],
    stored_hashes: Callable[[set[str]], tuple[dict[str, str], set[str]]],
    *,
    force: bool,
    airflow_compat: bool,
    refresh: frozenset[str] = frozenset(),
) -> _Plan:
    """Sort files into unchanged, touched (same bytes, new mtime) and to be parsed.

    Files are compared with their rows by (path, mtime, size) stamps, as sets: an
    unchanged folder costs no Python work per file, and only files that differ are read.
    ``stored_hashes`` gives the last parsed content hash of the files whose stamp moved,
    and the files whose last import failed: those are parsed again whenever their mtime
    changes, even with the same bytes, since the cause may have been a helper module or a
    timeout, and touching the file is the natural way to ask for a retry.
    """
    if force:
        changed = seen
    else:
        changed = seen - known  # new, changed or touched files, and .py files that are no DAGs
        if refresh:
            changed |= {stamp for stamp in seen if stamp[0] in refresh}
    gone = known - seen  # the former stamps of changed and removed files
    removed: set[str] = set()
    moved: set[str] = set()  # files with a row whose stamp changed
    if gone:
        seen_paths = {path for path, _, _ in seen}
        for path, _, _ in gone:
            (moved if path in seen_paths else removed).add(path)
    hashes, failed = stored_hashes(moved) if moved else ({}, set())
    discarded: set[str] = set()
    to_parse: dict[str, _Snapshot] = {}
    touched: list[dict[str, Any]] = []
    for path, mtime, size in changed:
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError:
            content = None
        if content is None or not looks_like_dag_file(content, airflow_compat=airflow_compat):
            discarded.add(path)
            if path in moved or (path, mtime, size) in known:  # a DAG file no longer
                removed.add(path)
            continue
        digest = hashlib.sha256(content).hexdigest()
        again = force or path in refresh
        if not again and hashes.get(path) == digest and path not in failed:
            touched.append({"fileloc": path, "mtime": mtime, "size": size})
            continue
        source = content.decode("utf-8", errors="replace")
        to_parse[path] = _Snapshot(mtime, size, digest, source)
    return _Plan(seen, discarded, to_parse, touched, removed)


def _plan_context(session: Session, config: Config, plan: _Plan, now: datetime) -> PlanContext:
    """The last automated run of each DAG the files to parse defined before (one query):
    users' timetables plan their next runs from there."""
    catchup_default = bool(config.get("scheduler", "catchup_by_default"))
    if not plan.to_parse:
        return PlanContext(now=now, catchup_default=catchup_default)
    dag_ids = {
        dag_id
        for _, ids in _file_rows(session, [DagFile.fileloc, DagFile.dag_ids], plan.to_parse)
        for dag_id in ids or ()
    }
    if not dag_ids:
        return PlanContext(now=now, catchup_default=catchup_default)
    automated = (RunType.SCHEDULED, RunType.BACKFILL)
    latest = (
        select(DagRun.dag_id, func.max(DagRun.execution_date).label("latest"))
        .where(DagRun.dag_id.in_(sorted(dag_ids)), DagRun.run_type.in_(automated))
        .group_by(DagRun.dag_id)
        .subquery()
    )
    rows = session.execute(
        select(DagRun.dag_id, DagRun.data_interval_start, DagRun.data_interval_end, latest.c.latest)
        .join(
            latest,
            (DagRun.dag_id == latest.c.dag_id) & (DagRun.execution_date == latest.c.latest),
        )
        .where(DagRun.run_type.in_(automated))
    ).all()
    last = {
        dag_id: DataInterval(start or logical, end or logical)
        for dag_id, start, end, logical in rows
    }
    return PlanContext(now=now, catchup_default=catchup_default, last_intervals=last)


def _table(model: type[Any]) -> Table:
    """A model's table, for Core statements (the ORM's bulk paths cost more per row)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class _Writer:
    """Turns parse results into bulk statements; one instance per sync."""

    def __init__(
        self,
        config: Config,
        plan: _Plan,
        results: list[FileParseResult],
        now: datetime,
        report: SyncReport,
        *,
        force: bool,
    ) -> None:
        self.paused_by_default: bool = config.get("core", "dags_are_paused_at_creation")
        self.plan = plan
        self.results = sorted(results, key=lambda result: result.fileloc)
        self.now = now
        self.report = report
        self.force = force
        #: Parsed files whose ``dag_file`` row is replaced.
        self.replaced: set[str] = set()

    def write(self, session: Session) -> None:
        if session.get_bind().dialect.name == "postgresql":
            # Two syncs at once (scheduler and CLI) would both insert a new DAG; the second
            # waits here and then sees the first one's rows. SQLite's BEGIN IMMEDIATE already
            # serializes writers.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK_KEY})
        dags = {
            row.dag_id: row
            for row in session.execute(
                select(DagModel.dag_id, DagModel.fileloc, DagModel.is_active)
            )
        }
        hashes: dict[str, str] = {
            dag_id: digest
            for dag_id, digest in session.execute(
                select(SerializedDagModel.dag_id, SerializedDagModel.dag_hash)
            )
        }
        # The files to parse that have a row, and the DAGs it lists.
        previous_ids: dict[str, list[str]] = {}
        if self.plan.to_parse:
            previous_ids = dict(
                _file_rows(session, [DagFile.fileloc, DagFile.dag_ids], self.plan.to_parse)
            )
            self.replaced = set(previous_ids)

        parsed_ok = {result.fileloc for result in self.results if result.error is None}
        # dag_id -> the file that defines it, seeded with DAGs whose file is not re-parsed.
        owners = {
            dag_id: row.fileloc
            for dag_id, row in dags.items()
            if row.is_active and row.fileloc in self.plan.present and row.fileloc not in parsed_ok
        }
        errors: dict[str, tuple[str, str]] = {}
        file_rows: list[dict[str, Any]] = []
        defined: dict[str, EncodedDag] = {}
        for result in self.results:
            kept_ids = self._claim(result, owners, errors, defined)
            if result.error is not None:
                kept_ids = list(previous_ids.get(result.fileloc) or [])
            file_rows.append(self._file_row(result, kept_ids))

        self._write_dags(session, defined, dags, hashes)
        self._deactivate(session, dags, defined, parsed_ok)
        self._write_files(session, file_rows)
        self._write_import_errors(session, errors)
        self.report.import_errors = {path: message for path, (message, _) in errors.items()}

    def _claim(
        self,
        result: FileParseResult,
        owners: dict[str, str],
        errors: dict[str, tuple[str, str]],
        defined: dict[str, EncodedDag],
    ) -> list[str]:
        """Record the file's DAGs unless another file already owns their dag_id."""
        path = result.fileloc
        if result.error is not None:
            errors[path] = (result.error, result.stacktrace)
            return []
        kept: list[str] = []
        clashes: list[str] = []
        for dag in result.encoded:  # ``catchup`` already defaulted by the worker
            dag_id = dag.dag_id
            owner = owners.get(dag_id)
            if owner is not None and owner != path:
                clashes.append(f"DAG id {dag_id!r} is already defined in {owner}")
                continue
            owners[dag_id] = path
            defined[dag_id] = dag
            kept.append(dag_id)
        if clashes:
            errors[path] = ("\n".join(clashes), "")
        return kept

    def _file_row(self, result: FileParseResult, dag_ids: list[str]) -> dict[str, Any]:
        snapshot = self.plan.to_parse[result.fileloc]
        return {
            "fileloc": result.fileloc,
            "mtime": snapshot.mtime,
            "size": snapshot.size,
            "content_hash": snapshot.content_hash,
            "source": snapshot.source,
            "dag_ids": dag_ids,
            "last_parsed": self.now,
            "parse_duration": result.duration,
        }

    def _write_dags(
        self,
        session: Session,
        defined: dict[str, EncodedDag],
        dags: dict[str, Any],
        hashes: dict[str, str],
    ) -> None:
        new_dags, changed_dags = [], []
        new_serialized: list[EncodedDag] = []
        changed_serialized: list[EncodedDag] = []
        for dag_id, dag in defined.items():
            values = {
                "dag_id": dag_id,
                "fileloc": dag.fileloc,
                "is_active": True,
                "schedule": dag.schedule,
                "owners": dag.owners,
                "tags": dag.tags,
                "description": dag.description,
                "max_active_runs": dag.max_active_runs,
                "max_active_tasks": dag.max_active_tasks,
                "last_parsed_time": self.now,
            }
            if dag_id in dags:
                changed_dags.append(values)
                self.report.dags_updated.append(dag_id)
            else:
                paused = dag.is_paused_upon_creation
                values["is_paused"] = self.paused_by_default if paused is None else bool(paused)
                new_dags.append(values)
                self.report.dags_added.append(dag_id)
            if dag_id not in hashes:
                new_serialized.append(dag)
            elif hashes[dag_id] != dag.dag_hash or self.force:
                changed_serialized.append(dag)
        if new_dags:  # Core, not the ORM's bulk insert: a third less of the parent's CPU
            session.execute(insert(_table(DagModel)), new_dags)
        if changed_dags:
            session.execute(update(DagModel), changed_dags)
        write_serialized(session, new_serialized, changed_serialized, self.now)
        write_references(
            session,
            {
                dag.dag_id: dag.data() if dag.refers_to_datasets else {}
                for dag in new_serialized + changed_serialized
            },
            self.now,
        )

    def _deactivate(
        self,
        session: Session,
        dags: dict[str, Any],
        defined: dict[str, EncodedDag],
        parsed_ok: set[str],
    ) -> None:
        """DAGs whose file is gone, or parsed fine without them, are no longer active."""
        gone = sorted(
            dag_id
            for dag_id, row in dags.items()
            if row.is_active
            and dag_id not in defined
            and (row.fileloc in parsed_ok or row.fileloc not in self.plan.present)
        )
        if gone:
            session.execute(
                update(DagModel), [{"dag_id": dag_id, "is_active": False} for dag_id in gone]
            )
        self.report.dags_deactivated = gone

    def _write_files(self, session: Session, file_rows: list[dict[str, Any]]) -> None:
        stale = self.plan.removed | self.replaced  # only rows that exist (none at first)
        if stale:
            session.execute(delete(DagFile).where(DagFile.fileloc.in_(sorted(stale))))
        if file_rows:
            session.execute(insert(_table(DagFile)), file_rows)
        if self.plan.touched:
            session.execute(update(DagFile), self.plan.touched)

    def _write_import_errors(self, session: Session, errors: dict[str, tuple[str, str]]) -> None:
        """Replace the errors of every re-parsed file; drop those of files that are gone."""
        recorded = set(session.scalars(select(ImportErrorModel.filename).distinct()))
        outdated = {
            path for path in recorded if path in self.plan.to_parse or path not in self.plan.present
        }
        if outdated:
            session.execute(
                delete(ImportErrorModel).where(ImportErrorModel.filename.in_(sorted(outdated)))
            )
        if errors:
            session.execute(
                insert(ImportErrorModel),
                [
                    {
                        "filename": path,
                        "timestamp": self.now,
                        "message": message,
                        "stacktrace": stacktrace,
                    }
                    for path, (message, stacktrace) in sorted(errors.items())
                ],
            )
