"""SQLite takes one scheduler: a second one refuses to start instead of corrupting work.

Several schedulers share the work safely only where the database has row locks that can
be skipped (``FOR UPDATE SKIP LOCKED``), i.e. PostgreSQL. On a SQLite file the scheduler
holds the ``scheduler`` lock of :mod:`tradewind.db.sqlite_lock` while it runs.
"""

from __future__ import annotations

from tradewind.db import sqlite_lock
from tradewind.db.engine import Database
from tradewind.db.sqlite_lock import release
from tradewind.exceptions import SchedulerAlreadyRunning

__all__ = ["acquire", "release"]


def acquire(database: Database) -> int | None:
    """Take the lock (a file descriptor to keep open), or raise if another scheduler has it."""
    try:
        return sqlite_lock.acquire(database, "scheduler")
    except sqlite_lock.LockHeld as held:
        raise SchedulerAlreadyRunning(
            f"Another scheduler (pid {held.holder}) is already running against the SQLite "
            f"database {database.sqlite_file}. SQLite supports one scheduler "
            "at a time; stop that one, or use PostgreSQL to run several."
        ) from None
