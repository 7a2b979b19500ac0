"""A triggerer in a thread of another process: ``standalone``'s webserver hosts it.

``tradewind standalone`` runs the triggerer here rather than in a process of its own
(``[triggerer] standalone_in_webserver``): its own process cost about 20 MiB more
(``benchmarks/footprint.py``). The webserver with one worker is the one long-lived
process of ``standalone`` that never calls ``fork()`` once it runs threads (it forks the
scheduler before any; the scheduler forks its runner host, DAG folder syncs and callbacks
all along; forking while another thread holds a lock is how deadlocks start). It does
what ``tradewind triggerer`` does - the same SQLite lock, a database engine of its own,
its own event loop - so ``/health`` reports it and deferred tasks resume as before.

If the triggerer ends without being asked to, ``on_failure`` is called (from its thread):
the host stops, and ``standalone`` then stops everything, as it does when the triggerer's
own process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.observability import metrics
from tradewind.triggering.single_triggerer import acquire, release
from tradewind.triggering.triggerer import Triggerer, prepare_process

log = logging.getLogger(__name__)

#: Seconds :meth:`HostedTriggerer.start` waits for the thread to be running.
START_TIMEOUT = 30.0


class HostedTriggerer:
    def __init__(self, config: Config, on_failure: Callable[[], None]) -> None:
        self.config = config
        self.on_failure = on_failure
        self.failed = False
        self._stop_asked = False
        self._database: Database | None = None
        self._lock: int | None = None
        self._triggerer: Triggerer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Take the triggerer lock and start the thread (raises if another triggerer holds
        this SQLite database)."""
        metrics.configure(self.config)
        database = self._database = Database.from_config(self.config)
        before = list(sys.path)
        prepare_process(self.config, database)
        # The DAG folders go last on sys.path here: users' trigger modules import, but a
        # DAG folder's ``yaml.py`` does not replace the library the webserver imports.
        added = [path for path in sys.path if path not in before]
        sys.path[:] = [path for path in sys.path if path not in added] + added
        self._lock = acquire(database)
        self._triggerer = Triggerer(self.config, database)
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="triggerer", daemon=True
        )
        self._thread.start()
        started.wait(START_TIMEOUT)

    def _run(self, started: threading.Event) -> None:
        assert self._triggerer is not None
        try:
            asyncio.run(self._triggerer.run(handle_signals=False, started=started))
        except BaseException:
            log.exception("The triggerer failed")
        finally:
            started.set()
        if not self._stop_asked:
            self.failed = True
            log.error("The triggerer stopped unexpectedly; stopping its host process")
            self.on_failure()

    def stop(self, timeout: float) -> None:
        """Stop the triggerer (its triggers go back for another to take), wait up to
        ``timeout`` seconds for it, then let go of the lock and the database."""
        self._stop_asked = True
        if self._triggerer is not None:
            with contextlib.suppress(RuntimeError):  # its loop is closed: it ended already
                self._triggerer.stop_threadsafe()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("The triggerer did not stop within %.0f s", timeout)
        release(self._lock)
        self._lock = None
        if self._database is not None:
            with contextlib.suppress(Exception):
                self._database.dispose()
