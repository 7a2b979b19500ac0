"""The runner host and zygotes read back exactly what the other side wrote."""

from __future__ import annotations

import pytest

from tradewind.execution.workload import TaskKey
from tradewind.execution.zygote_messages import (
    Assignment,
    BadMessage,
    ForkTry,
    TryEnded,
    TryStarted,
    decode,
    encode,
)

KEY = TaskKey("etl", "manual__2024-01-01T00:00:00+00:00", "load", 2)


@pytest.mark.parametrize(
    "message",
    [
        Assignment("/dags/etl.py", '{"core": {}}', 10),
        ForkTry(KEY, 30.0, "/logs/attempt=2.log", '{"dag_id": "etl"}'),
        ForkTry(KEY, None, "/logs/attempt=2.log", "{}"),
        TryStarted(KEY, 4242),
        TryEnded(KEY, "timeout", -9, None, 4242),
        TryEnded(KEY, "exited", 0, '{"state": "success"}', 4242),
    ],
)
def test_each_message_reads_back_as_written(message: object) -> None:
    line = encode(message)  # type: ignore[arg-type]
    assert "\n" not in line  # one message, one line
    decoded = decode(line.encode())
    assert decoded == message
    if hasattr(decoded, "key"):
        assert type(decoded.key) is TaskKey


@pytest.mark.parametrize(
    "line", [b"", b"not json", b'{"key": 1}', b'["nonsense", 1]', b'["started", [1, 2]]']
)
def test_a_line_that_is_no_message_is_refused_by_name(line: bytes) -> None:
    with pytest.raises(BadMessage, match="not a runner host/zygote message"):
        decode(line)
