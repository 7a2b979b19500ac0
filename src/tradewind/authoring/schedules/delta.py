"""Fixed-period schedules (``schedule=timedelta(hours=6)``), anchored at ``start_date``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tradewind.authoring.schedules.base import DataInterval
from tradewind.authoring.schedules.interval import IntervalTimetable


class DeltaDataIntervalTimetable(IntervalTimetable):
    """Every instant is a boundary: intervals simply follow each other ``delta`` apart
    (Airflow's name; ``schedule=timedelta(...)`` builds one)."""

    type_name = "delta"

    def __init__(self, delta: timedelta) -> None:
        if delta <= timedelta(0):
            raise ValueError(f"schedule timedelta must be positive, got {delta!r}")
        self.delta = delta

    @property
    def summary(self) -> str:
        return str(self.delta)

    def serialize(self) -> dict[str, Any]:
        return {"__type": self.type_name, "delta": self.delta.total_seconds()}

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(start=run_after - self.delta, end=run_after)

    def _next(self, at: datetime) -> datetime:
        return at + self.delta

    def _prev(self, at: datetime) -> datetime:
        return at - self.delta

    def _align_up(self, at: datetime) -> datetime:
        return at

    def _align_down(self, at: datetime) -> datetime:
        return at

    def _latest_complete_start(self, now: datetime) -> datetime:
        return now - self.delta


#: Tradewind's earlier name, kept for code that imports it.
DeltaTimetable = DeltaDataIntervalTimetable
