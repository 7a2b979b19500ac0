"""Cron-expression schedules whose runs cover the interval between two ticks.

``schedule="0 0 * * *"`` (or ``"@daily"``) builds one in UTC;
``CronDataIntervalTimetable(cron, timezone)`` is the same under Airflow's name, with the cron
fields read in ``timezone``.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo
from typing import Any

from croniter import croniter

from tradewind.authoring.schedules.base import DataInterval
from tradewind.authoring.schedules.interval import IntervalTimetable
from tradewind.authoring.schedules.zones import in_zone, zone_for, zone_name
from tradewind.authoring.timezone import coerce_utc

#: Presets accepted in place of a cron expression (the ones Airflow users write).
CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class InvalidCronExpression(ValueError):
    """Raised for an expression croniter cannot parse; the DAG layer adds the DAG id."""


def cron_expression(expression: str) -> str:
    """The expression behind a preset, checked: raises :class:`InvalidCronExpression`."""
    resolved = CRON_PRESETS.get(expression, expression)
    if not isinstance(resolved, str) or not _is_valid(resolved):
        raise InvalidCronExpression(f"invalid cron expression {expression!r}")
    return resolved


class CronDataIntervalTimetable(IntervalTimetable):
    """Each run covers one tick-to-tick interval and is due when it ends (Airflow's default
    for a cron ``schedule``)."""

    type_name = "cron"

    def __init__(self, cron: str, timezone: str | tzinfo = UTC) -> None:
        self.expression = cron_expression(cron)
        self.zone = zone_for(timezone)

    @property
    def summary(self) -> str:
        return self.expression

    def serialize(self) -> dict[str, Any]:
        data: dict[str, Any] = {"__type": self.type_name, "expression": self.expression}
        if self.zone is not UTC:  # UTC DAGs keep the format (and hash) they always had
            data["timezone"] = zone_name(self.zone)
        return data

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        # A manual run covers the last period that is complete at trigger time.
        end = self._align_down(coerce_utc(run_after))
        return DataInterval(start=self._prev(end), end=end)

    def _next(self, at: datetime) -> datetime:
        return coerce_utc(croniter(self.expression, in_zone(at, self.zone)).get_next(datetime))

    def _prev(self, at: datetime) -> datetime:
        return coerce_utc(croniter(self.expression, in_zone(at, self.zone)).get_prev(datetime))

    def _align_up(self, at: datetime) -> datetime:
        return at if self._is_boundary(at) else self._next(at)

    def _align_down(self, at: datetime) -> datetime:
        return at if self._is_boundary(at) else self._prev(at)

    def _latest_complete_start(self, now: datetime) -> datetime:
        return self._prev(self._align_down(now))

    def _is_boundary(self, at: datetime) -> bool:
        return self._next(self._prev(at)) == at


#: Tradewind's earlier name, kept for code that imports it.
CronTimetable = CronDataIntervalTimetable


@functools.lru_cache(maxsize=256)
def _is_valid(expression: str) -> bool:
    """Cached: croniter's check expands the whole expression, and a DAG folder uses the
    same few expressions over and over (one check per DAG was 8% of parsing a ten-task DAG)."""
    try:
        return bool(croniter.is_valid(expression))
    except Exception:
        return False
