"""Triggers that wait for a moment: ``DateTimeTrigger`` and ``TimeDeltaTrigger``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from tradewind.authoring.timezone import utcnow
from tradewind.authoring.triggers.base import BaseTrigger, TriggerEvent


class DateTimeTrigger(BaseTrigger):
    """Fires at ``moment`` (a timezone-aware datetime); the event's payload is ``moment``."""

    def __init__(self, moment: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(moment, datetime):
            raise TypeError(f"DateTimeTrigger needs a datetime moment, got {moment!r}")
        if moment.tzinfo is None:
            raise ValueError(
                f"DateTimeTrigger's moment {moment.isoformat()} has no timezone: give an aware "
                "datetime (pendulum, or datetime with tzinfo=timezone.utc)"
            )
        self.moment = moment

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("tradewind.authoring.triggers.temporal.DateTimeTrigger", {"moment": self.moment})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # Sleep in steps of at most an hour: a long sleep stays correct across clock changes.
        while (left := (self.moment - utcnow()).total_seconds()) > 0:
            await asyncio.sleep(min(left, 3600.0))
        yield TriggerEvent(self.moment)


class TimeDeltaTrigger(DateTimeTrigger):
    """Fires ``delta`` after it is created (that is, after the task deferred)."""

    def __init__(self, delta: timedelta, **kwargs: Any) -> None:
        if not isinstance(delta, timedelta):
            raise TypeError(f"TimeDeltaTrigger needs a timedelta, got {delta!r}")
        super().__init__(moment=utcnow() + delta, **kwargs)
