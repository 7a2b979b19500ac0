"""Tradewind: a workflow orchestrator with Airflow's DAG model and experimental REST API.

What DAG authors import lives here and in :mod:`tradewind.decorators` and
:mod:`tradewind.operators`; nothing in this surface touches the metadata database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.authoring.connection import Connection
    from tradewind.authoring.current_context import get_current_context
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.params import Param
    from tradewind.authoring.task_group import TaskGroup
    from tradewind.authoring.variable import Variable

__version__ = "0.1.0"

__all__ = [
    "DAG",
    "Connection",
    "Param",
    "TaskGroup",
    "Variable",
    "__version__",
    "get_current_context",
]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``import tradewind`` (done by every CLI command) stays cheap.
    if name == "DAG":
        from tradewind.authoring.dag import DAG

        return DAG
    if name == "TaskGroup":
        from tradewind.authoring.task_group import TaskGroup

        return TaskGroup
    if name == "get_current_context":
        from tradewind.authoring.current_context import get_current_context

        return get_current_context
    if name == "Param":
        from tradewind.authoring.params import Param

        return Param
    if name == "Variable":
        from tradewind.authoring.variable import Variable

        return Variable
    if name == "Connection":
        from tradewind.authoring.connection import Connection

        return Connection
    raise AttributeError(f"module 'tradewind' has no attribute {name!r}")
