"""PythonSensor: wait until a Python callable returns something truthy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.authoring.operators.python import callable_kwargs
from tradewind.authoring.sensors.base import BaseSensorOperator, PokeReturnValue
from tradewind.exceptions import DagDefinitionError


class PythonSensor(BaseSensorOperator):
    """Pokes ``python_callable(*op_args, **op_kwargs)``, passing the context values it names;
    a truthy result (or ``PokeReturnValue(True, value)``) ends the wait."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise DagDefinitionError(
                f"python_callable of sensor {self.task_id!r} must be callable, "
                f"got {python_callable!r}"
            )
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = dict(templates_dict) if templates_dict is not None else None

    def poke(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        available = {**context, "templates_dict": self.templates_dict, **self.op_kwargs}
        kwargs = callable_kwargs(self.python_callable, self.op_args, available)
        result = self.python_callable(*self.op_args, **kwargs)
        if isinstance(result, PokeReturnValue):
            return result
        return bool(result)
