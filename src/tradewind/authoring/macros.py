"""The ``macros`` namespace available in templates (``{{ macros.ds_add(ds, 7) }}``)."""

from __future__ import annotations

import json
import random as _random
import time
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import dateutil


def ds_add(ds: str, days: int) -> str:
    """Add ``days`` (may be negative) to a ``YYYY-MM-DD`` date string."""
    if not days:
        return ds
    return (datetime.strptime(ds, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string, e.g. ``ds_format("2024-01-05", "%Y-%m-%d", "%d/%m/%Y")``."""
    return datetime.strptime(ds, input_format).strftime(output_format)


def build_macros() -> SimpleNamespace:
    return SimpleNamespace(
        datetime=datetime,
        timedelta=timedelta,
        dateutil=dateutil,
        ds_add=ds_add,
        ds_format=ds_format,
        random=_random.random,
        json=json,
        time=time,
        uuid=uuid,
    )
