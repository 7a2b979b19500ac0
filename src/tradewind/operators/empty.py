"""Public import path of :class:`~tradewind.authoring.operators.empty.EmptyOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.empty import EmptyOperator

__all__ = ["EmptyOperator"]
