"""``@task_group``: a function whose tasks, created when it is called, form a task group.

The group id defaults to the function's name and the tooltip to its docstring. Calling the
function returns what it returned (so ``start >> process(x) >> end`` links its last task,
as in Airflow) or, if it returned nothing, the group itself (so ``>>`` links the group).
Repeated calls make ``name__1``, ``name__2``... groups.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from tradewind.authoring.task_group import TaskGroup
from tradewind.exceptions import DagDefinitionError

_GROUP_ARGUMENTS = frozenset(inspect.signature(TaskGroup.__init__).parameters) - {"self"}


class TaskGroupDecorator:
    """What ``@task_group`` returns: call it inside a DAG to build one group."""

    def __init__(self, function: Callable[..., Any], group_kwargs: dict[str, Any]) -> None:
        unknown = sorted(set(group_kwargs) - _GROUP_ARGUMENTS)
        if unknown:
            raise DagDefinitionError(
                f"@task_group on {function.__name__!r} got unknown arguments {unknown}; "
                f"it takes {sorted(_GROUP_ARGUMENTS)}"
            )
        self.function = function
        self.group_kwargs = group_kwargs
        functools.update_wrapper(self, function)

    def override(self, **group_kwargs: Any) -> TaskGroupDecorator:
        """A copy with other group arguments (``process.override(group_id="x")(...)``)."""
        return TaskGroupDecorator(self.function, {**self.group_kwargs, **group_kwargs})

    def expand(self, **_: Any) -> Any:
        raise DagDefinitionError(
            f"task group {self.function.__name__!r}: mapping a task group (.expand/.partial) "
            f"is not supported by Tradewind yet; call the group once per value instead"
        )

    partial = expand

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            inspect.signature(self.function).bind(*args, **kwargs)
        except TypeError as exc:
            raise DagDefinitionError(
                f"bad arguments for task group function {self.function.__name__!r}: {exc}"
            ) from None
        options: dict[str, Any] = {
            "group_id": self.function.__name__,
            "add_suffix_on_collision": True,
        }
        options.update(self.group_kwargs)
        with TaskGroup(**options) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = inspect.cleandoc(self.function.__doc__)
            returned = self.function(*args, **kwargs)
        return group if returned is None else returned


def task_group(python_callable: Callable[..., Any] | None = None, **group_kwargs: Any) -> Any:
    """``@task_group`` or ``@task_group(group_id=..., tooltip=..., default_args=...)``."""
    if python_callable is not None and not callable(python_callable):
        if isinstance(python_callable, str):  # @task_group("name"): the id, positionally
            return lambda function: TaskGroupDecorator(
                function, {"group_id": python_callable, **group_kwargs}
            )
        raise DagDefinitionError(f"@task_group must decorate a function, got {python_callable!r}")
    if python_callable is None:
        return lambda function: TaskGroupDecorator(function, group_kwargs)
    return TaskGroupDecorator(python_callable, group_kwargs)
