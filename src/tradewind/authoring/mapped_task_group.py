"""Mapped task groups: a ``@task_group`` function called with ``.partial(...).expand(...)``.

The function runs once, at parse time, with a :class:`MappedArgument` standing in for each
mapped parameter; the tasks it creates form a :class:`MappedTaskGroup`. Every task in that
group is mapped with the group's expansion: the scheduler gives each the same number of
instances, instance ``i`` of a task inside waits for instance ``i`` of the tasks inside it
depends on (and pulls their XCom), and a ``MappedArgument`` resolves, when instance ``i``
renders its fields, to element ``i`` of the group's input. What follows the group sees all
instances, as it would for a mapped task.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tradewind.authoring.mapping import ExpandInput, check_function_names
from tradewind.authoring.resolvable import Resolvable
from tradewind.authoring.task_group import TaskGroup
from tradewind.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator


class MappedTaskGroup(TaskGroup):
    """A task group whose tasks all run once per element of ``expand_input``."""

    is_mapped = True

    def __init__(self, *, expand_input: ExpandInput, **group_kwargs: Any) -> None:
        super().__init__(**group_kwargs)
        self.expand_input = expand_input
        assert self.parent_group is not None
        outer: TaskGroup | None = self.parent_group
        while outer is not None and not outer.is_mapped:
            outer = outer.parent_group
        if outer is not None:
            raise DagDefinitionError(
                f"mapped task group {self.group_id!r} is inside mapped task group "
                f"{outer.group_id!r}; Tradewind does not map a group within a mapped group"
            )

    def expansion_spec(self) -> dict[str, Any]:
        """What each task inside is sized from: the group's input, and the group's id (the
        scheduler matches instances index by index between tasks of the same group)."""
        return {**self.expand_input.spec(), "group": self.group_id}

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        if exc_type is not None:
            return
        # The tasks that produce the group's input run before any task of the group.
        producers = list(self.expand_input.references())
        for root in self.roots:
            for producer in producers:
                if producer.task_id not in root.upstream_task_ids:
                    root.set_upstream(producer)


class MappedArgument(Resolvable):
    """A mapped parameter of a task group function: element ``i`` of the group's input in
    the fields of instance ``i`` of a task inside the group."""

    def __init__(self, expand_input: ExpandInput, name: str, group_name: str) -> None:
        self.expand_input = expand_input
        self.name = name
        self.group_name = group_name

    def __repr__(self) -> str:
        return f"MappedArgument({self.group_name}.{self.name})"

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"{self!r} is not iterable at DAG definition time: each instance of the mapped "
            f"task group gets its own element when it runs"
        )

    def iter_references(self) -> Iterator[BaseOperator]:
        yield from self.expand_input.references()

    def resolve(self, context: Mapping[str, Any]) -> Any:
        map_index = getattr(context["ti"], "map_index", -1)
        if map_index < 0:
            raise RuntimeError(
                f"{self!r} is read by task {context['task'].task_id!r}, which is not an "
                f"instance of mapped task group {self.group_name!r}"
            )
        arguments = self.expand_input.arguments(map_index, context)
        if self.name not in arguments:
            raise TypeError(
                f"mapped task group {self.group_name!r}: element {map_index} of "
                f"expand_kwargs() gives {sorted(arguments)}, not parameter {self.name!r}"
            )
        return arguments[self.name]


def mapped_group_arguments(
    group_name: str,
    partial_args: dict[str, Any],
    expand_input: ExpandInput,
    mapped_names: list[str],
) -> dict[str, Any]:
    """The keyword arguments the group function is called with: the partial values, and a
    :class:`MappedArgument` for each mapped parameter."""
    arguments = dict(partial_args)
    for name in mapped_names:
        arguments[name] = MappedArgument(expand_input, name, group_name)
    return arguments


def group_expand_input(
    function: Any, group_name: str, partial_args: dict[str, Any], mapped: dict[str, Any]
) -> ExpandInput:
    """``expand(a=..., b=...)`` of a group function, its names checked against the function."""
    where = f"task group {group_name!r}"
    check_function_names(function, partial_args, mapped, where)
    for name, value in mapped.items():
        if isinstance(value, MappedArgument):
            raise DagDefinitionError(
                f"expand() argument {name!r} of {where} is a mapped argument of another "
                f"group; Tradewind does not map a group within a mapped group"
            )
    return ExpandInput.of_kwargs(mapped, where)


__all__ = [
    "MappedArgument",
    "MappedTaskGroup",
    "group_expand_input",
    "mapped_group_arguments",
]
