"""Public import path of
:class:`~tradewind.authoring.operators.weekday.BranchDayOfWeekOperator` and ``WeekDay``."""

from __future__ import annotations

from tradewind.authoring.operators.weekday import BranchDayOfWeekOperator
from tradewind.authoring.weekday import WeekDay

__all__ = ["BranchDayOfWeekOperator", "WeekDay"]
