"""ShortCircuitOperator: go on only when a condition holds, otherwise skip what follows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.operators.python import PythonOperator
from tradewind.authoring.skipping import (
    SKIPPED,
    SkipsDownstream,
    log,
    record_decision,
    short_circuit_skips,
    skip,
)


class ShortCircuitMixIn(SkipsDownstream):
    """Gives an operator :meth:`short_circuit`; the operator sets the attribute below."""

    ignore_downstream_trigger_rules: bool = True

    def short_circuit(self, context: Mapping[str, Any], condition: Any) -> Any:
        """Skip below when ``condition`` is falsy; ``condition`` is the task's return value.

        With ``ignore_downstream_trigger_rules`` (the default) every task below is skipped,
        whatever its trigger rule; without it, only the direct downstream tasks are, and the
        trigger rules of the tasks further down decide for them.
        """
        if condition:
            log.info("Condition result is %r: proceeding with downstream tasks", condition)
            return condition
        task: BaseOperator = context["task"]
        log.info("Condition result is %r: short-circuiting", condition)
        skipped = short_circuit_skips(
            task, ignore_downstream_trigger_rules=self.ignore_downstream_trigger_rules
        )
        skip(context, skipped)
        if skipped:
            record_decision(context, SKIPPED, skipped)
        return condition


class ShortCircuitOperator(PythonOperator, ShortCircuitMixIn):
    """A :class:`PythonOperator` whose callable's truthiness decides whether anything below
    it runs."""

    ui_color = "#ffefeb"

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = bool(ignore_downstream_trigger_rules)

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.short_circuit(context, super().execute(context))
