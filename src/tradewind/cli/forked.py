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
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from tradewind.supervision import STOP_SIGNALS

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


def fork_command(name: str, args: Sequence[str]) -> int:
    """Start ``tradewind <args>`` in a forked child; its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _run_in_child(name, list(args))
    return pid


def _run_in_child(name: str, args: list[str]) -> NoReturn:
    """Run the command as ``tradewind`` would, then leave without the parent's atexit work."""
    from tradewind.cli.app import main

    code = 1
    try:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        name_process(f"tw-{name}")
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


def name_process(name: str) -> None:
    """Name the process for ``ps -o comm`` and ``top`` (its command line stays the parent's)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(name[:15])
