"""TimeDeltaSensor: wait until ``delta`` after the end of the run's data interval."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import DagDefinitionError


class TimeDeltaSensor(BaseSensorOperator):
    def __init__(self, *, delta: timedelta, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._accept_deferrable(deferrable)
        if not isinstance(delta, timedelta):
            raise DagDefinitionError(
                f"delta of sensor {self.task_id!r} must be a timedelta, not {delta!r}"
            )
        self.delta = delta

    def poke(self, context: Mapping[str, Any]) -> bool:
        target = context["data_interval_end"] + self.delta
        return bool(datetime.now(UTC) >= target)
