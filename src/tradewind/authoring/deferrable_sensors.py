"""``TimeDeltaSensorAsync`` and ``DateTimeSensorAsync``: time waits that hold no slot.

Airflow's deferrable twins of ``TimeDeltaSensor`` and ``DateTimeSensor``. Each defers on a
``DateTimeTrigger`` right away, so the wait costs a coroutine in the triggerer instead of an
executor slot, and ends when the moment comes. They are plain operators here (built on
``BaseOperator``, not a sensor base class): they never poke, so ``poke_interval`` and
``mode`` mean nothing to them. ``timeout`` (seconds or a timedelta) fails the task with
``TaskDeferralTimeout`` if the moment has not come by then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.timezone import parse_datetime, utcnow
from tradewind.authoring.triggers.temporal import DateTimeTrigger
from tradewind.exceptions import DagDefinitionError


def _as_timeout(timeout: float | timedelta | None, task_id: str) -> timedelta | None:
    if timeout is None or isinstance(timeout, timedelta):
        return timeout
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return timedelta(seconds=timeout)
    raise DagDefinitionError(
        f"timeout of task {task_id!r} must be seconds or a timedelta, got {timeout!r}"
    )


class DateTimeSensorAsync(BaseOperator):
    """Waits until ``target_time`` (a datetime, or a templated string such as
    ``"{{ data_interval_end.add(hours=1) }}"``), deferred the whole time."""

    template_fields: Sequence[str] = ("target_time",)
    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        target_time: str | datetime,
        timeout: float | timedelta | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_time, (str, datetime)):
            raise DagDefinitionError(
                f"target_time of task {self.task_id!r} must be a datetime or a string, "
                f"got {type(target_time).__name__}"
            )
        self.target_time = target_time
        self.timeout = _as_timeout(timeout, self.task_id)

    def execute(self, context: Mapping[str, Any]) -> None:
        moment = self.target_time
        if isinstance(moment, str):
            moment = parse_datetime(moment)
        self.defer(
            trigger=DateTimeTrigger(moment=moment),
            method_name="execute_complete",
            timeout=self.timeout,
        )

    def execute_complete(self, context: Mapping[str, Any], event: Any = None) -> None:
        """The moment came: the task succeeds."""
        return None


class TimeDeltaSensorAsync(BaseOperator):
    """Waits until ``delta`` after the run's data interval ends, deferred the whole time."""

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        delta: timedelta,
        timeout: float | timedelta | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(delta, timedelta):
            raise DagDefinitionError(
                f"delta of task {self.task_id!r} must be a timedelta, got {delta!r}"
            )
        self.delta = delta
        self.timeout = _as_timeout(timeout, self.task_id)

    def execute(self, context: Mapping[str, Any]) -> None:
        end = context.get("data_interval_end") or context.get("logical_date") or utcnow()
        self.defer(
            trigger=DateTimeTrigger(moment=end + self.delta),
            method_name="execute_complete",
            timeout=self.timeout,
        )

    def execute_complete(self, context: Mapping[str, Any], event: Any = None) -> None:
        """The moment came: the task succeeds."""
        return None
