"""Dynamic task mapping: ``Operator.partial(...).expand(...)`` and ``.expand_kwargs(...)``.

A :class:`MappedOperator` is one task in the DAG that runs as many task instances as its
input has elements, decided when the run gets there (when the upstream task that produces
the input has finished). The scheduler sizes it from :meth:`MappedOperator.expansion_spec`
(element counts, never values); each instance's try calls :meth:`MappedOperator.unmap`,
which picks that instance's element and builds an ordinary operator from it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import (
    UNMAPPING,
    BaseOperator,
    accepted_arguments,
    merge_default_args,
)
from tradewind.authoring.resolvable import find_resolvables
from tradewind.authoring.task_group import closest_mapped_group
from tradewind.authoring.xcom_arg import (
    RETURN_VALUE_KEY,
    MapXComArg,
    XComArg,
    ZipXComArg,
)
from tradewind.exceptions import DagDefinitionError

#: Arguments that name the task or place it; they cannot differ between instances.
_UNMAPPABLE = frozenset({"task_id", "dag", "task_group", "default_args"})


class OperatorPartial:
    """What ``SomeOperator.partial(...)`` returns: the arguments every instance shares."""

    def __init__(self, operator_class: type[BaseOperator], kwargs: dict[str, Any]) -> None:
        if "task_id" not in kwargs:
            raise DagDefinitionError(
                f"{operator_class.__name__}.partial() needs a task_id (the mapped task's id)"
            )
        self.operator_class = operator_class
        self.kwargs = kwargs
        self._expanded = False

    def expand(self, **mapped: Any) -> MappedOperator:
        """One task instance per element (per combination, for several arguments)."""
        _check_expand_names(self.operator_class, self.kwargs, mapped, into=None)
        return self._create(ExpandInput.of_kwargs(mapped, _where(self.kwargs)))

    def expand_kwargs(self, source: Any) -> MappedOperator:
        """One task instance per dict of arguments in ``source`` (a list or task output)."""
        return self._create(ExpandInput.of_list(source, _where(self.kwargs)))

    def _create(self, expand_input: ExpandInput) -> MappedOperator:
        if self._expanded:
            raise DagDefinitionError(f"partial() of {_where(self.kwargs)} was expanded twice")
        self._expanded = True
        return MappedOperator(
            operator_class=self.operator_class,
            partial_kwargs=self.kwargs,
            expand_input=expand_input,
        )


def _where(kwargs: Mapping[str, Any]) -> str:
    return f"task {kwargs.get('task_id')!r}"


def _check_expand_names(
    operator_class: type[BaseOperator],
    partial: Mapping[str, Any],
    mapped: Mapping[str, Any],
    *,
    into: Any,
) -> None:
    where = _where(partial)
    if not mapped:
        raise DagDefinitionError(f"expand() of {where} needs at least one argument to map over")
    for name in mapped:
        if name in _UNMAPPABLE:
            raise DagDefinitionError(f"{name!r} of {where} cannot be mapped (expand({name}=...))")
        if name in partial:
            raise DagDefinitionError(
                f"{name!r} of {where} is given to both partial() and expand(); pass it once"
            )
        if into is None and name not in accepted_arguments(operator_class):  # type: ignore[arg-type]
            raise DagDefinitionError(
                f"expand() of {where}: {operator_class.__name__} has no argument {name!r}"
            )


# --- what is expanded --------------------------------------------------------------------------


class ExpandInput:
    """``expand(a=..., b=...)`` (``kind`` "kwargs": the product of the sources) or
    ``expand_kwargs(source)`` (``kind`` "list": one dict of arguments per element)."""

    def __init__(self, kind: str, sources: dict[str, Any]) -> None:
        self.kind = kind
        self.sources = sources

    @classmethod
    def of_kwargs(cls, mapped: Mapping[str, Any], where: str) -> ExpandInput:
        for name, value in mapped.items():
            _check_source(value, f"expand() argument {name!r} of {where}")
        return cls("kwargs", dict(mapped))

    @classmethod
    def of_list(cls, source: Any, where: str) -> ExpandInput:
        _check_source(source, f"expand_kwargs() of {where}", dicts=True)
        return cls("list", {"": source})

    def references(self) -> Iterator[BaseOperator]:
        for source in self.sources.values():
            yield from _references(source)

    def spec(self) -> dict[str, Any]:
        """What the scheduler needs to count the instances: lengths and upstream ids."""
        return {
            "kind": self.kind,
            "sources": {name: _source_spec(value) for name, value in self.sources.items()},
        }

    def arguments(self, map_index: int, context: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments of instance ``map_index``, pulling upstream values as needed."""
        resolved = {name: _as_sequence(value, context) for name, value in self.sources.items()}
        if self.kind == "list":
            element = resolved[""][map_index]
            if not isinstance(element, Mapping):
                raise TypeError(
                    f"expand_kwargs() needs a dict of arguments per element; element "
                    f"{map_index} is {type(element).__name__}: {element!r}"
                )
            return dict(element)
        chosen: dict[str, Any] = {}
        index = map_index
        for name in reversed(list(resolved)):  # the last argument varies fastest
            values = resolved[name]
            chosen[name] = values[index % len(values)]
            index //= len(values)
        return {name: chosen[name] for name in resolved}


