"""``@task.virtualenv`` and ``@task.external_python``: TaskFlow in another interpreter.

The call's arguments become the operator's ``op_args``/``op_kwargs`` (XComArgs resolved
before the function is sent), and the return value comes back as the task's XCom, split
into one XCom per key with ``multiple_outputs``, as with ``@task``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.operators.branch import BranchMixIn
from tradewind.authoring.operators.external_python import ExternalPythonOperator
from tradewind.authoring.operators.virtualenv import PythonVirtualenvOperator


class _MultipleOutputs:
    """``multiple_outputs``: a returned dict is pushed key by key too, as ``@task`` does."""

    task_id: str

    def push_outputs(self, context: Mapping[str, Any], result: Any) -> None:
        if result is None:
            return
        if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
            raise TypeError(
                f"task {self.task_id!r} has multiple_outputs=True, so it must return a dict "
                f"with string keys, not {result!r}"
            )
        for key, value in result.items():
            context["ti"].xcom_push(key=key, value=value)


class DecoratedVirtualenvOperator(_MultipleOutputs, PythonVirtualenvOperator):
    custom_operator_name = "@task.virtualenv"

    def __init__(self, *, multiple_outputs: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiple_outputs = multiple_outputs

    def execute(self, context: Mapping[str, Any]) -> Any:
        result = super().execute(context)
        if self.multiple_outputs:
            self.push_outputs(context, result)
        return result


class DecoratedExternalPythonOperator(_MultipleOutputs, ExternalPythonOperator):
    custom_operator_name = "@task.external_python"

    def __init__(self, *, multiple_outputs: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiple_outputs = multiple_outputs

    def execute(self, context: Mapping[str, Any]) -> Any:
        result = super().execute(context)
        if self.multiple_outputs:
            self.push_outputs(context, result)
        return result


class DecoratedBranchVirtualenvOperator(DecoratedVirtualenvOperator, BranchMixIn):
    """``@task.branch_virtualenv``: branches on what the function returned."""

    custom_operator_name = "@task.branch_virtualenv"

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))


class DecoratedBranchExternalPythonOperator(DecoratedExternalPythonOperator, BranchMixIn):
    """``@task.branch_external_python``: branches on what the function returned."""

    custom_operator_name = "@task.branch_external_python"

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))
