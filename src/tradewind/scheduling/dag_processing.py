"""Keeping serialized DAGs fresh without ever importing user code in the scheduler.

``sync_dag_folder`` runs at start and every ``[scheduler] min_file_process_interval`` in a
forked child (which itself imports each file in its own child, with a timeout): a DAG file
that hangs or crashes cannot block or kill the scheduler loop. When it is done the child
wakes the scheduler, which then sees new and changed DAGs. A sync the database refused
(restarting, read-only) is tried again after at most ``SYNC_RETRY`` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import traceback

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.outage import outage_reason

log = logging.getLogger(__name__)

#: Seconds before a sync that failed is tried again (at most the usual interval).
SYNC_RETRY = 5.0
#: How a sync child says it ended because the database was unavailable (already logged).
EXIT_DATABASE_UNAVAILABLE = 3


class DagFolderSync:
    def __init__(self, config: Config, database: Database) -> None:
        self._config = config
        self._database = database
        self.interval = float(config.get("scheduler", "min_file_process_interval"))
        self.pid: int | None = None
        self._due = time.monotonic()
        self._started_at = 0.0
        #: Files to parse again even if unchanged, at the next sync (see request_refresh).
        self._refresh: set[str] = set()

    def request_refresh(self, files: set[str]) -> None:
        """Parse ``files`` again soon: their users' timetables need new planned runs.

        The sync starts at once unless one is running; then right after it.
        """
        self._refresh |= files
        self._due = min(self._due, time.monotonic())

    def start_now(self) -> None:
        self._due = time.monotonic()
        self.maybe_start()

    def seconds_until_due(self) -> float:
        if self.pid is not None:
            return 1.0  # poll for the child's end (cheap waitpid); the child also wakes us
        return max(self._due - time.monotonic(), 0.0)

    def maybe_start(self) -> None:
        if self.pid is not None or time.monotonic() < self._due:
            return
        self._started_at = time.monotonic()
        refresh, self._refresh = self._refresh, set()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                with contextlib.suppress(ValueError):
                    signal.set_wakeup_fd(-1)
                _sync_once(self._config, refresh)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        self.pid = pid

    def poll(self) -> bool:
        """True when a sync just finished (the caller should forget cached decisions)."""
        if self.pid is None:
            return False
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return False
        self.pid = None
        self._due = self._started_at + self.interval
        code = os.waitstatus_to_exitcode(status)
        if code == EXIT_DATABASE_UNAVAILABLE:  # logged by the child; try again soon
            self._due = min(self._due, time.monotonic() + SYNC_RETRY)
        elif code != 0:
            log.warning("DAG folder sync process ended with exit code %s", code)
        if self._refresh:  # asked for while this sync ran
            self._due = min(self._due, time.monotonic())
        return True

    def stop(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _sync_once(config: Config, refresh: set[str]) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.wakeup import notify_scheduler

    database = Database.from_config(config)
    try:
        report = sync_dag_folder(config, database, refresh=refresh)
    except Exception as exc:
        if (reason := outage_reason(exc)) is None:
            raise
        log.warning(
            "DAG folder sync could not use the metadata database (%s); trying again in %gs",
            reason,
            min(SYNC_RETRY, float(config.get("scheduler", "min_file_process_interval"))),
        )
        os._exit(EXIT_DATABASE_UNAVAILABLE)
    if report.files_parsed or report.files_removed:
        notify_scheduler(database, config)
