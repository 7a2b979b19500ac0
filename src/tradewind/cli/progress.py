"""Progress of long CLI work (``dags backfill``, ``db migrate``), on stderr.

On a terminal: click's progress bar, with the position and the time left. Piped or
redirected: one plain line per step (no carriage returns, no colours), so a log file or
a CI job reads it line by line. Stdout keeps only the command's results, either way.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

import click

NOTE_WIDTH = 60


def _left(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return (
        f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
    )


class Progress:
    """``total`` steps of work; :meth:`step` after each one, with what it was."""

    def __init__(self, total: int, label: str, unit: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self.on_terminal = self.stream.isatty()
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if self.on_terminal:
            self._bar = click.progressbar(
                length=self.total,
                label=self.label,
                show_eta=True,
                show_pos=True,
                item_show_func=lambda note: note,
                file=self.stream,
            ).__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)

    def step(self, note: str, count: int = 1) -> None:
        """``count`` more steps done (a batch of rows, say)."""
        self.done += count
        if self._bar is not None:  # one line, redrawn: keep it narrow
            shown = note if len(note) <= NOTE_WIDTH else note[: NOTE_WIDTH - 1] + "…"
            self._bar.update(count, shown)
            return
        line = f"{self.label}: {self.done}/{self.total} {self.unit} done ({note})"
        if self.done < self.total:
            elapsed = time.monotonic() - self.started
            line += f", about {_left(elapsed / self.done * (self.total - self.done))} left"
        click.echo(line, file=self.stream)
