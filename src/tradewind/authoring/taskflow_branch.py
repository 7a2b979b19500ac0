"""``@task.branch``: a TaskFlow function that returns the task id(s) to follow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.operators.branch import BranchMixIn
from tradewind.authoring.taskflow import DecoratedPythonOperator


class DecoratedBranchOperator(DecoratedPythonOperator, BranchMixIn):
    """Runs the function like ``@task``, then branches on what it returned."""

    custom_operator_name = "@task.branch"

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))
