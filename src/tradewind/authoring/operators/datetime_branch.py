"""BranchDateTimeOperator: follow one set of tasks inside a time window, another outside."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from tradewind.authoring.operators.branch import BaseBranchOperator, BranchChoice
from tradewind.authoring.timezone import coerce_utc, utcnow
from tradewind.exceptions import DagDefinitionError

Target = datetime | time | None


class BranchDateTimeOperator(BaseBranchOperator):
    """Branches on whether now (UTC) lies between ``target_lower`` and ``target_upper``.

    A bound is a datetime, or a time of day (on the day being tested); either may be
    ``None`` for an open end, not both. Two times of day where the upper one is earlier span
    midnight (22:00 to 02:00). Naive values are UTC, the zone Tradewind schedules in. With
    ``use_task_logical_date`` the run's logical date is tested instead of now.
    """

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: Target,
        target_upper: Target,
        use_task_logical_date: bool = False,
        use_task_execution_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise DagDefinitionError(
                f"Both target_upper and target_lower of task {self.task_id!r} are None. At "
                "least one must be defined to be compared to the current datetime"
            )
        for name, value in (("target_lower", target_lower), ("target_upper", target_upper)):
            if value is not None and not isinstance(value, datetime | time):
                raise DagDefinitionError(
                    f"{name} of task {self.task_id!r} must be a datetime, a time or None, "
                    f"got {value!r}"
                )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = bool(use_task_logical_date)
        if use_task_execution_date:
            warnings.warn(
                f"use_task_execution_date of task {self.task_id!r} is deprecated (as in "
                "Airflow 2): use use_task_logical_date",
                DeprecationWarning,
                stacklevel=2,
            )
            self.use_task_logical_date = True

    def choose_branch(self, context: Mapping[str, Any]) -> BranchChoice:
        now = coerce_utc(context["logical_date"]) if self.use_task_logical_date else utcnow()
        lower, upper = window_around(now, self.target_lower, self.target_upper)
        if upper is not None and upper < now:
            return self.follow_task_ids_if_false
        if lower is not None and lower > now:
            return self.follow_task_ids_if_false
        return self.follow_task_ids_if_true


def window_around(
    now: datetime, lower: Target, upper: Target
) -> tuple[datetime | None, datetime | None]:
    """The bounds as UTC datetimes: a time of day is taken on ``now``'s date and, unless
    both bounds are datetimes, an upper bound earlier than the lower one on the next day."""
    low = _on_day(now, lower)
    high = _on_day(now, upper)
    both_dates = isinstance(lower, datetime) and isinstance(upper, datetime)
    if not both_dates and low is not None and high is not None and high < low:
        high += timedelta(days=1)
    return low, high


def _on_day(now: datetime, target: Target) -> datetime | None:
    if target is None:
        return None
    if isinstance(target, datetime):
        return coerce_utc(target)
    return coerce_utc(datetime.combine(now.date(), target))