def _check_source(value: Any, what: str, *, dicts: bool = False) -> None:
    if isinstance(value, XComArg):
        if value.key != RETURN_VALUE_KEY:
            raise DagDefinitionError(
                f"{what} maps over XCom key {value.key!r} of task {value.operator.task_id!r}; "
                f"only a task's return value can be mapped over"
            )
        return
    if isinstance(value, MapXComArg | ZipXComArg):
        return
    if isinstance(value, list | tuple) or (isinstance(value, dict) and not dicts):
        if dicts and not all(isinstance(item, Mapping) for item in value):
            raise DagDefinitionError(f"{what} must be a list of dicts, got {value!r}")
        return
    kinds = "a list of dicts" if dicts else "a list, a dict"
    raise DagDefinitionError(
        f"{what} must be {kinds} or a task's output (XComArg), not {type(value).__name__}"
    )


def _references(source: Any) -> Iterator[BaseOperator]:
    if isinstance(source, XComArg | MapXComArg | ZipXComArg):
        yield from source.iter_references()


def _source_spec(source: Any) -> dict[str, Any]:
    if isinstance(source, XComArg):
        return {"xcom": source.operator.task_id}
    if isinstance(source, MapXComArg):
        return _source_spec(source.arg)
    if isinstance(source, ZipXComArg):
        return {
            "zip": [_source_spec(arg) for arg in source.args],
            "longest": source.fill is not _NO_FILL,
        }
    return {"literal": len(source)}


_NO_FILL = ZipXComArg.NO_FILL


def _as_sequence(source: Any, context: Mapping[str, Any]) -> Sequence[Any]:
    """The elements of ``source`` for this run: a dict maps as its (key, value) pairs."""
    if isinstance(source, XComArg | MapXComArg | ZipXComArg):
        value = source.resolve_sequence(context)
    else:
        value = source
    if isinstance(value, Mapping):
        return list(value.items())
    if value is None:
        raise TypeError("the upstream task pushed no value to map over")
    return value


# --- the mapped task ------------------------------------------------------------------------------


