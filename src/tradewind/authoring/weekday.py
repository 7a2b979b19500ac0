"""WeekDay: the days of the week as ISO numbers (Monday 1 ... Sunday 7), as Airflow names them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any


class WeekDay(enum.IntEnum):
    """A day of the week; its value is ``datetime.isoweekday()`` of that day."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> int:
        """The number of a day given by name, in any case (``"monday"`` is 1)."""
        name = week_day_str.upper()
        if name not in cls.__members__:
            raise AttributeError(
                f'Invalid Week Day passed: "{week_day_str}" '
                f"(use one of {', '.join(cls.__members__)})"
            )
        return cls[name].value

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        """A day's number from a :class:`WeekDay` or a day's name."""
        if isinstance(day, WeekDay):
            return day.value
        if isinstance(day, str):
            return cls.get_weekday_number(day)
        raise TypeError(f"a week day must be a WeekDay or a day's name, got {day!r}")

    @classmethod
    def validate_week_day(cls, week_day: Any) -> set[int]:
        """The day numbers of one day or an iterable of days (names or :class:`WeekDay`)."""
        if isinstance(week_day, str | WeekDay):
            return {cls.convert(week_day)}
        if isinstance(week_day, Iterable):
            return {cls.convert(day) for day in week_day}
        raise TypeError(
            f"Unsupported Type for week_day parameter: {type(week_day).__name__}. "
            "Input should be a day's name, a WeekDay, or an iterable of them"
        )
