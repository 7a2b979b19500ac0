"""The metadata database: one :class:`Database` per process, sessions from it.

SQLite runs in WAL mode so readers never wait for the writer, and write sessions start
with ``BEGIN IMMEDIATE`` so two writers queue on the lock (``busy_timeout``) instead of
failing half-way with "database is locked". PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from tradewind.config import Config


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, as that is the driver Tradewind ships."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """An engine plus session factories; safe to re-create in a forked child."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        sqlite_busy_timeout: float = 30.0,
        connect_timeout: int = 3,
    ):
        self.url = normalize_url(url)
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._busy_timeout = sqlite_busy_timeout
        self._pid = os.getpid()
        self.engine = self._create_engine()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Read-only work (API GETs) must not take SQLite's write lock: plain deferred BEGIN.
        self._read_sessions = sessionmaker(
            self.engine.execution_options(tradewind_read_only=True), expire_on_commit=False
        )
        # Single-statement reads on the API's hot path skip BEGIN/ROLLBACK altogether.
        self._autocommit_engine = (
            self.engine.execution_options(tradewind_autocommit=True)
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @classmethod
    def from_config(cls, config: Config) -> Database:
        return cls(
            config.sql_alchemy_conn,
            pool_size=config.get("database", "sql_alchemy_pool_size"),
            sqlite_busy_timeout=config.get("database", "sqlite_busy_timeout"),
            connect_timeout=config.get("database", "sql_alchemy_connect_timeout"),
        )

    @property
    def connect_timeout(self) -> int:
        """Seconds a PostgreSQL connection attempt may take (also for raw connections)."""
        return self._connect_timeout

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _create_engine(self) -> Engine:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                _create_private_file(url.database)
            engine = create_engine(
                url,
                poolclass=NullPool if url.database in (None, "", ":memory:") else None,
                connect_args={"timeout": self._busy_timeout, "check_same_thread": False},
            )
            _configure_sqlite(engine, self._busy_timeout)
            return engine
        # An outage must fail fast: pre-ping replaces connections a restart killed, and
        # neither connecting nor waiting for a pooled connection may hang a request.
        return create_engine(
            url,
            pool_size=self._pool_size,
            max_overflow=10,
            pool_pre_ping=True,
            pool_timeout=self._connect_timeout,
            connect_args={"connect_timeout": self._connect_timeout},
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        self._reset_after_fork()
        with self._write_turn(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        """On a SQLite file, queue writers on an ``flock`` before ``BEGIN IMMEDIATE``.

        SQLite's own busy handler makes a waiting writer *sleep* (up to 100 ms a time), so
        with dozens of task processes writing at once most of the time goes to sleeping.
        A kernel file lock wakes the next writer the moment the previous one is done.
        Re-entrant within a process (a nested session does not wait for itself).
        """
        path = self._lock_path()
        if path is None:
            yield
            return
        with _WRITE_LOCKS.setdefault(path, _FileTurn(path)):
            yield

    @property
    def sqlite_file(self) -> str | None:
        """The absolute path of the SQLite database file; ``None`` for anything else."""
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        if not database or database == ":memory:":
            return None
        return os.path.abspath(database)

    def _lock_path(self) -> str | None:
        return None if self.sqlite_file is None else self.sqlite_file + ".writelock"

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction for reads only: on SQLite it never waits for (or blocks) writers."""
        self._reset_after_fork()
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection in autocommit mode: each statement is its own snapshot.

        For hot read paths that need one statement (or do not mind statements seeing
        different commits); it saves a BEGIN/ROLLBACK round trip per request.
        """
        self._reset_after_fork()
        with self._autocommit_engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()

    def _reset_after_fork(self) -> None:
        # Connections must never be shared across fork(): a child gets a fresh pool.
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            if _pool_holds_connections(self.engine):
                self.engine.dispose(close=False)


def _create_private_file(path: str) -> None:
    """Create a missing SQLite file readable by its owner only: it holds password hashes.

    SQLite gives the -wal and -shm files it makes later the main file's permissions.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def plain_rows(session: Any, query: Any) -> list[Any]:
    """Rows of a column query through the session's connection, skipping ORM row loading.

    For hot queries of plain columns (the scheduler's), where ORM loading costs as much as
    the query itself; the session's transaction is still the one used.
    """
    return list(session.connection().execute(query).all())


def _pool_holds_connections(engine: Engine) -> bool:
    """False for an empty pool (a warmed-up parent disposes its own before forking tries).

    Replacing an empty pool would buy nothing, and in a freshly forked try it costs a
    millisecond of copy-on-write page faults.
    """
    pool = engine.pool
    checked_in = getattr(pool, "checkedin", None)
    checked_out = getattr(pool, "checkedout", None)
    if checked_in is None or checked_out is None:
        return True  # a pool that cannot tell (NullPool...): replace it to be safe
    return bool(checked_in() or checked_out())


class _FileTurn:
    """A process-wide re-entrant lock backed by ``flock`` on a file (one per database)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.RLock()
        self._depth = 0
        self._fd = -1
        self._pid = -1

    def __enter__(self) -> None:
        self._local.acquire()
        if self._pid != os.getpid():  # a forked child must not share its parent's lock
            self._depth, self._fd, self._pid = 0, -1, os.getpid()
        if self._depth == 0:
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except OSError:
                self._fd = -1  # no lock file possible: fall back to SQLite's own waiting
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd >= 0:
            os.close(self._fd)  # closing releases the flock
            self._fd = -1
        self._local.release()


_WRITE_LOCKS: dict[str, _FileTurn] = {}


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front; upgrading a read lock later can deadlock in WAL.
        # Read-only sessions (Database.read_session) start a deferred transaction instead,
        # autocommit connections (Database.read_connection) none at all.
        options = connection.get_execution_options()
        if options.get("tradewind_autocommit"):
            return
        if options.get("tradewind_read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
