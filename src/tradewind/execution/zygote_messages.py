"""What the runner host and a zygote say to each other: one frozen dataclass per message.

::

    host --Assignment (first line), ForkTry...--> zygote
    host <--TryStarted, TryEnded...-------------- zygote

Each message is one JSON array on its pipe: its kind's tag, then its fields in order.
:func:`encode` and :func:`decode` are the only code that knows that shape. This is every
try's path, so it stays cheap: no dict per message, no field names on the wire. Nothing
here imports SQLAlchemy (a zygote must not).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, ClassVar

from tradewind.execution.workload import TaskKey


@dataclass(frozen=True, slots=True)
class Assignment:
    """A spare zygote's first message: the DAG file it is for, and the host's config."""

    TAG: ClassVar[str] = "assign"
    fileloc: str
    config_json: str
    niceness: int


@dataclass(frozen=True, slots=True)
class ForkTry:
    """Fork a try the host has claimed. ``started_json`` is a ``StartedTry``, parsed only
    in the try's process; ``timeout`` is its ``execution_timeout`` in seconds."""

    TAG: ClassVar[str] = "fork"
    key: TaskKey
    timeout: float | None
    log: str
    started_json: str


@dataclass(frozen=True, slots=True)
class TryStarted:
    """The try's process was forked."""

    TAG: ClassVar[str] = "started"
    key: TaskKey
    pid: int


@dataclass(frozen=True, slots=True)
class TryEnded:
    """The try's process ended. ``result_json`` is its ``TryResult`` (``None``: it died
    without one); ``reason`` is ``exited`` or ``timeout``; ``code`` its exit code."""

    TAG: ClassVar[str] = "ended"
    key: TaskKey
    reason: str
    code: int | None
    result_json: str | None
    pid: int


ToZygote = Assignment | ForkTry
FromZygote = TryStarted | TryEnded
Message = ToZygote | FromZygote

_KINDS: tuple[type[Message], ...] = (Assignment, ForkTry, TryStarted, TryEnded)
_BY_TAG: dict[str, type[Message]] = {kind.TAG: kind for kind in _KINDS}
_NAMES = {kind: tuple(f.name for f in fields(kind)) for kind in _KINDS}
#: Each kind's fields, in order, as a tuple (one C call per message).
_VALUES: dict[type[Message], Callable[[Message], tuple[Any, ...]]] = {
    kind: attrgetter(*names) for kind, names in _NAMES.items()
}
_KEYED = frozenset(kind.TAG for kind in _KINDS if _NAMES[kind][0] == "key")


_dumps = json.JSONEncoder(separators=(",", ":")).encode


class BadMessage(ValueError):
    """A line that is not a message this side knows (a bug, or a different version)."""


def encode(message: Message) -> str:
    kind = type(message)
    return _dumps((kind.TAG, *_VALUES[kind](message)))


def decode(line: str | bytes) -> Message:
    """The message ``line`` encodes; :class:`BadMessage` if it is none."""
    try:
        tag, *values = json.loads(line)
        if tag in _KEYED:
            values[0] = TaskKey(*values[0])
        return _BY_TAG[tag](*values)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise BadMessage(f"not a runner host/zygote message: {line[:200]!r} ({exc})") from None
