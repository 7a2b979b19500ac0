"""Public import path of :class:`~tradewind.authoring.operators.python.PythonOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.python import PythonOperator

__all__ = ["PythonOperator"]
