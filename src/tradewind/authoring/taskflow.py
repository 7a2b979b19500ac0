"""TaskFlow: ``@task`` turns a plain function into a task factory.

Calling the decorated function inside a DAG creates a :class:`DecoratedPythonOperator` and
returns an :class:`XComArg` for its return value; passing that into another task call both
adds the dependency and delivers the value at run time.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tradewind.authoring import dag_context
from tradewind.authoring.dataset_events import call_collecting_metadata
from tradewind.authoring.operators.python import PythonOperator, callable_kwargs
from tradewind.authoring.task_group import group_for_new_task
from tradewind.authoring.xcom_arg import XComArg
from tradewind.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.task_group import TaskGroup


class DecoratedPythonOperator(PythonOperator):
    """The operator behind ``@task``; its arguments are the call's ``op_args``/``op_kwargs``."""

    custom_operator_name = "@task"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        multiple_outputs: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(python_callable=python_callable, **kwargs)
        self.multiple_outputs = multiple_outputs

    def execute(self, context: Mapping[str, Any]) -> Any:
        kwargs = callable_kwargs(self.python_callable, self.op_args, context)
        kwargs.update(self.op_kwargs)
        result = call_collecting_metadata(self.python_callable, self.op_args, kwargs, context)
        if self.multiple_outputs and self.do_xcom_push:
            self._push_outputs(context, result)
        return result

    def _push_outputs(self, context: Mapping[str, Any], result: Any) -> None:
        if result is None:
            return
        if not isinstance(result, dict):
            raise TypeError(
                f"task {self.task_id!r} has multiple_outputs=True, so it must return a dict, "
                f"not {type(result).__name__}"
            )
        for key, value in result.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"task {self.task_id!r} has multiple_outputs=True, so the keys of its "
                    f"returned dict must be strings, got {key!r}"
                )
            context["ti"].xcom_push(key=key, value=value)


class TaskDecorator:
    """What ``@task`` returns: call it in a DAG to add a task; ``.function`` is the original."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_kwargs: dict[str, Any],
        operator_class: type[PythonOperator] = DecoratedPythonOperator,
    ) -> None:
        self.function = function
        self.operator_kwargs = operator_kwargs
        self.operator_class = operator_class
        functools.update_wrapper(self, function)

    def override(self, **operator_kwargs: Any) -> TaskDecorator:
        """A copy with different operator arguments (``extract.override(task_id="x")()``)."""
        return TaskDecorator(
            self.function, {**self.operator_kwargs, **operator_kwargs}, self.operator_class
        )

    def partial(self, **kwargs: Any) -> TaskFlowPartial:
        """Function arguments every mapped instance shares; then ``.expand(...)``."""
        return TaskFlowPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        """One task instance per element of the mapped arguments (their product)."""
        return TaskFlowPartial(self, {}).expand(**mapped)

    def expand_kwargs(self, source: Any) -> XComArg:
        """One task instance per dict of function arguments in ``source``."""
        return TaskFlowPartial(self, {}).expand_kwargs(source)

    def _options(self) -> dict[str, Any]:
        """The operator's arguments, with a task id that is new in the DAG."""
        options = dict(self.operator_kwargs)
        group = group_for_new_task(
            options.get("task_group"), options.get("dag") or dag_context.current()
        )
        dag = options.get("dag") or (group.dag if group is not None else None)
        base_id = options.pop("task_id", None) or self.function.__name__
        options["task_id"] = _unique_label(base_id, dag, group)
        if "multiple_outputs" not in options:
            options["multiple_outputs"] = _returns_dict(self.function)
        return options

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        try:
            inspect.signature(self.function).bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise DagDefinitionError(
                f"bad arguments for task function {self.function.__name__!r}: {exc}"
            ) from None
        options = dict(self.operator_kwargs)
        group = group_for_new_task(
            options.get("task_group"), options.get("dag") or dag_context.current()
        )
        dag = options.get("dag") or (group.dag if group is not None else None)
        base_id = options.pop("task_id", None) or self.function.__name__
        task_id = _unique_label(base_id, dag, group)
        if "multiple_outputs" not in options:
            options["multiple_outputs"] = _returns_dict(self.function)
        operator = self.operator_class(
            task_id=task_id,
            python_callable=self.function,
            op_args=args,
            op_kwargs=kwargs,
            **options,
        )
        _document_from_docstring(operator, self.function)
        return XComArg(operator)


