"""TimeSensor: wait until a time of day (in the DAG's time zone) on the day the task runs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import DagDefinitionError


class TimeSensor(BaseSensorOperator):
    def __init__(self, *, target_time: time, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._accept_deferrable(deferrable)
        if not isinstance(target_time, time):
            raise DagDefinitionError(
                f"target_time of sensor {self.task_id!r} must be a datetime.time, "
                f"not {target_time!r}"
            )
        self.target_time = target_time

    def deferral_trigger(self, context: Mapping[str, Any]) -> Any:
        from tradewind.authoring.triggers.temporal import DateTimeTrigger

        return DateTimeTrigger(self._next_moment(context))

    def _next_moment(self, context: Mapping[str, Any]) -> datetime:
        """Today's ``target_time`` in the DAG's zone, or now if it has passed already."""
        dag = context.get("dag")
        zone = getattr(dag, "timezone", None) or UTC
        now = datetime.now(zone)
        moment = datetime.combine(now.date(), self.target_time.replace(tzinfo=None), zone)
        return max(moment, now).astimezone(UTC)

    def poke(self, context: Mapping[str, Any]) -> bool:
        dag = context.get("dag")
        zone = getattr(dag, "timezone", None) or UTC
        now = datetime.now(zone)
        return bool(now.time().replace(tzinfo=None) >= self.target_time.replace(tzinfo=None))


class TimeSensorAsync(TimeSensor):
    """Airflow's deferrable twin of :class:`TimeSensor`: waits in the triggerer, no slot."""

    def __init__(self, *, target_time: time, **kwargs: Any) -> None:
        kwargs.pop("deferrable", None)
        super().__init__(target_time=target_time, deferrable=True, **kwargs)
