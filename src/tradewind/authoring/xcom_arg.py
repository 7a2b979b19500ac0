"""XComArg: a reference to a value another task will push to XCom.

Passing ``extract()`` (TaskFlow) or ``op.output`` into another task's arguments both wires the
dependency and, at run time, pulls the value through the task instance's ``xcom_pull``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from tradewind.authoring.dependencies import DependencyMixin
from tradewind.authoring.resolvable import Resolvable
from tradewind.exceptions import XComNotFound

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator

RETURN_VALUE_KEY = "return_value"


class XComArg(Resolvable, DependencyMixin):
    """The XCom ``key`` (default: the return value) pushed by ``operator``."""

    def __init__(self, operator: BaseOperator, key: str = RETURN_VALUE_KEY) -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> XComArg:
        """``extract()["rows"]``: the XCom pushed under ``key`` (see ``multiple_outputs``)."""
        return XComArg(self.operator, key)

    def __iter__(self) -> NoReturn:
        # Without this, Python would "iterate" via __getitem__(0), __getitem__(1), ... forever.
        raise TypeError(
            f"an XComArg ({self!r}) is not iterable at DAG definition time; its value "
            f"only exists when the task runs"
        )

    def __repr__(self) -> str:
        return f"XComArg(task_id={self.operator.task_id!r}, key={self.key!r})"

    def __str__(self) -> str:
        """A template that pulls this value, so ``f"echo {extract()}"`` works in a templated
        field, as in Airflow 2 (text adds no dependency: set one with ``>>``)."""
        arguments = [f"task_ids={self.operator.task_id!r}"]
        if self.operator.dag_id is not None:
            arguments.append(f"dag_id={self.operator.dag_id!r}")
        arguments.append(f"key={self.key!r}")
        return "{{ task_instance.xcom_pull(" + ", ".join(arguments) + ") }}"

    def dependency_operators(self) -> list[BaseOperator]:
        return [self.operator]

    def iter_references(self) -> Iterator[BaseOperator]:
        yield self.operator

    def resolve(self, context: Mapping[str, Any]) -> Any:
        """The pushed value; ``None`` if the task pushed no return value (or, with
        ``multiple_outputs``, no such key); :class:`XComNotFound` for another missing key."""
        task_id = self.operator.task_id
        value = context["ti"].xcom_pull(task_ids=task_id, key=self.key, default=_MISSING)
        if value is not _MISSING:
            return value
        if self.key == RETURN_VALUE_KEY or getattr(self.operator, "multiple_outputs", False):
            return None
        raise XComNotFound(self.operator.dag_id or "", task_id, self.key)


_MISSING: Any = object()
