"""One process of a kind per SQLite database: a ``lockf`` lock on a file beside it.

A POSIX record lock belongs to the process: the processes it forks do not inherit it, and
the kernel drops it the moment the holder dies, however it dies, so a restart is never
refused because of a crash. The file holds the holder's pid for the refusal message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from tradewind.db.engine import Database


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is its pid as it wrote it."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def acquire(database: Database, kind: str) -> int | None:
    """Lock ``<database>.<kind>-lock`` (a descriptor to keep open; None off SQLite), or
    raise :class:`LockHeld`."""
    if database.sqlite_file is None:
        return None
    path = f"{database.sqlite_file}.{kind}-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise LockHeld(holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
