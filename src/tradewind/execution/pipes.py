"""JSON lines over pipes: how the scheduler, the runner host, zygotes and tries talk."""

from __future__ import annotations

import errno
import os


class LineReader:
    """Splits what arrives on a non-blocking pipe into lines."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""
        self.eof = False

    def read_lines(self) -> list[bytes]:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                break
            if not chunk:
                self.eof = True
                break
            self._buffer += chunk
            if len(chunk) < 65536:
                break
        *lines, self._buffer = self._buffer.split(b"\n")
        return [line for line in lines if line]

    def fill(self) -> None:
        """Read what is there into the buffer (keeps a writer from blocking on a full pipe)."""
        self._buffer += self._read_available()

    def rest(self) -> list[bytes]:
        """After the writer is gone: whatever unterminated text is left."""
        self._buffer += self._read_available()
        rest, self._buffer = self._buffer, b""
        return [rest] if rest.strip() else []

    def _read_available(self) -> bytes:
        data = b""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):
                return data
            if not chunk:
                self.eof = True
                return data
            data += chunk


def write_line(fd: int, text: str) -> bool:
    """Write one line; False if the reader is gone."""
    data = text.encode() + b"\n"
    try:
        while data:
            written = os.write(fd, data)
            data = data[written:]
        return True
    except BrokenPipeError:
        return False
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return False
        raise
