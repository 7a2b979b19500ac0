"""Where a try's log lives: one file per try, in Airflow's folder layout.

A log that cannot be written (its disk is full, its folder read-only) must not cost the try
its state: Tradewind's own lines are skipped with a warning in the writing process's log
(the scheduler's, or a Celery worker's), and a try's output that does not fit is dropped
rather than raised into the task's code
(:class:`~tradewind.execution.output_streams.ForgivingStream`).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from tradewind.config import Config

log = logging.getLogger(__name__)

#: Failed log writes warned about one by one in each WARN_WINDOW seconds (then counted).
WARN_BURST = 10
WARN_WINDOW = 60.0


def log_path(
    config: Config,
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int,
    map_index: int = -1,
) -> Path:
    """``<base_log_folder>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log``.

    A mapped instance's tries sit one folder deeper, in ``map_index=<i>/``, as in Airflow.
    """
    folder = config.base_log_folder / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    if map_index >= 0:
        folder = folder / f"map_index={map_index}"
    return folder / f"attempt={try_number}.log"


def format_line(message: str, level: str = "INFO") -> str:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    return f"[{stamp}] {{tradewind}} {level} - {message}\n"


def append_line(path: Path, message: str, level: str = "INFO") -> bool:
    """Add one of Tradewind's own lines to a try's log (used when the task cannot).

    Returns whether it was written; a failure is warned about, never raised.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(format_line(message, level))
    except OSError as exc:
        _failures.warn(path, exc)
        return False
    return True


def describe(path: Path) -> str:
    """``dag.task (run, try n)`` for a path made by :func:`log_path`, else the path."""
    parts = {
        key: value
        for key, _, value in (part.partition("=") for part in path.with_suffix("").parts[-5:])
    }
    mapped = f"[{parts['map_index']}]" if "map_index" in parts else ""
    try:
        return (
            f"{parts['dag_id']}.{parts['task_id']}{mapped} "
            f"({parts['run_id']}, try {parts['attempt']})"
        )
    except KeyError:
        return str(path)


class _WriteFailures:
    """Warns about failed log writes: each of the first :data:`WARN_BURST` of a minute
    names its try, the rest are counted (a full disk fails every try's every line) and the
    count is given with the next warning."""

    def __init__(self) -> None:
        self._window_start = float("-inf")
        self._in_window = 0
        self._skipped = 0

    def warn(self, path: Path, exc: OSError) -> None:
        now = time.monotonic()
        if now - self._window_start >= WARN_WINDOW:
            self._window_start, self._in_window = now, 0
        if self._in_window >= WARN_BURST:
            self._skipped += 1
            return
        self._in_window += 1
        more = f" ({self._skipped} more failed log writes not shown)" if self._skipped else ""
        self._skipped = 0
        log.warning(
            "Cannot write the log of %s at %s: %s; the try's state is still recorded%s",
            describe(path),
            path,
            exc.strerror or exc,
            more,
        )


_failures = _WriteFailures()
