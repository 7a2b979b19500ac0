"""``@setup`` and ``@teardown``: TaskFlow tasks marked as a setup or a teardown.

Either decorates a plain function (it becomes a ``@task``) or a task decorator already
applied (``@setup`` over ``@task.bash``). Each call adds a marked task and returns its
``XComArg``, so ``delete(create())`` makes ``delete`` the teardown of ``create``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.taskflow import TaskDecorator, task
from tradewind.authoring.xcom_arg import XComArg
from tradewind.exceptions import DagDefinitionError


class MarkedTaskDecorator:
    """A task decorator whose every call marks the new task (as a setup or a teardown)."""

    def __init__(self, inner: TaskDecorator, mark: Callable[[BaseOperator], None]) -> None:
        self.inner = inner
        self.mark = mark
        functools.update_wrapper(self, inner.function)

    @property
    def function(self) -> Callable[..., Any]:
        return self.inner.function

    def override(self, **operator_kwargs: Any) -> MarkedTaskDecorator:
        return MarkedTaskDecorator(self.inner.override(**operator_kwargs), self.mark)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        output = self.inner(*args, **kwargs)
        self.mark(output.operator)
        return output


def _as_task_decorator(value: Any, name: str) -> TaskDecorator:
    if isinstance(value, TaskDecorator):
        return value
    if callable(value):
        decorated = task(value)
        assert isinstance(decorated, TaskDecorator)
        return decorated
    raise DagDefinitionError(f"{name} must decorate a function, got {value!r}")


def setup(python_callable: Any) -> MarkedTaskDecorator:
    """``@setup``: calls of the function add setup tasks."""
    return MarkedTaskDecorator(_as_task_decorator(python_callable, "@setup"), _mark_setup)


def _mark_setup(operator: BaseOperator) -> None:
    operator.as_setup()


def teardown(python_callable: Any = None, *, on_failure_fail_dagrun: bool = False) -> Any:
    """``@teardown`` or ``@teardown(on_failure_fail_dagrun=True)``: calls add teardowns.

    A teardown's failure fails the run only with ``on_failure_fail_dagrun=True``.
    """

    def mark(operator: BaseOperator) -> None:
        operator.as_teardown(on_failure_fail_dagrun=on_failure_fail_dagrun)

    def decorate(function: Any) -> MarkedTaskDecorator:
        return MarkedTaskDecorator(_as_task_decorator(function, "@teardown"), mark)

    return decorate if python_callable is None else decorate(python_callable)
