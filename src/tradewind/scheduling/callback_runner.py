"""Running callback requests beside the scheduler, in a process that may import DAG code.

The scheduler never imports user code. When a pass ends a run whose DAG has callbacks, or
fails a try whose process died (:mod:`~tradewind.scheduling.callbacks`), it hands the
requests here after the pass committed. They run in a child forked from the scheduler
(as the DAG folder sync does), one batch at a time: the child imports each DAG file
involved, runs the callbacks (:func:`~tradewind.execution.callback_requests.run_requests`)
and exits. A DAG file or callback that hangs is killed after ``CALLBACK_TIMEOUT``; a crash
costs that batch, never the scheduler.

Requests live in the scheduler's memory until run: if the scheduler dies first, they are
lost, as Airflow 2's are when its DAG processor runs inside the scheduler.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import traceback

from tradewind.config import Config
from tradewind.execution.callback_requests import CallbackRequest

log = logging.getLogger(__name__)

#: Seconds a batch may take (imports included) before its process is killed.
CALLBACK_TIMEOUT = 120.0


class CallbackRunner:
    def __init__(self, config: Config) -> None:
        self._config = config
        self._pending: list[CallbackRequest] = []
        self.pid: int | None = None
        self._started_at = 0.0
        self._timeout = max(
            CALLBACK_TIMEOUT, 2 * float(config.get("core", "dagbag_import_timeout"))
        )

    def submit(self, requests: list[CallbackRequest]) -> None:
        self._pending.extend(requests)

    @property
    def busy(self) -> bool:
        return self.pid is not None or bool(self._pending)

    def seconds_until_due(self) -> float | None:
        """Poll a running batch every second (a cheap waitpid); None when idle."""
        if self.pid is not None:
            return 0.2
        return 0.0 if self._pending else None

    def maybe_start(self) -> None:
        """Fork a child for the pending requests, unless one is still running."""
        if self.pid is not None or not self._pending:
            return
        batch, self._pending = self._pending, []
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                with contextlib.suppress(ValueError):
                    signal.set_wakeup_fd(-1)
                from tradewind.execution.callback_requests import run_requests

                run_requests(self._config, batch)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        self.pid = pid
        self._started_at = time.monotonic()

    def poll(self) -> None:
        """Reap a finished batch; kill one that ran past its time."""
        if self.pid is None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            if time.monotonic() - self._started_at > self._timeout:
                log.error("Callbacks ran for over %gs: killing their process", self._timeout)
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            return
        self.pid = None
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            log.warning("The callback process ended with exit code %s", code)

    def stop(self, wait: float = 10.0) -> None:
        """Let the pending and running callbacks finish, for at most ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while self.busy and time.monotonic() < deadline:
            self.poll()
            self.maybe_start()
            time.sleep(0.05)
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None
        if self._pending:
            log.warning("%d callback requests were not run (stopping)", len(self._pending))
