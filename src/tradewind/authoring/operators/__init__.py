"""The operators shipped with Tradewind."""

from __future__ import annotations

from tradewind.authoring.operators.bash import BashOperator
from tradewind.authoring.operators.empty import EmptyOperator
from tradewind.authoring.operators.python import PythonOperator

__all__ = ["BashOperator", "EmptyOperator", "PythonOperator"]
