"""The ``macros`` namespace of templates (``{{ macros.ds_add(ds, 7) }}``).

The module itself is what templates see as ``macros``, and what ``airflow.macros`` exposes,
so the names below are Airflow 2's: two date-string helpers plus the standard modules and
classes a template may want (``macros.datetime``, ``macros.timedelta``, ``macros.dateutil``,
``macros.time``, ``macros.uuid``, ``macros.random``, ``macros.json``).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from random import random
from typing import Any

import dateutil
import dateutil.parser
import dateutil.relativedelta
import dateutil.tz

__all__ = [
    "datetime",
    "datetime_diff_for_humans",
    "dateutil",
    "ds_add",
    "ds_format",
    "json",
    "random",
    "time",
    "timedelta",
    "uuid",
]


def ds_add(ds: str, days: int) -> str:
    """Add ``days`` (may be negative) to a ``YYYY-MM-DD`` date string."""
    if not days:
        return ds
    return (datetime.strptime(ds, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string, e.g. ``ds_format("2024-01-05", "%Y-%m-%d", "%d/%m/%Y")``."""
    return datetime.strptime(ds, input_format).strftime(output_format)


def datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    """``dt`` relative to ``since`` (default: now) in words: "2 days before", "3 hours ago".

    Worded by pendulum, as in Airflow; pendulum comes with the ``airflow`` extra.
    """
    try:
        import pendulum
    except ImportError:
        raise ImportError(
            "macros.datetime_diff_for_humans needs pendulum: pip install 'tradewind[airflow]'"
        ) from None
    other: Any = pendulum.instance(since) if since is not None else None
    return str(pendulum.instance(dt).diff_for_humans(other))
