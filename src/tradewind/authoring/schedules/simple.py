"""Timetables that do not repeat: ``None`` (manual runs only) and ``@once``."""

from __future__ import annotations

from datetime import datetime

from tradewind.authoring.schedules.base import BuiltinTimetable, DagRunInfo, DataInterval


class NullTimetable(BuiltinTimetable):
    """``schedule=None``: the DAG runs only when triggered."""

    type_name = "null"
    can_be_scheduled = False
    periodic = False

    @property
    def summary(self) -> str:
        return "None"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        return None

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(run_after)


class OnceTimetable(BuiltinTimetable):
    """``@once``: a single automated run at ``start_date``, whatever ``catchup`` says."""

    type_name = "once"
    periodic = False

    @property
    def summary(self) -> str:
        return "@once"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None or start_date is None:
            return None
        if end_date is not None and start_date > end_date:
            return None
        return DagRunInfo.exact(start_date)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(run_after)
