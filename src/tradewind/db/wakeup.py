"""Waking the scheduler: the reason it never polls on a timer for new work.

Whoever commits something the scheduler should act on (a new dag run, an unpaused DAG, a
cleared task, a finished task) calls :func:`notify_scheduler` right after the commit. The
scheduler blocks in ``select()`` on a :class:`WakeupListener` and wakes at once.

Two channels, both best-effort (a lost wake-up only delays work until the scheduler's next
timer, never loses it, because the database is the source of truth):

* a UNIX datagram socket in Linux's abstract namespace, named after the database URL, so
  every process on this machine that uses the same database reaches the schedulers on it.
  No file to clean up, and ``sendto`` on an unbound name fails at once instead of blocking;
* on PostgreSQL also ``NOTIFY tradewind_scheduler``, which reaches schedulers on other
  machines (the scheduler ``LISTEN``s on a dedicated connection).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import selectors
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.outage import first_line

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

PG_CHANNEL = "tradewind_scheduler"
# Several schedulers may share one database; each binds the first free slot.
_SLOTS = 4


def _addresses(database_url: str, config: Config) -> list[str | bytes]:
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:24]
    if sys.platform.startswith("linux"):
        return [f"\0tradewind-wake-{digest}-{i}".encode() for i in range(_SLOTS)]
    folder = Path(config.home) / "run"
    return [str(folder / f"wake-{digest[:12]}-{i}.sock") for i in range(_SLOTS)]


def notify_scheduler(database: Database, config: Config) -> None:
    """Wake every scheduler working on ``database``; never raises, never blocks."""
    try:
        _notify_local(database.url, config)
    except Exception:  # best-effort by contract
        log.debug("local scheduler wake-up failed", exc_info=True)
    if database.dialect == "postgresql":
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": PG_CHANNEL})
                connection.commit()
        except Exception:
            log.debug("NOTIFY %s failed", PG_CHANNEL, exc_info=True)


def _notify_local(database_url: str, config: Config) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        for address in _addresses(database_url, config):
            # Nobody bound (no scheduler) or its buffer is full (already woken): fine.
            with contextlib.suppress(OSError):
                sock.sendto(b"w", address)


class WakeupListener:
    """The scheduler's end: file descriptors to ``select()`` on, and :meth:`drain`."""

    def __init__(self, database: Database, config: Config) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        self._bound_path: str | None = None
        for address in _addresses(database.url, config):
            try:
                if isinstance(address, str):
                    Path(address).parent.mkdir(parents=True, exist_ok=True)
                    with contextlib.suppress(FileNotFoundError):
                        Path(address).unlink()  # a stale socket of a dead scheduler
                    self._bound_path = address
                self._sock.bind(address)
                break
            except OSError:
                continue
        else:
            log.warning("All %d local wake-up slots are taken; relying on timers", _SLOTS)
        self._pg: psycopg.Connection[Any] | None = None
        if database.dialect == "postgresql":
            self._pg = _listen_pg(database)
        self._selector: selectors.BaseSelector | None = None  # set by attach()
        self._data: object = None
        self._pg_fd = -1

    def attach(self, selector: selectors.BaseSelector, data: object) -> None:
        """Register the wake-up descriptors with ``selector``; a LISTEN connection made
        again after a database restart is registered in place of the lost one."""
        self._selector, self._data = selector, data
        selector.register(self._sock.fileno(), selectors.EVENT_READ, data)
        self._register_pg()

    def drain(self) -> None:
        """Consume every pending wake-up so the next ``select()`` blocks again."""
        while True:
            try:
                self._sock.recv(64)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
        if self._pg is not None:
            try:
                for _ in self._pg.notifies(timeout=0):
                    pass
            except Exception as exc:
                # The server restarted or the connection broke: a closed socket would make
                # every select() return at once, so it leaves the selector until replaced.
                reason = first_line(exc)
                log.warning("Lost the LISTEN connection (%s); reconnecting", reason)
                self._drop_pg()

    def reconnect_if_needed(self, database: Database) -> None:
        if database.dialect != "postgresql" or self._pg is not None:
            return
        try:
            self._pg = _listen_pg(database)
        except Exception:
            return  # still down: the scheduler's pass backs off, we try again after it
        log.info("LISTEN %s connection restored", PG_CHANNEL)
        self._register_pg()

    def _register_pg(self) -> None:
        if self._selector is not None and self._pg is not None:
            # A duplicate, kept: a broken connection no longer tells its descriptor, and
            # libpq closes its own when the server goes. A socket closed here but still
            # open in a process forked since (the runner host) would stay in the selector,
            # which could then no longer remove it, and every select() would return at
            # once; this descriptor stays open until it is out of the selector.
            self._pg_fd = os.dup(self._pg.fileno())
            self._selector.register(self._pg_fd, selectors.EVENT_READ, self._data)

    def _drop_pg(self) -> None:
        if self._pg is None:
            return
        if self._pg_fd >= 0:
            if self._selector is not None:
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self._selector.unregister(self._pg_fd)
            with contextlib.suppress(OSError):
                os.close(self._pg_fd)
            self._pg_fd = -1
        with contextlib.suppress(Exception):
            self._pg.close()
        self._pg = None

    def close(self) -> None:
        self._sock.close()
        if self._bound_path:
            with contextlib.suppress(OSError):
                Path(self._bound_path).unlink()
        self._drop_pg()


def _listen_pg(database: Database) -> psycopg.Connection[Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database.url).set(drivername="postgresql")
    connection = psycopg.connect(
        url.render_as_string(hide_password=False),
        autocommit=True,
        connect_timeout=database.connect_timeout,
    )
    connection.execute(f"LISTEN {PG_CHANNEL}")
    return connection
