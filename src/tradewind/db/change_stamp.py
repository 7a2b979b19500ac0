"""A cheap proof that a SQLite database has not changed, for caching derived values.

``PRAGMA data_version`` changes whenever another connection commits; SQLite's
``total_changes()`` whenever this connection writes. Together they tell, in two
microsecond-cheap statements, whether anything a cached value was computed from may have
changed. PostgreSQL has no such stamp: there every lookup misses and the value is
computed again (correct, only slower).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")

_CACHE_KEY = "tradewind_change_stamp_cache"
_MAX_ENTRIES = 256


def change_stamp(connection: Connection) -> tuple[int, int] | None:
    """(data_version, total_changes) of this SQLite connection; None elsewhere."""
    if connection.dialect.name != "sqlite":
        return None
    raw: Any = connection.connection.dbapi_connection
    version = raw.execute("PRAGMA data_version").fetchone()[0]
    return version, raw.total_changes


def cached(connection: Connection, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, reused on this connection while the database is unchanged.

    The cache lives on the pooled DBAPI connection (``connection.info``), since
    ``data_version`` is per connection.
    """
    stamp = change_stamp(connection)
    if stamp is None:
        return compute()
    cache: dict[Hashable, tuple[tuple[int, int], Any]] = connection.info.setdefault(_CACHE_KEY, {})
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        value: T = hit[1]
        return value
    value = compute()
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    cache[key] = (stamp, value)  # the stamp from before: a commit since then misses next time
    return value
