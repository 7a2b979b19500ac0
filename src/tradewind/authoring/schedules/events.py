"""``EventsTimetable``: runs at a fixed list of moments (holidays, launches, reports)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tradewind.authoring.schedules.base import BuiltinTimetable, DagRunInfo, DataInterval
from tradewind.authoring.timezone import coerce_utc, parse_datetime


class EventsTimetable(BuiltinTimetable):
    """One run at each of ``event_dates``; each run's data interval is its event instant.

    ``restrict_to_events=True`` makes a manual run take the data interval of the latest event
    at or before the trigger time instead of the trigger time itself.
    """

    type_name = "events"
    periodic = False

    def __init__(
        self,
        event_dates: Iterable[datetime],
        *,
        restrict_to_events: bool = False,
        presorted: bool = False,
        description: str | None = None,
    ) -> None:
        dates = []
        for when in event_dates:
            if not isinstance(when, datetime):
                raise TypeError(f"EventsTimetable event_dates must be datetimes, got {when!r}")
            dates.append(coerce_utc(when))
        self.event_dates: list[datetime] = dates if presorted else sorted(dates)
        self.restrict_to_events = restrict_to_events
        self.description = description

    @property
    def summary(self) -> str:
        return f"{len(self.event_dates)} events"

    def serialize(self) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "event_dates": [when.isoformat() for when in self.event_dates],
            "restrict_to_events": self.restrict_to_events,
            "description": self.description,
        }

    @classmethod
    def from_serialized(cls, data: dict[str, Any]) -> EventsTimetable:
        return cls(
            [parse_datetime(text) for text in data["event_dates"]],
            restrict_to_events=bool(data.get("restrict_to_events")),
            presorted=True,
            description=data.get("description"),
        )

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        events = self.event_dates
        index = 0
        if last_automated_data_interval is not None:
            index = bisect.bisect_right(events, last_automated_data_interval.end)
        if start_date is not None:
            index = max(index, bisect.bisect_left(events, start_date))
        if not catchup:
            # Past events are skipped but for the latest one, as cron schedules do.
            index = max(index, bisect.bisect_right(events, now) - 1)
        if index >= len(events):
            return None
        when = events[index]
        if end_date is not None and when > end_date:
            return None
        return DagRunInfo.exact(when)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        if not self.restrict_to_events:
            return DataInterval.exact(run_after)
        index = bisect.bisect_right(self.event_dates, coerce_utc(run_after)) - 1
        if index < 0:  # before the first event: Airflow uses the first one
            return (
                DataInterval.exact(self.event_dates[0])
                if self.event_dates
                else (DataInterval.exact(run_after))
            )
        return DataInterval.exact(self.event_dates[index])
