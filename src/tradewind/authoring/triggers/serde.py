"""Trigger arguments and event payloads as JSON, dates and durations included.

A trigger's ``serialize()`` kwargs, its events' payloads and a deferral's ``kwargs`` cross
from a try's process to the database to the triggerer and back; most of them are plain
JSON, but a ``DateTimeTrigger`` carries a datetime, so those two types are tagged (with
Airflow's ``__type``/``__var`` shape) and restored on the other side.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tradewind.exceptions import TaskDeferralError

_TYPE, _VAR = "__type", "__var"


def encode(value: Any, what: str) -> Any:
    """``value`` as JSON-ready data; a clear error naming ``what`` if it cannot be."""
    if isinstance(value, datetime):
        return {_TYPE: "datetime", _VAR: value.isoformat()}
    if isinstance(value, timedelta):
        return {_TYPE: "timedelta", _VAR: value.total_seconds()}
    if isinstance(value, dict):
        return {str(key): encode(item, what) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item, what) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TaskDeferralError(
        f"{what} holds a {type(value).__name__} ({value!r}), which cannot be stored: use "
        "JSON values, datetimes or timedeltas"
    )


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        kind = value.get(_TYPE)
        if kind == "datetime" and len(value) == 2:
            return datetime.fromisoformat(value[_VAR])
        if kind == "timedelta" and len(value) == 2:
            return timedelta(seconds=value[_VAR])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def dumps(value: Any, what: str) -> str:
    return json.dumps(encode(value, what), separators=(",", ":"))
