"""Public import path of :class:`TriggerDagRunOperator` (Airflow's module name)."""

from __future__ import annotations

from tradewind.authoring.operators.trigger_dagrun import TriggerDagRunOperator

__all__ = ["TriggerDagRunOperator"]
