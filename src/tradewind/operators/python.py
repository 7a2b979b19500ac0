"""Public import path of :class:`~tradewind.authoring.operators.python.PythonOperator`.

``BranchPythonOperator``, ``ShortCircuitOperator`` and ``get_current_context`` live here
too, where Airflow 2 DAG files import them from.
"""

from __future__ import annotations

from tradewind.authoring.current_context import get_current_context
from tradewind.authoring.operators.branch import BranchPythonOperator
from tradewind.authoring.operators.branch_subprocess import (
    BranchExternalPythonOperator,
    BranchPythonVirtualenvOperator,
)
from tradewind.authoring.operators.external_python import ExternalPythonOperator
from tradewind.authoring.operators.python import PythonOperator
from tradewind.authoring.operators.short_circuit import ShortCircuitOperator
from tradewind.authoring.operators.virtualenv import PythonVirtualenvOperator

__all__ = [
    "BranchExternalPythonOperator",
    "BranchPythonOperator",
    "BranchPythonVirtualenvOperator",
    "ExternalPythonOperator",
    "PythonOperator",
    "PythonVirtualenvOperator",
    "ShortCircuitOperator",
    "get_current_context",
]
