"""``@task_group``: a function whose tasks, created when it is called, form a task group.

The group id defaults to the function's name and the tooltip to its docstring. Calling the
function returns what it returned (so ``start >> process(x) >> end`` links its last task,
as in Airflow) or, if it returned nothing, the group itself (so ``>>`` links the group).
Repeated calls make ``name__1``, ``name__2``... groups. ``.partial(...).expand(...)`` and
``.expand_kwargs(...)`` make a mapped group (see ``mapped_task_group``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from tradewind.authoring.mapped_task_group import (
    MappedTaskGroup,
    group_expand_input,
    mapped_group_arguments,
)
from tradewind.authoring.mapping import ExpandInput
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

    def partial(self, **kwargs: Any) -> TaskGroupPartial:
        """Arguments every instance of the mapped group shares; then ``.expand(...)``."""
        self._bind(kwargs, partial=True)
        return TaskGroupPartial(self, kwargs)

    def expand(self, **mapped: Any) -> Any:
        """Run the group's tasks once per element of the mapped arguments (their product)."""
        return TaskGroupPartial(self, {}).expand(**mapped)

    def expand_kwargs(self, source: Any) -> Any:
        """Run the group's tasks once per dict of function arguments in ``source``."""
        return TaskGroupPartial(self, {}).expand_kwargs(source)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._bind(kwargs, args=args)
        return self._build(TaskGroup, {}, args, kwargs)

    @property
    def name(self) -> str:
        return str(self.group_kwargs.get("group_id") or self.function.__name__)

    def _bind(
        self, kwargs: dict[str, Any], *, args: tuple[Any, ...] = (), partial: bool = False
    ) -> None:
        signature = inspect.signature(self.function)
        try:
            (signature.bind_partial if partial else signature.bind)(*args, **kwargs)
        except TypeError as exc:
            raise DagDefinitionError(
                f"bad arguments for task group function {self.function.__name__!r}: {exc}"
            ) from None

    def _build(
        self,
        group_class: type[TaskGroup],
        extra: dict[str, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """Call the function inside a new group: its return value, else the group."""
        options: dict[str, Any] = {
            "group_id": self.function.__name__,
            "add_suffix_on_collision": True,
        }
        options.update(self.group_kwargs)
        with group_class(**options, **extra) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = inspect.cleandoc(self.function.__doc__)
            returned = self.function(*args, **kwargs)
        return group if returned is None else returned


class TaskGroupPartial:
    """``@task_group`` function ``.partial(...)``: shared arguments, waiting for ``.expand``."""

    def __init__(self, decorator: TaskGroupDecorator, kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.kwargs = kwargs
        self._expanded = False

    def expand(self, **mapped: Any) -> Any:
        function = self.decorator.function
        expand_input = group_expand_input(function, self.decorator.name, self.kwargs, mapped)
        return self._create(expand_input, list(mapped))

    def expand_kwargs(self, source: Any) -> Any:
        """Each dict in ``source`` names the values of the parameters not given to
        ``partial()``."""
        where = f"task group {self.decorator.name!r}"
        expand_input = ExpandInput.of_list(source, where)
        names = [
            name
            for name in inspect.signature(self.decorator.function).parameters
            if name not in self.kwargs
        ]
        return self._create(expand_input, names)

    def _create(self, expand_input: ExpandInput, names: list[str]) -> Any:
        if self._expanded:
            raise DagDefinitionError(
                f"partial() of task group {self.decorator.name!r} was expanded twice"
            )
        self._expanded = True
        arguments = mapped_group_arguments(self.decorator.name, self.kwargs, expand_input, names)
        return self.decorator._build(MappedTaskGroup, {"expand_input": expand_input}, (), arguments)


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
