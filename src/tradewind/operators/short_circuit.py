"""Public import path of
:class:`~tradewind.authoring.operators.short_circuit.ShortCircuitOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.short_circuit import ShortCircuitOperator

__all__ = ["ShortCircuitOperator"]
