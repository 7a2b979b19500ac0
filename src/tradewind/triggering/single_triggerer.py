"""SQLite takes one triggerer: a second one refuses to start.

Claims are conditional updates, so two triggerers on SQLite would not run a trigger twice,
but SQLite's single writer makes a second one pointless and its passes slow the first. As
with the scheduler, the ``triggerer`` lock of :mod:`tradewind.db.sqlite_lock` is held while
it runs.
"""

from __future__ import annotations

from tradewind.db import sqlite_lock
from tradewind.db.engine import Database
from tradewind.db.sqlite_lock import release
from tradewind.exceptions import TradewindException

__all__ = ["TriggererAlreadyRunning", "acquire", "release"]


class TriggererAlreadyRunning(TradewindException):
    """Another triggerer holds this SQLite database."""


def acquire(database: Database) -> int | None:
    try:
        return sqlite_lock.acquire(database, "triggerer")
    except sqlite_lock.LockHeld as held:
        raise TriggererAlreadyRunning(
            f"Another triggerer (pid {held.holder}) is already running against the SQLite "
            f"database {database.sqlite_file}. SQLite supports one triggerer; use PostgreSQL "
            "to run several."
        ) from None
