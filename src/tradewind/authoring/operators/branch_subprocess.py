"""Branching from a function run in another interpreter (a virtualenv, or a given Python).

The function runs as ``PythonVirtualenvOperator`` / ``ExternalPythonOperator`` run it; what
it returns is the task id(s) to follow, as with ``BranchPythonOperator``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.operators.branch import BranchMixIn
from tradewind.authoring.operators.external_python import ExternalPythonOperator
from tradewind.authoring.operators.virtualenv import PythonVirtualenvOperator


class BranchPythonVirtualenvOperator(PythonVirtualenvOperator, BranchMixIn):
    """A :class:`PythonVirtualenvOperator` whose function returns the task id(s) to follow."""

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))


class BranchExternalPythonOperator(ExternalPythonOperator, BranchMixIn):
    """An :class:`ExternalPythonOperator` whose function returns the task id(s) to follow."""

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))
