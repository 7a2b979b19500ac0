"""Sensors: tasks that wait for a condition (one module per sensor)."""

from __future__ import annotations

from tradewind.authoring.sensors.base import BaseSensorOperator, PokeReturnValue
from tradewind.authoring.sensors.bash import BashSensor
from tradewind.authoring.sensors.date_time import DateTimeSensor
from tradewind.authoring.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from tradewind.authoring.sensors.filesystem import FileSensor
from tradewind.authoring.sensors.python import PythonSensor
from tradewind.authoring.sensors.time_delta import TimeDeltaSensor
from tradewind.authoring.sensors.time_sensor import TimeSensor, TimeSensorAsync
from tradewind.authoring.sensors.weekday import DayOfWeekSensor

__all__ = [
    "BaseSensorOperator",
    "BashSensor",
    "DateTimeSensor",
    "DayOfWeekSensor",
    "ExternalTaskMarker",
    "ExternalTaskSensor",
    "FileSensor",
    "PokeReturnValue",
    "PythonSensor",
    "TimeDeltaSensor",
    "TimeSensor",
    "TimeSensorAsync",
]
