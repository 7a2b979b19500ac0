"""Which database errors mean "try again later" rather than "this will never work"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the database being away or busy, so the same work may succeed later.

    A restarted or failed-over PostgreSQL, a dropped connection, a lock or deadlock lost,
    SQLite's "database is locked" and a pool with no connection to give all raise
    ``OperationalError``/``InterfaceError`` or invalidate the connection; a constraint
    violation or a bad statement does not, and retrying it would fail forever.
    """
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
