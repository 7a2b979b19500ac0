"""SQLite takes one scheduler: a second one refuses to start instead of corrupting work.

Several schedulers share the work safely only where the database has row locks that can
be skipped (``FOR UPDATE SKIP LOCKED``), i.e. PostgreSQL. On a SQLite file the scheduler
holds a POSIX record lock (``lockf``) on ``<database>.scheduler-lock`` while it runs. Such
a lock belongs to the process: the processes it forks do not inherit it, and the kernel
drops it the moment the scheduler dies, however it dies, so a restart is never refused
because of a crash.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from tradewind.db.engine import Database
from tradewind.exceptions import SchedulerAlreadyRunning


def acquire(database: Database) -> int | None:
    """Take the lock (a file descriptor to keep open), or raise if another scheduler has it."""
    if database.sqlite_file is None:
        return None
    path = database.sqlite_file + ".scheduler-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise SchedulerAlreadyRunning(
            f"Another scheduler (pid {holder}) is already running against the SQLite "
            f"database {database.sqlite_file}. SQLite supports one scheduler "
            "at a time; stop that one, or use PostgreSQL to run several."
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
