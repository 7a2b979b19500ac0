"""Telling a database outage apart from a bug, and saying what it is in one line.

A restarted PostgreSQL, a dropped connection, a full connection pool or a SQLite file that
became read-only are conditions of the environment: they pass, and whoever hit one should
say so plainly and try again later (the API answers 503, the scheduler backs off) rather
than report an internal error with a traceback. Which errors may pass is
:func:`tradewind.db.errors.is_transient`; this adds the one-line reason.
"""

from __future__ import annotations

import sqlite3

from tradewind.db.errors import is_transient

#: SQLite reports bad SQL as OperationalError too; only these messages are the file's state.
_SQLITE_OUTAGES = (
    "readonly database",
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


def outage_reason(exc: BaseException) -> str | None:
    """One line saying why the database is unavailable, or None if ``exc`` is no outage."""
    if not is_transient(exc):
        return None
    reason = _first_line(exc)
    if isinstance(getattr(exc, "orig", None), sqlite3.Error):
        return reason if any(text in reason.lower() for text in _SQLITE_OUTAGES) else None
    return reason


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
