"""A run's try logs on the terminal as they are written (``dags test``).

A thread follows every ``attempt=<n>.log`` under the run's log folder and prints each
complete line as it appears; a header names the try whenever the output switches to
another one (with ``--use-executor`` tries run side by side). When a try ends, what is left
of its log is printed and a line gives its state. Files are polled a few times a second:
this is a terminal, not the scheduler's hot path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tradewind.operations.dag_test import FinishedTry

#: Seconds between looks at the log files.
POLL_INTERVAL = 0.2


@dataclass
class _Followed:
    offset: int = 0
    partial: bytes = b""


class TerminalLog:
    """A :class:`~tradewind.operations.dag_test.RunObserver` that prints to stdout."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._files: dict[Path, _Followed] = {}
        self._lock = threading.Lock()
        self._current: Path | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_started(self, log_folder: Path) -> None:
        """Start following (called once the executor has forked its processes)."""
        self._folder = log_folder
        self._thread = threading.Thread(target=self._follow, name="dags-test-log", daemon=True)
        self._thread.start()

    def try_ended(self, finished: FinishedTry) -> None:
        with self._lock:
            self._print_new(finished.log, final=True)
            click.echo(f"--- {finished.task_id} (try {finished.try_number}): {finished.state} ---")
            self._current = None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _follow(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            with self._lock:
                for path in self._log_files():
                    self._print_new(path, final=False)

    def _log_files(self) -> list[Path]:
        if self._folder is None or not self._folder.is_dir():
            return []
        return sorted(self._folder.glob("task_id=*/attempt=*.log"), key=_mtime)

    def _print_new(self, path: Path, *, final: bool) -> None:
        """Print the lines added to ``path`` since last time (and an unfinished last line
        too if the try has ended)."""
        followed = self._files.setdefault(path, _Followed())
        try:
            with path.open("rb") as handle:
                handle.seek(followed.offset)
                data = handle.read()
        except OSError:
            data = b""
        followed.offset += len(data)
        text = followed.partial + data
        complete, _, followed.partial = text.rpartition(b"\n")
        if final and followed.partial:
            complete, followed.partial = text, b""
        if not complete:
            return
        if self._current != path:
            click.echo(f"--- {_describe(path)} ---")
            self._current = path
        click.echo(complete.decode("utf-8", errors="replace").rstrip("\n"))


def _describe(path: Path) -> str:
    folder = path.parent
    mapped = ""
    if folder.name.startswith("map_index="):  # a mapped instance's log, one folder deeper
        mapped = f"[{folder.name.removeprefix('map_index=')}]"
        folder = folder.parent
    task = folder.name.removeprefix("task_id=")
    attempt = path.stem.removeprefix("attempt=")
    return f"{task}{mapped} (try {attempt})"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
