"""Public import path of :class:`~tradewind.authoring.operators.latest_only.LatestOnlyOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.latest_only import LatestOnlyOperator

__all__ = ["LatestOnlyOperator"]
