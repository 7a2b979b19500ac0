"""``@task.short_circuit``: a TaskFlow function whose falsy result skips what follows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.operators.short_circuit import ShortCircuitMixIn
from tradewind.authoring.taskflow import DecoratedPythonOperator


class DecoratedShortCircuitOperator(DecoratedPythonOperator, ShortCircuitMixIn):
    """Runs the function like ``@task``, then short-circuits on its truthiness."""

    custom_operator_name = "@task.short_circuit"

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = bool(ignore_downstream_trigger_rules)

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.short_circuit(context, super().execute(context))
