"""``CronTriggerTimetable``: a run at each cron tick, its data interval ending at the tick.

Unlike :class:`~tradewind.authoring.schedules.cron.CronDataIntervalTimetable`, the run is not
held back until a whole tick-to-tick period is over: the run for 09:00 starts at 09:00. The
data interval is ``[tick - interval, tick]`` (zero-length by default) and the logical date is
its start, as in Airflow 2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from croniter import croniter

from tradewind.authoring.schedules.base import BuiltinTimetable, DagRunInfo, DataInterval
from tradewind.authoring.schedules.cron import cron_expression
from tradewind.authoring.schedules.zones import in_zone, zone_for, zone_name
from tradewind.authoring.timezone import coerce_utc


class CronTriggerTimetable(BuiltinTimetable):
    type_name = "cron_trigger"

    def __init__(
        self, cron: str, *, timezone: str | tzinfo = UTC, interval: timedelta = timedelta(0)
    ) -> None:
        self.expression = cron_expression(cron)
        self.zone = zone_for(timezone)
        if not isinstance(interval, timedelta) or interval < timedelta(0):
            raise ValueError(
                f"CronTriggerTimetable interval must be a timedelta of zero or more, "
                f"got {interval!r}"
            )
        self.interval = interval

    @property
    def summary(self) -> str:
        return self.expression

    def serialize(self) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "expression": self.expression,
            "timezone": zone_name(self.zone),
            "interval": self.interval.total_seconds(),
        }

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        if catchup:
            if last_automated_data_interval is not None:
                tick = self._next(last_automated_data_interval.end)
            elif start_date is not None:
                tick = self._align_up(start_date)
            else:
                return None  # nowhere to catch up from
        else:
            # Missed ticks are skipped: the next run is the first tick from now on.
            candidates = [self._align_up(now)]
            if last_automated_data_interval is not None:
                candidates.append(self._next(last_automated_data_interval.end))
            if start_date is not None:
                candidates.append(self._align_up(start_date))
            tick = max(candidates)
        if end_date is not None and tick > end_date:
            return None
        return DagRunInfo.interval(start=tick - self.interval, end=tick)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(start=run_after - self.interval, end=run_after)

    def previous_logical_date(self, logical_date: datetime) -> datetime | None:
        return self._prev(logical_date + self.interval) - self.interval

    def _next(self, at: datetime) -> datetime:
        return coerce_utc(croniter(self.expression, in_zone(at, self.zone)).get_next(datetime))

    def _prev(self, at: datetime) -> datetime:
        return coerce_utc(croniter(self.expression, in_zone(at, self.zone)).get_prev(datetime))

    def _align_up(self, at: datetime) -> datetime:
        return at if self._next(self._prev(at)) == at else self._next(at)
