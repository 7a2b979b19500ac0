"""Schedules: turning a DAG's ``schedule`` argument into run dates.

Built-in timetables are plain data plus croniter, so the scheduler can rebuild one from a
serialized DAG (:func:`timetable_from_serialized`) without importing the user's DAG file; a
user's own timetable class comes back as a :class:`PlannedTimetable`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tradewind.authoring.datasets import BaseDataset
from tradewind.authoring.schedules.base import (
    BuiltinTimetable,
    DagRunInfo,
    DataInterval,
    TimeRestriction,
    Timetable,
)
from tradewind.authoring.schedules.cron import (
    CRON_PRESETS,
    CronDataIntervalTimetable,
    CronTimetable,
    InvalidCronExpression,
)
from tradewind.authoring.schedules.datasets import (
    DatasetOrTimeSchedule,
    DatasetTriggeredTimetable,
    condition_from_serialized,
)
from tradewind.authoring.schedules.delta import DeltaDataIntervalTimetable, DeltaTimetable
from tradewind.authoring.schedules.events import EventsTimetable
from tradewind.authoring.schedules.planned import Plan, PlannedTimetable
from tradewind.authoring.schedules.simple import NullTimetable, OnceTimetable
from tradewind.authoring.schedules.trigger import CronTriggerTimetable

__all__ = [
    "CRON_PRESETS",
    "BuiltinTimetable",
    "CronDataIntervalTimetable",
    "CronTimetable",
    "CronTriggerTimetable",
    "DagRunInfo",
    "DataInterval",
    "DatasetOrTimeSchedule",
    "DatasetTriggeredTimetable",
    "DeltaDataIntervalTimetable",
    "DeltaTimetable",
    "EventsTimetable",
    "InvalidCronExpression",
    "NullTimetable",
    "OnceTimetable",
    "Plan",
    "PlannedTimetable",
    "TimeRestriction",
    "Timetable",
    "is_user_timetable",
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
        f"schedule must be a cron string, a preset, a timedelta, a Timetable, datasets or None, "
        f"got {type(schedule).__name__} {schedule!r}"
    )


def is_user_timetable(timetable: Timetable) -> bool:
    """A user's class (no built-in ``type_name``): the scheduler replays its planned runs."""
    return not timetable.type_name


def _cron_trigger(data: dict[str, Any]) -> Timetable:
    return CronTriggerTimetable(
        data["expression"],
        timezone=data.get("timezone", "UTC"),
        interval=timedelta(seconds=data.get("interval", 0)),
    )


_BUILTINS: dict[str, Callable[[dict[str, Any]], Timetable]] = {
    "null": lambda data: NullTimetable(),
    "once": lambda data: OnceTimetable(),
    "cron": lambda data: CronTimetable(data["expression"], data.get("timezone", "UTC")),
    "delta": lambda data: DeltaTimetable(timedelta(seconds=data["delta"])),
    "cron_trigger": _cron_trigger,
    "events": EventsTimetable.from_serialized,
    "dataset": lambda data: DatasetTriggeredTimetable(condition_from_serialized(data)),
    "dataset_or_time": lambda data: DatasetOrTimeSchedule(
        timetable=timetable_from_serialized(data["timetable"]),
        datasets=condition_from_serialized(data),
    ),
}


def timetable_from_serialized(data: dict[str, Any]) -> Timetable:
    """Inverse of :meth:`Timetable.serialize` (and of :meth:`PlannedTimetable.serialize`)."""
    kind = data.get("__type")
    build = _BUILTINS.get(kind) if isinstance(kind, str) else None
    if build is not None:
        return build(data)
    if isinstance(kind, str) and "." in kind and "__plan" in data:
        return PlannedTimetable.from_serialized(data)
    raise ValueError(f"unknown serialized timetable type {kind!r}")
