"""The ``>>`` / ``<<`` operators and :func:`chain`.

Anything that can sit on either side of ``>>`` (an operator, an ``XComArg``, a task group)
implements :class:`DependencyMixin`; lists are flattened so ``[a, b] >> c`` and
``a >> [b, c]`` work. A task group takes upstream edges at its roots and gives downstream
edges from its leaves, so each side of an edge names which end of the object it wants.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.edgemodifier import EdgeModifier


class DependencyMixin:
    """Gives ``>>``/``<<`` to anything that can resolve to one or more operators."""

    def dependency_operators(self) -> list[BaseOperator]:
        """The operators this object stands for when used in a dependency."""
        raise NotImplementedError

    def entry_operators(self) -> list[BaseOperator]:
        """The operators that receive edges coming into this object (a group's roots)."""
        return self.dependency_operators()

    def exit_operators(self) -> list[BaseOperator]:
        """The operators edges leaving this object start from (a group's leaves)."""
        return self.dependency_operators()

    def set_upstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        for operator in self.entry_operators():
            operator.set_upstream(other, edge_modifier=edge_modifier)

    def set_downstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        for operator in self.exit_operators():
            operator.set_downstream(other, edge_modifier=edge_modifier)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Any:
        # ``[a, b] >> self``: lists have no ``>>`` so Python asks the right-hand side.
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return self


End = Literal["entry", "exit"]


def as_operators(value: Any, *, end: End) -> list[BaseOperator]:
    """Flatten an operator, ``XComArg``, task group or an iterable of those into operators.

    ``end`` says which side of an edge ``value`` is on: ``"entry"`` when the edge comes
    into it (a group's roots), ``"exit"`` when the edge leaves it (a group's leaves).
    """
    return [operator for item in flatten(value) for operator in _end_operators(item, end)]


def split_edge_modifiers(value: Any, *, end: End) -> tuple[list[BaseOperator], list[EdgeModifier]]:
    """The operators in ``value`` and, apart, the edge modifiers (``Label``) among them."""
    from tradewind.authoring.edgemodifier import EdgeModifier

    items = flatten(value)
    modifiers = [item for item in items if isinstance(item, EdgeModifier)]
    operators = [op for item in items for op in _end_operators(item, end)]
    return operators, modifiers


def _end_operators(item: DependencyMixin, end: End) -> list[BaseOperator]:
    return item.entry_operators() if end == "entry" else item.exit_operators()


def flatten(value: Any) -> list[DependencyMixin]:
    """An operator, ``XComArg``, task group, ``Label`` or an iterable of those, flat."""
    if isinstance(value, DependencyMixin):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        result: list[DependencyMixin] = []
        for item in value:
            result.extend(flatten(item))
        return result
    raise TypeError(
        f"dependencies can only be set between operators (or lists of them), "
        f"got {type(value).__name__}: {value!r}"
    )


def chain(*tasks: Any) -> None:
    """Set ``tasks[0] >> tasks[1] >> ...``.

    A list next to a single task fans out or in; two adjacent lists must have the same
    length and are linked pairwise (``[a, b], [c, d]`` means ``a >> c`` and ``b >> d``).
    """
    for upstream, downstream in itertools.pairwise(tasks):
        up_is_list = _is_list(upstream)
        down_is_list = _is_list(downstream)
        if up_is_list and down_is_list:
            if len(upstream) != len(downstream):
                raise ValueError(
                    f"chain() got adjacent lists of different lengths "
                    f"({len(upstream)} and {len(downstream)}); they are linked pairwise"
                )
            for up, down in zip(upstream, downstream, strict=True):
                _link(up, down)
        else:
            _link(upstream, downstream)


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Make every task in ``to_tasks`` downstream of every task in ``from_tasks``."""
    for task in from_tasks:
        _link(task, to_tasks)


def _link(upstream: Any, downstream: Any) -> None:
    for item in flatten(upstream):  # a Label in a chain links what comes before and after it
        item.set_downstream(downstream)


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)
