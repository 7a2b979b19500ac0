"""DayOfWeekSensor: wait until the day of the week is one of ``week_day``."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.authoring.weekday import WeekDay
from tradewind.exceptions import DagDefinitionError


class DayOfWeekSensor(BaseSensorOperator):
    """``use_task_logical_date`` checks the run's logical date instead of today."""

    def __init__(
        self,
        *,
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        use_task_execution_day: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.use_task_logical_date = bool(use_task_logical_date)
        if use_task_execution_day:
            warnings.warn(
                f"use_task_execution_day of sensor {self.task_id!r} is deprecated (as in "
                "Airflow 2): use use_task_logical_date",
                DeprecationWarning,
                stacklevel=2,
            )
            self.use_task_logical_date = True
        try:
            self._week_days = WeekDay.validate_week_day(week_day)
        except (AttributeError, TypeError) as exc:
            raise DagDefinitionError(f"week_day of sensor {self.task_id!r}: {exc}") from None

    def poke(self, context: Mapping[str, Any]) -> bool:
        day = context["logical_date"] if self.use_task_logical_date else datetime.now(UTC)
        return day.isoweekday() in self._week_days
