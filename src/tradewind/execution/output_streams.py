"""A try's standard output and error, which must not fail the task when its log cannot be
written. Imports nothing of Tradewind's: it loads into the zygotes tries are forked from."""

from __future__ import annotations

import io
import sys


class ForgivingStream(io.TextIOBase):
    """A try's ``sys.stdout``/``sys.stderr``: output its log file refuses (a full disk) is
    dropped and counted instead of raising ``OSError`` into the task's ``print``."""

    def __init__(self, inner: io.TextIOBase) -> None:
        self._inner = inner
        self.lost = 0

    def write(self, text: str) -> int:
        try:
            return self._inner.write(text)
        except OSError:
            self.lost += len(text)
            return len(text)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except OSError:
            self.lost += 1

    def fileno(self) -> int:
        return self._inner.fileno()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")


def forgive_output_errors() -> None:
    """Wrap this process's ``sys.stdout`` and ``sys.stderr`` in :class:`ForgivingStream`."""
    if not isinstance(sys.stdout, ForgivingStream):
        sys.stdout = ForgivingStream(sys.stdout)  # type: ignore[arg-type]
    if not isinstance(sys.stderr, ForgivingStream):
        sys.stderr = ForgivingStream(sys.stderr)  # type: ignore[arg-type]
