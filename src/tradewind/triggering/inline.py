"""``tradewind dags test`` runs its run's triggers itself, as Airflow's ``dags test`` does.

A deferred task of the test run resumes without a ``tradewind triggerer`` running: a
:class:`~tradewind.triggering.triggerer.Triggerer` limited to that run's triggers runs in a
thread of the ``dags test`` process for as long as the run. It claims only triggers nobody
else holds and records events like any triggerer (each task resumes once), so a real
triggerer running meanwhile is not disturbed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from types import TracebackType

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.triggering.triggerer import Triggerer, prepare_process

log = logging.getLogger(__name__)

#: A test run's new deferrals start waiting within this many seconds.
PASS_GAP = 0.2


class InlineTriggerer:
    def __init__(self, config: Config, database: Database, dag_id: str, run_id: str) -> None:
        self.config = config
        self.database = database
        self.triggerer = Triggerer(config, database, only_run=(dag_id, run_id))
        self._thread: threading.Thread | None = None

    def __enter__(self) -> InlineTriggerer:
        return self

    def start(self) -> None:
        """Start the thread, once; call it after the executor forked its processes (a
        fork must not copy a running event loop and its connections)."""
        if self._thread is not None:
            return
        prepare_process(self.config, self.database)
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="dags-test-triggerer", daemon=True
        )
        self._thread.start()
        started.wait(30)

    def _run(self, started: threading.Event) -> None:
        try:
            asyncio.run(
                self.triggerer.run(handle_signals=False, longest_gap=PASS_GAP, started=started)
            )
        except Exception:
            log.exception("The dags test triggerer stopped")
        finally:
            started.set()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.triggerer.stop_threadsafe()
        if self._thread is not None:
            self._thread.join(30)
