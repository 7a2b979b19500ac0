"""A try's standard output and error, which must not fail the task when its log cannot be
written, and which write ``***`` for the secrets the try has read
(:mod:`tradewind.security.masking`). Imports nothing else of Tradewind's: it loads into the
zygotes tries are forked from."""

from __future__ import annotations

import contextlib
import io
import sys

from tradewind.security.masking import redact


class ForgivingStream(io.TextIOBase):
    """A try's ``sys.stdout``/``sys.stderr``: output its log file refuses (a full disk) is
    dropped instead of raising ``OSError`` into the task's ``print`` (the runner host warns
    about the log it could not write). Secrets the try read are written as ``***``.
    Everything else is the wrapped stream's, so a task may still use ``sys.stdout.buffer``
    or ``reconfigure``."""

    def __init__(self, inner: io.TextIOBase) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        with contextlib.suppress(OSError):
            self._inner.write(redact(text))
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            self._inner.flush()

    def fileno(self) -> int:
        return self._inner.fileno()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def forgive_output_errors() -> None:
    """Wrap this process's ``sys.stdout`` and ``sys.stderr`` in :class:`ForgivingStream`."""
    if not isinstance(sys.stdout, ForgivingStream):
        sys.stdout = ForgivingStream(sys.stdout)  # type: ignore[arg-type]
    if not isinstance(sys.stderr, ForgivingStream):
        sys.stderr = ForgivingStream(sys.stderr)  # type: ignore[arg-type]
