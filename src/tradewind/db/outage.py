"""Telling a database outage apart from a bug.

A restarted PostgreSQL, a dropped connection, a full connection pool or a SQLite file that
became read-only are conditions of the environment: they pass, and whoever hit one should
say so plainly and try again later (the API answers 503, the scheduler backs off) rather
than report an internal error with a traceback.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

_OUTAGE_ERRORS = (
    sa_exc.OperationalError,  # refused, reset, shut down, read-only, locked, disk I/O
    sa_exc.InterfaceError,  # the connection was already closed under us
    sa_exc.DisconnectionError,  # the pool's pre-ping could not get a live connection
    sa_exc.TimeoutError,  # no pooled connection became free in time
)


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
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return _first_line(exc)
    if not isinstance(exc, _OUTAGE_ERRORS):
        return None
    reason = _first_line(exc)
    if isinstance(getattr(exc, "orig", None), sqlite3.Error):
        return reason if any(text in reason.lower() for text in _SQLITE_OUTAGES) else None
    return reason


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
