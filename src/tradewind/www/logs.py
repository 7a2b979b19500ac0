"""Reading a try's log file in pieces, so a running task's log can be followed by polling."""

from __future__ import annotations

import os
from dataclasses import dataclass

from tradewind.exceptions import BadRequest
from tradewind.execution.logs import log_path
from tradewind.www.context import UiContext


@dataclass(frozen=True)
class LogChunk:
    text: str
    offset: int  # byte offset to ask for next
    more: bool  # the file already holds more than this chunk
    exists: bool = True


def read(
    context: UiContext,
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int,
    offset: int,
    max_bytes: int,
    map_index: int = -1,
) -> LogChunk:
    """Up to ``max_bytes`` from ``offset``; a long file is cut at a line end."""
    path = log_path(context.config, dag_id, run_id, task_id, try_number, map_index)
    try:
        with path.open("rb") as handle:
            _check_offset(offset, os.fstat(handle.fileno()).st_size)
            handle.seek(offset)
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return LogChunk("", offset, False, exists=False)
    more = len(data) > max_bytes
    data = data[:max_bytes]
    if more and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    data = _whole_characters(data)
    return LogChunk(data.decode("utf-8", "replace"), offset + len(data), more)


def _check_offset(offset: int, size: int) -> None:
    """A log only grows, so a poller never asks past its end; the OS refuses huge seeks."""
    if offset > size:
        raise BadRequest(f"offset {offset} is past the end of the log ({size} bytes)")


def _whole_characters(data: bytes) -> bytes:
    """Drop a UTF-8 character cut in half at the end; the next read starts with it."""
    for trim in range(min(3, len(data)) + 1):
        try:
            (data[: len(data) - trim] if trim else data).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return data[: len(data) - trim] if trim else data
    return data
