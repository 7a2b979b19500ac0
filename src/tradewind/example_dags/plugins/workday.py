"""A user timetable, as a plugin: one run per working day (Monday to Friday, UTC).

Each run's data interval is one whole working day, and the run is due when that day is over:
Friday's data is processed at Saturday 00:00, Monday's at Tuesday 00:00. Weekends have no run.
Served to Airflow DAG files as ``airflow.example_dags.plugins.workday``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from tradewind.authoring.schedules import DagRunInfo, DataInterval, TimeRestriction, Timetable
from tradewind.plugins_manager import AirflowPlugin

DAY = timedelta(days=1)
SATURDAY = 5


def _midnight(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time(), tzinfo=UTC)


def _workday_on_or_after(day: datetime) -> datetime:
    while day.weekday() >= SATURDAY:
        day += DAY
    return day


def _workday_on_or_before(day: datetime) -> datetime:
    while day.weekday() >= SATURDAY:
        day -= DAY
    return day


class AfterWorkdayTimetable(Timetable):
    """Runs after each working day, covering that day."""

    description = "After each workday (Mon-Fri), at 00:00 UTC"

    @property
    def summary(self) -> str:
        return "after_workday"

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        # The last working day that is over at trigger time.
        day = _workday_on_or_before(_midnight(run_after) - DAY)
        return DataInterval(start=day, end=day + DAY)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            day = _workday_on_or_after(_midnight(last_automated_data_interval.start) + DAY)
        elif restriction.earliest is None:
            return None  # no start_date: nothing to schedule from
        else:
            first = _midnight(restriction.earliest)
            if first < restriction.earliest:  # a start during a day: that day is not whole
                first += DAY
            day = _workday_on_or_after(first)
        if not restriction.catchup:
            # Skip missed days but the latest one that is over.
            latest_over = _workday_on_or_before(_midnight(datetime.now(UTC)) - DAY)
            day = max(day, latest_over)
        if restriction.latest is not None and day > restriction.latest:
            return None
        return DagRunInfo.interval(start=day, end=day + DAY)


class WorkdayTimetablePlugin(AirflowPlugin):
    name = "workday_timetable_plugin"
    timetables = [AfterWorkdayTimetable]
