"""Telling a database outage apart from a bug, and saying what it is in one line.

A restarted or failed-over PostgreSQL, a dropped connection, a full connection pool, a lock
lost or SQLite's "database is locked" or read-only file are conditions of the environment:
they pass, and whoever hit one should say so plainly and try again later (the API answers
503, the scheduler backs off, the runner host keeps what it must record) rather than report
an internal error with a traceback. A constraint violation or a bad statement does not pass,
and retrying it would fail forever.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

#: SQLite reports bad SQL as OperationalError too; only these messages are the file's state.
_SQLITE_OUTAGES = (
    "readonly database",
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the database being away or busy, so the same work may succeed later."""
    if isinstance(getattr(exc, "orig", None), sqlite3.Error):
        return any(text in first_line(exc).lower() for text in _SQLITE_OUTAGES)
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def outage_reason(exc: BaseException) -> str | None:
    """One line saying why the database is unavailable, or None if ``exc`` is no outage."""
    return first_line(exc) if is_transient(exc) else None


def database_unavailable(reason: str) -> str:
    """The message an API client gets with a 503 while the database is away."""
    return f"The metadata database is unavailable ({reason}); try again shortly"


def first_line(exc: BaseException) -> str:
    """The first line of what the database driver said (or of ``exc``), else its type."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
