"""The scheduling algorithm shared by the repeating timetables (cron and timedelta).

Subclasses only say how to step along their grid of interval boundaries; the rules about
catchup, start and end dates live here once.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime

from tradewind.authoring.schedules.base import BuiltinTimetable, DagRunInfo, DataInterval


class IntervalTimetable(BuiltinTimetable):
    """Runs cover consecutive intervals ``[start, next(start))`` and are due at their end."""

    @abstractmethod
    def _next(self, at: datetime) -> datetime:
        """The first boundary strictly after ``at``."""

    @abstractmethod
    def _prev(self, at: datetime) -> datetime:
        """The last boundary strictly before ``at``."""

    @abstractmethod
    def _align_up(self, at: datetime) -> datetime:
        """``at`` if it is a boundary, else the next boundary."""

    @abstractmethod
    def _align_down(self, at: datetime) -> datetime:
        """``at`` if it is a boundary, else the previous boundary."""

    @abstractmethod
    def _latest_complete_start(self, now: datetime) -> datetime:
        """Start of the interval that finished most recently at or before ``now``."""

    def previous_logical_date(self, logical_date: datetime) -> datetime | None:
        return self._prev(logical_date)

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        earliest = None if start_date is None else self._align_up(start_date)
        if not catchup:
            # Without catchup, missed intervals are skipped: jump to the latest one that is
            # complete, but never to before the DAG's start.
            latest = self._latest_complete_start(now)
            earliest = latest if earliest is None else max(earliest, latest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start = earliest
        else:
            start = self._align_down(last_automated_data_interval.end)
            if earliest is not None:
                start = max(start, earliest)
        if end_date is not None and start > end_date:
            return None
        return DagRunInfo.interval(start=start, end=self._next(start))
