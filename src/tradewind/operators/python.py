"""Public import path of :class:`~tradewind.authoring.operators.python.PythonOperator`.

``get_current_context`` lives here too, where Airflow 2 DAG files import it from.
"""

from __future__ import annotations

from tradewind.authoring.current_context import get_current_context
from tradewind.authoring.operators.external_python import ExternalPythonOperator
from tradewind.authoring.operators.python import PythonOperator
from tradewind.authoring.operators.virtualenv import PythonVirtualenvOperator

__all__ = [
    "ExternalPythonOperator",
    "PythonOperator",
    "PythonVirtualenvOperator",
    "get_current_context",
]
