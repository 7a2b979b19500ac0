"""The DAG authoring layer: what DAG files import (never touches the database).

Names are loaded lazily so that importing a single submodule (e.g. the schedules, which the
scheduler needs) does not pull in Jinja and the operators.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DAG": "tradewind.authoring.dag",
    "BaseOperator": "tradewind.authoring.baseoperator",
    "TriggerRule": "tradewind.authoring.trigger_rule",
    "WeightRule": "tradewind.authoring.weight_rule",
    "XComArg": "tradewind.authoring.xcom_arg",
    "Param": "tradewind.authoring.params",
    "ParamsDict": "tradewind.authoring.params",
    "chain": "tradewind.authoring.dependencies",
    "Label": "tradewind.authoring.edgemodifier",
    "EdgeModifier": "tradewind.authoring.edgemodifier",
    "cross_downstream": "tradewind.authoring.dependencies",
    "task": "tradewind.authoring.taskflow",
    "TaskGroup": "tradewind.authoring.task_group",
    "task_group": "tradewind.authoring.task_group_decorator",
    "build_template_context": "tradewind.authoring.context",
    "TaskInstanceLike": "tradewind.authoring.context",
    "get_current_context": "tradewind.authoring.current_context",
    "next_retry_at": "tradewind.authoring.retries",
    "BashOperator": "tradewind.authoring.operators.bash",
    "PythonOperator": "tradewind.authoring.operators.python",
    "EmptyOperator": "tradewind.authoring.operators.empty",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tradewind.authoring' has no attribute {name!r}")
    return getattr(import_module(module), name)
