"""``@task.sensor``: a TaskFlow function poked like a PythonSensor.

It returns a bool, or a ``PokeReturnValue`` whose ``xcom_value`` becomes the task's
return value (what a downstream task receives from the call).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.operators.python import callable_kwargs
from tradewind.authoring.sensors.base import BaseSensorOperator, PokeReturnValue
from tradewind.authoring.taskflow import DecoratedPythonOperator


class DecoratedSensorOperator(BaseSensorOperator, DecoratedPythonOperator):
    custom_operator_name = "@task.sensor"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("multiple_outputs", None)
        super().__init__(multiple_outputs=False, **kwargs)

    def poke(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        kwargs = callable_kwargs(self.python_callable, self.op_args, context)
        kwargs.update(self.op_kwargs)
        result = self.python_callable(*self.op_args, **kwargs)
        return result if isinstance(result, PokeReturnValue) else bool(result)

    def execute(self, context: Mapping[str, Any]) -> Any:
        return BaseSensorOperator.execute(self, context)