class TaskFlowPartial:
    """``@task`` function ``.partial(...)``: shared arguments, waiting for ``.expand``."""

    def __init__(self, decorator: TaskDecorator, kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> XComArg:
        return self._mapped(mapped, kind="kwargs")

    def expand_kwargs(self, source: Any) -> XComArg:
        return self._mapped({"": source}, kind="list")

    def _mapped(self, mapped: dict[str, Any], kind: str) -> XComArg:
        from tradewind.authoring.mapping import taskflow_expand

        function = self.decorator.function
        operator = taskflow_expand(
            self.decorator.operator_class,
            self.decorator._options(),
            function,
            self.kwargs,
            mapped,
            kind=kind,
        )
        _document_from_docstring(operator, function)  # type: ignore[arg-type]
        return XComArg(operator)


def _document_from_docstring(operator: PythonOperator, function: Callable[..., Any]) -> None:
    """As in Airflow, the function's docstring is the task's doc_md unless a doc* was given.

    Indentation is removed first, so the docstring's lines are not read as a code block.
    """
    docs = (operator.doc, operator.doc_md, operator.doc_rst, operator.doc_json, operator.doc_yaml)
    if function.__doc__ and not any(docs):
        operator.doc_md = inspect.cleandoc(function.__doc__)


def unique_task_id(base_id: str, existing: Sequence[str]) -> str:
    """``base_id``, or ``base_id__N`` with the next free N when the id is already taken."""
    if base_id not in existing:
        return base_id
    pattern = re.compile(rf"^{re.escape(base_id)}__(\d+)$")
    numbers = [int(m.group(1)) for tid in existing if (m := pattern.match(tid))]
    return f"{base_id}__{max(numbers, default=0) + 1}"


def _unique_label(base_id: str, dag: DAG | None, group: TaskGroup | None) -> str:
    """``base_id`` numbered (``__N``) so that its id in ``group`` is new in ``dag``.

    The number goes on the label: the operator adds the group's prefix itself.
    """
    if dag is None:
        return base_id
    full_id = group.child_id(base_id) if group is not None else base_id
    return base_id + unique_task_id(full_id, dag.task_ids)[len(full_id) :]


def _returns_dict(function: Callable[..., Any]) -> bool:
    """Infer ``multiple_outputs`` from a ``-> dict[...]`` annotation, like Airflow."""
    try:
        annotation = inspect.signature(function, eval_str=True).return_annotation
    except Exception:
        return False
    origin = typing.get_origin(annotation) or annotation
    return origin is dict or origin is typing.Dict  # noqa: UP006


class _TaskDecoratorFactory:
    """The ``task`` object: ``@task``, ``@task(...)``, ``@task.python`` and the other kinds
    (``@task.branch``, ``@task.short_circuit``, ``@task.bash``)."""

    def __call__(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        return _decorate(DecoratedPythonOperator, "@task", python_callable, operator_kwargs)

    def branch(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """The function returns the task id(s) to follow (see ``BranchPythonOperator``)."""
        from tradewind.authoring.taskflow_branch import DecoratedBranchOperator

        return _decorate(DecoratedBranchOperator, "@task.branch", python_callable, operator_kwargs)

    def short_circuit(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """A falsy return value skips what follows (see ``ShortCircuitOperator``)."""
        from tradewind.authoring.taskflow_short_circuit import DecoratedShortCircuitOperator

        return _decorate(
            DecoratedShortCircuitOperator, "@task.short_circuit", python_callable, operator_kwargs
        )

    def bash(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """The function returns the bash command to run (see ``BashOperator``)."""
        from tradewind.authoring.taskflow_bash import DecoratedBashOperator

        return _decorate(DecoratedBashOperator, "@task.bash", python_callable, operator_kwargs)

    def sensor(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """The function is poked until it returns True or ``PokeReturnValue(True, value)``
        (see ``PythonSensor``); sensor arguments (``poke_interval``, ``mode``...) apply."""
        from tradewind.authoring.taskflow_sensor import DecoratedSensorOperator

        return _decorate(DecoratedSensorOperator, "@task.sensor", python_callable, operator_kwargs)

    def python(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        return self(python_callable, **operator_kwargs)

    def virtualenv(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """``@task.virtualenv``: the function runs in a virtualenv (PythonVirtualenvOperator)."""
        from tradewind.authoring.taskflow_subprocess import DecoratedVirtualenvOperator

        return _decorate(
            DecoratedVirtualenvOperator, "@task.virtualenv", python_callable, operator_kwargs
        )

    def branch_virtualenv(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """``@task.virtualenv`` whose function returns the task id(s) to follow."""
        from tradewind.authoring.taskflow_subprocess import DecoratedBranchVirtualenvOperator

        return _decorate(
            DecoratedBranchVirtualenvOperator,
            "@task.branch_virtualenv",
            python_callable,
            operator_kwargs,
        )

    def branch_external_python(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """``@task.external_python`` whose function returns the task id(s) to follow."""
        from tradewind.authoring.taskflow_subprocess import DecoratedBranchExternalPythonOperator

        return _decorate(
            DecoratedBranchExternalPythonOperator,
            "@task.branch_external_python",
            python_callable,
            operator_kwargs,
        )

    def external_python(
        self, python_callable: Callable[..., Any] | None = None, **operator_kwargs: Any
    ) -> Any:
        """``@task.external_python(python=...)``: the function runs with that interpreter."""
        from tradewind.authoring.taskflow_subprocess import DecoratedExternalPythonOperator

        return _decorate(
            DecoratedExternalPythonOperator,
            "@task.external_python",
            python_callable,
            operator_kwargs,
        )


def _decorate(
    operator_class: type[PythonOperator],
    name: str,
    python_callable: Callable[..., Any] | None,
    operator_kwargs: dict[str, Any],
) -> Any:
    """``@name`` and ``@name(...)`` alike: a :class:`TaskDecorator`, or one to be made."""
    if python_callable is not None and not callable(python_callable):
        raise DagDefinitionError(f"{name} must decorate a function, got {python_callable!r}")
    if python_callable is None:
        return lambda function: TaskDecorator(function, operator_kwargs, operator_class)
    return TaskDecorator(python_callable, operator_kwargs, operator_class)


task = _TaskDecoratorFactory()
