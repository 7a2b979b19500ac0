"""Schedules: turning a DAG's ``schedule`` argument into run dates.

Everything here is plain data plus croniter, so the scheduler can rebuild a timetable from a
serialized DAG (:func:`timetable_from_serialized`) without importing the user's DAG file.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tradewind.authoring.datasets import BaseDataset
from tradewind.authoring.schedules.base import DagRunInfo, DataInterval, Timetable
from tradewind.authoring.schedules.cron import CRON_PRESETS, CronTimetable, InvalidCronExpression
from tradewind.authoring.schedules.datasets import (
    DatasetOrTimeSchedule,
    DatasetTriggeredTimetable,
    condition_from_serialized,
)
from tradewind.authoring.schedules.delta import DeltaTimetable
from tradewind.authoring.schedules.simple import NullTimetable, OnceTimetable

__all__ = [
    "CRON_PRESETS",
    "CronTimetable",
    "DagRunInfo",
    "DataInterval",
    "DatasetOrTimeSchedule",
    "DatasetTriggeredTimetable",
    "DeltaTimetable",
    "InvalidCronExpression",
    "NullTimetable",
    "OnceTimetable",
    "Timetable",
    "timetable_for",
    "timetable_from_serialized",
]

ScheduleArg = str | timedelta | Timetable | BaseDataset | list[Any] | tuple[Any, ...] | None


def timetable_for(schedule: ScheduleArg) -> Timetable:
    """Build the timetable for a DAG's ``schedule`` argument.

    Raises ``InvalidCronExpression`` (a ``ValueError``) for a bad cron string and
    ``ValueError``/``TypeError`` for other unusable values; the DAG wraps these in a
    ``DagDefinitionError`` naming itself.
    """
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, Timetable):
        return schedule
    if isinstance(schedule, timedelta):
        return DeltaTimetable(schedule)
    if isinstance(schedule, BaseDataset | list | tuple):
        return DatasetTriggeredTimetable(schedule)
    if isinstance(schedule, str):
        if schedule == "@once":
            return OnceTimetable()
        return CronTimetable(schedule)
    raise TypeError(
        f"schedule must be a cron string, a preset, a timedelta, datasets or None, "
        f"got {type(schedule).__name__} {schedule!r}"
    )


def timetable_from_serialized(data: dict[str, Any]) -> Timetable:
    """Inverse of :meth:`Timetable.serialize`."""
    kind = data.get("__type")
    if kind == "null":
        return NullTimetable()
    if kind == "once":
        return OnceTimetable()
    if kind == "cron":
        return CronTimetable(data["expression"])
    if kind == "delta":
        return DeltaTimetable(timedelta(seconds=data["delta"]))
    if kind == "dataset":
        return DatasetTriggeredTimetable(condition_from_serialized(data))
    if kind == "dataset_or_time":
        return DatasetOrTimeSchedule(
            timetable=timetable_from_serialized(data["timetable"]),
            datasets=condition_from_serialized(data),
        )
    raise ValueError(f"unknown serialized timetable type {kind!r}")