class MappedOperator(BaseOperator):
    """A task that runs once per element of its expand input (see the module's doc)."""

    def __init__(
        self,
        *,
        operator_class: type[BaseOperator],
        partial_kwargs: dict[str, Any],
        expand_input: ExpandInput,
        mapped_into: str | None = None,
        **kwargs: Any,
    ) -> None:
        base = accepted_arguments(BaseOperator)
        shared = {k: v for k, v in partial_kwargs.items() if k in base}
        super().__init__(**{**shared, **kwargs})
        self.operator_class = operator_class
        self.partial_kwargs = dict(partial_kwargs)
        self.expand_input = expand_input
        #: "op_kwargs": the mapped values are the TaskFlow function's arguments.
        self.mapped_into = mapped_into
        group = closest_mapped_group(self)
        if group is not None:
            raise DagDefinitionError(
                f"task {self.task_id!r} is mapped (expand) inside mapped task group "
                f"{group.group_id!r}; Tradewind does not map a task within a mapped group: "
                f"map the group over the combined values instead"
            )
        for operator in expand_input.references():
            self.set_upstream(operator)
        for resolvable in find_resolvables(list(partial_kwargs.values())):
            for operator in resolvable.iter_references():
                self.set_upstream(operator)

    @property
    def operator_name(self) -> str:
        return self.operator_class.__name__

    @property
    def task_type(self) -> str:
        return self.operator_class.__name__

    @property
    def template_fields(self) -> Sequence[str]:  # type: ignore[override]
        return tuple(self.operator_class.template_fields)

    def _check_template_fields(self) -> None:
        """The fields are the attributes of the operator each instance builds (see
        ``unmap``): that operator checks them."""

    def expansion_spec(self) -> dict[str, Any]:
        return self.expand_input.spec()

    def iter_xcom_dependencies(self) -> Iterator[BaseOperator]:
        return iter(())

    def unmap(self, map_index: int, context: Mapping[str, Any]) -> BaseOperator:
        """The ordinary operator instance ``map_index`` runs, its arguments resolved."""
        arguments = self.expand_input.arguments(map_index, context)
        kwargs = dict(self.partial_kwargs)
        if self.mapped_into == "op_kwargs":
            kwargs["op_kwargs"] = {**kwargs.get("op_kwargs", {}), **arguments}
        else:
            kwargs.update(arguments)
        kwargs["task_id"] = self.task_id
        kwargs.pop("task_group", None)
        kwargs.pop("dag", None)
        token = UNMAPPING.set(True)
        try:
            operator = self.operator_class(**kwargs)
        finally:
            UNMAPPING.reset(token)
        operator._dag = self._dag
        operator.task_group = self.task_group
        operator.upstream_task_ids = set(self.upstream_task_ids)
        operator.downstream_task_ids = set(self.downstream_task_ids)
        return operator

    def execute(self, context: Mapping[str, Any]) -> Any:
        raise RuntimeError(
            f"mapped task {self.task_id!r} runs as its instances; unmap() one to run it"
        )


def partial(operator_class: type[BaseOperator], **kwargs: Any) -> OperatorPartial:
    """``Operator.partial(...)``: default_args of the DAG and group fill in, as for a task."""
    merged = merge_default_args(operator_class, dict(kwargs))
    if merged.get("dag") is None:
        merged.pop("dag", None)
    return OperatorPartial(operator_class, merged)


def taskflow_expand(
    operator_class: type[BaseOperator],
    options: dict[str, Any],
    function: Any,
    partial_args: dict[str, Any],
    mapped: dict[str, Any],
    *,
    kind: str,
) -> MappedOperator:
    """A mapped ``@task``: ``partial_args`` and the mapped values are the function's."""
    where = f"task {options.get('task_id')!r}"
    if kind == "kwargs":
        check_function_names(function, partial_args, mapped, where)
        expand_input = ExpandInput.of_kwargs(mapped, where)
    else:
        expand_input = ExpandInput.of_list(mapped[""], where)
    kwargs = merge_default_args(
        operator_class,
        {**options, "python_callable": function, "op_args": (), "op_kwargs": partial_args},
    )
    return MappedOperator(
        operator_class=operator_class,
        partial_kwargs=kwargs,
        expand_input=expand_input,
        mapped_into="op_kwargs",
    )


def check_function_names(
    function: Any, partial_args: Mapping[str, Any], mapped: Mapping[str, Any], where: str
) -> None:
    """Mapped names must be parameters of ``function`` (a @task's or a @task_group's) and
    not also given to ``partial()``."""
    if not mapped:
        raise DagDefinitionError(f"expand() of {where} needs at least one argument to map over")
    parameters = inspect.signature(function).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for name in mapped:
        if name in partial_args:
            raise DagDefinitionError(
                f"{name!r} of {where} is given to both partial() and expand(); pass it once"
            )
        if name not in parameters and not takes_any:
            raise DagDefinitionError(
                f"expand() of {where}: function {function.__name__!r} has no parameter {name!r}"
            )


def product_length(lengths: Sequence[int]) -> int:
    """How many instances ``expand(a=..., b=...)`` makes: one per combination."""
    total = 1
    for length in lengths:
        total *= length
    return total


__all__ = [
    "ExpandInput",
    "MappedOperator",
    "OperatorPartial",
    "check_function_names",
    "partial",
    "product_length",
    "taskflow_expand",
]
