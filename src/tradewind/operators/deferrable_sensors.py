"""Public import path of the deferrable time sensors (see
:mod:`tradewind.authoring.deferrable_sensors`)."""

from __future__ import annotations

from tradewind.authoring.deferrable_sensors import DateTimeSensorAsync, TimeDeltaSensorAsync

__all__ = ["DateTimeSensorAsync", "TimeDeltaSensorAsync"]
