"""SQLite takes one triggerer: a second one refuses to start.

Claims are conditional updates, so two triggerers on SQLite would not run a trigger twice,
but SQLite's single writer makes a second one pointless and its passes slow the first. As
with the scheduler, a ``lockf`` lock on ``<database>.triggerer-lock`` is held while it runs;
the kernel drops it when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from tradewind.db.engine import Database
from tradewind.exceptions import TradewindException


class TriggererAlreadyRunning(TradewindException):
    """Another triggerer holds this SQLite database."""


def acquire(database: Database) -> int | None:
    if database.sqlite_file is None:
        return None
    path = database.sqlite_file + ".triggerer-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise TriggererAlreadyRunning(
            f"Another triggerer (pid {holder}) is already running against the SQLite database "
            f"{database.sqlite_file}. SQLite supports one triggerer; use PostgreSQL to run "
            "several."
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
