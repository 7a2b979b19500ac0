"""Forked children that a serving process watches from threads and stops when it stops.

``tradewind standalone`` with one webserver worker (its default) serves in the process that
forked the scheduler, instead of handing the children to a separate supervisor process
(:mod:`tradewind.supervision`): one Python process less, about 6 MiB
(``benchmarks/footprint.py``). The serving process must then do a supervisor's work:

- when it is asked to stop, pass SIGTERM on at once, so the children stop alongside it
  rather than after it;
- when a child ends unasked, stop itself (``on_child_end``) and exit with code 1;
- before it exits, wait up to ``grace`` seconds for every child and SIGKILL the rest, so no
  child outlives it.

Each child is reaped by a thread of its own blocked in ``waitpid``: the serving loop is
never held up, and a child's end is seen as soon as it happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable


class WatchedChildren:
    def __init__(self, children: dict[str, int], grace: float) -> None:
        self.children = dict(children)  # name -> pid
        self.grace = grace
        self.on_child_end: Callable[[], None] = lambda: None
        self._codes: dict[str, int] = {}
        self._ended_unasked: dict[str, int] = {}
        self._stop_asked_at: float | None = None
        self._lock = threading.RLock()  # stop() may run in a signal handler of a holder
        self._threads = [
            threading.Thread(target=self._reap, args=(name, pid), name=f"watch-{name}", daemon=True)
            for name, pid in self.children.items()
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Pass SIGTERM on to the children still running (once; safe in a signal handler)."""
        with self._lock:
            if self._stop_asked_at is not None:
                return
            self._stop_asked_at = time.monotonic()
            for name, pid in self.children.items():
                if name not in self._codes:
                    _signal(pid, signal.SIGTERM)

    def finish(self) -> int:
        """Stop, wait for every child until ``grace`` after the stop, SIGKILL those left;
        1 if a child had ended unasked, else 0."""
        self.stop()
        assert self._stop_asked_at is not None
        deadline = self._stop_asked_at + self.grace
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        with self._lock:
            for name, pid in self.children.items():
                if name not in self._codes:
                    _signal(pid, signal.SIGKILL)
        for thread in self._threads:
            thread.join()
        return 1 if self._ended_unasked else 0

    def _reap(self, name: str, pid: int) -> None:
        try:
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            code = 0
        with self._lock:
            self._codes[name] = code
            unasked = self._stop_asked_at is None
            if unasked:
                self._ended_unasked[name] = code
        if unasked:
            print(f"The {name} exited with code {code}; stopping.", file=sys.stderr, flush=True)
            self.on_child_end()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
