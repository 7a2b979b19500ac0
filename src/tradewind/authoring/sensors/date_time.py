"""DateTimeSensor: wait until a date and time (a datetime or a templated string)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.authoring.timezone import coerce_utc, parse_datetime
from tradewind.exceptions import DagDefinitionError


class DateTimeSensor(BaseSensorOperator):
    template_fields: Sequence[str] = ("target_time",)

    def __init__(
        self, *, target_time: str | datetime, deferrable: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._accept_deferrable(deferrable)
        if isinstance(target_time, datetime):
            self.target_time = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise DagDefinitionError(
                f"target_time of sensor {self.task_id!r} must be a datetime or a string, "
                f"not {target_time!r}"
            )

    def poke(self, context: Mapping[str, Any]) -> bool:
        target = coerce_utc(parse_datetime(self.target_time))
        return bool(datetime.now(UTC) >= target)
