"""BranchDayOfWeekOperator: follow one set of tasks on some days of the week, another else."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from tradewind.authoring.operators.branch import BaseBranchOperator, BranchChoice
from tradewind.authoring.timezone import utcnow
from tradewind.authoring.weekday import WeekDay
from tradewind.exceptions import DagDefinitionError


class BranchDayOfWeekOperator(BaseBranchOperator):
    """Branches on whether today (UTC) is one of ``week_day``.

    ``week_day`` is a day's name (``"Monday"``), a :class:`WeekDay`, or an iterable of them.
    With ``use_task_logical_date`` the run's logical date is tested instead of today, so a
    rerun of an old run branches as that run did.
    """

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        use_task_execution_day: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_day = week_day
        self.use_task_logical_date = bool(use_task_logical_date)
        if use_task_execution_day:
            warnings.warn(
                f"use_task_execution_day of task {self.task_id!r} is deprecated (as in "
                "Airflow 2): use use_task_logical_date",
                DeprecationWarning,
                stacklevel=2,
            )
            self.use_task_logical_date = True
        try:
            self._week_days = WeekDay.validate_week_day(week_day)
        except (AttributeError, TypeError) as exc:
            raise DagDefinitionError(f"week_day of task {self.task_id!r}: {exc}") from None

    def choose_branch(self, context: Mapping[str, Any]) -> BranchChoice:
        day = context["logical_date"] if self.use_task_logical_date else utcnow()
        if day.isoweekday() in self._week_days:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false
