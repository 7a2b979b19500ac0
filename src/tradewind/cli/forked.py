"""Run CLI commands in forked children of a warm parent, as ``standalone`` does.

A scheduler, a triggerer and a webserver each started as a fresh interpreter import the
same 30-odd MiB (SQLAlchemy, the models, pydantic, the operations layer) into pages of
their own. Forked from a parent that imported all of it once, they share those pages
copy-on-write, and ``gc.freeze()`` keeps the collector from writing to (and so copying)
every object it would otherwise visit. ``benchmarks/footprint.py`` measures the saving.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from typing import NoReturn

#: What the scheduler, the runner host it forks, the triggerer and the webserver all import.
#: A module missing from this build (an optional extra) is simply not shared.
SHARED_MODULES = (
    "tradewind.scheduling.scheduler",
    "tradewind.execution.runner_host",
    "tradewind.execution.executors.local",
    "tradewind.triggering.triggerer",
    "tradewind.webserver",
    "uvicorn",
    "uvicorn.main",
)


def warm_up(modules: Sequence[str] = SHARED_MODULES) -> None:
    """Import ``modules`` and freeze every object now alive out of the collector's reach."""
    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    gc.collect()
    gc.freeze()


class ForkedCommand:
    """A ``tradewind <args>`` command in a forked child, with the part of
    :class:`subprocess.Popen`'s interface a supervisor needs."""

    def __init__(self, name: str, args: Sequence[str]) -> None:
        self.name = name
        self.returncode: int | None = None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_in_child(name, list(args))
        self.pid = pid

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.name, timeout or 0.0)
            time.sleep(0.05)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _run_in_child(name: str, args: list[str]) -> NoReturn:
    """Run the command as ``tradewind`` would, then leave without the parent's atexit work."""
    from tradewind.cli.app import main

    code = 1
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        _set_name(f"tw-{name}")
        main.main(args=args, prog_name="tradewind", standalone_mode=True)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        logging.shutdown()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _set_name(name: str) -> None:
    """Name the process for ``ps -o comm`` and ``top`` (its command line stays the parent's)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(name[:15])
