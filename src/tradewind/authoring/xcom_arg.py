"""XComArg: a reference to a value another task will push to XCom.

Passing ``extract()`` (TaskFlow) or ``op.output`` into another task's arguments both wires the
dependency and, at run time, pulls the value through the task instance's ``xcom_pull``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from tradewind.authoring.dependencies import DependencyMixin
from tradewind.authoring.resolvable import Resolvable
from tradewind.authoring.task_group import closest_mapped_group
from tradewind.exceptions import XComNotFound

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator

RETURN_VALUE_KEY = "return_value"


class _NoFill:
    def __repr__(self) -> str:
        return "NO_FILL"


#: ``zip()`` without ``fillvalue``: stop at the shortest.
NO_FILL: Any = _NoFill()


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

    def as_setup(self) -> XComArg:
        """Mark the task behind this value a setup (see ``BaseOperator.as_setup``)."""
        self.operator.as_setup()
        return self

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> XComArg:
        """Mark the task behind this value a teardown (see ``BaseOperator.as_teardown``)."""
        self.operator.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self

    def __enter__(self) -> XComArg:
        self.operator.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.operator.__exit__(*exc_info)

    def iter_references(self) -> Iterator[BaseOperator]:
        yield self.operator

    def resolve(self, context: Mapping[str, Any]) -> Any:
        """The pushed value; ``None`` if the task pushed no return value (or, with
        ``multiple_outputs``, no such key); :class:`XComNotFound` for another missing key."""
        task_id = self.operator.task_id
        value = context["ti"].xcom_pull(
            task_ids=task_id,
            key=self.key,
            default=_MISSING,
            map_indexes=_same_instance(self.operator, context),
        )
        if value is not _MISSING:
            return value
        if self.key == RETURN_VALUE_KEY or getattr(self.operator, "multiple_outputs", False):
            return None
        raise XComNotFound(self.operator.dag_id or "", task_id, self.key)

    def resolve_sequence(self, context: Mapping[str, Any]) -> Any:
        """The value to map over (a mapped task's output: its instances' values, lazily)."""
        return self.resolve(context)

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        """Each element passed through ``function`` when a mapped instance takes it."""
        return MapXComArg(self, function)

    def zip(self, *others: Any, fillvalue: Any = NO_FILL) -> ZipXComArg:
        """Elements taken pairwise (as ``zip``; ``fillvalue``: to the longest)."""
        return ZipXComArg([self, *others], fillvalue)


class MapXComArg(Resolvable, DependencyMixin):
    """``output.map(fn)``: another task's output with ``fn`` applied to each element."""

    def __init__(self, arg: Any, function: Callable[[Any], Any]) -> None:
        if not callable(function):
            raise TypeError(f".map() needs a function, got {function!r}")
        self.arg = arg
        self.functions: list[Callable[[Any], Any]] = [function]
        if isinstance(arg, MapXComArg):  # x.map(f).map(g): one pass over x
            self.arg = arg.arg
            self.functions = [*arg.functions, function]

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        return MapXComArg(self, function)

    def zip(self, *others: Any, fillvalue: Any = NO_FILL) -> ZipXComArg:
        return ZipXComArg([self, *others], fillvalue)

    def __repr__(self) -> str:
        return f"{self.arg!r}.map(...)"

    def dependency_operators(self) -> list[BaseOperator]:
        return list(self.iter_references())

    def iter_references(self) -> Iterator[BaseOperator]:
        yield from self.arg.iter_references()

    def resolve_sequence(self, context: Mapping[str, Any]) -> Sequence[Any]:
        values = self.arg.resolve_sequence(context)
        if isinstance(values, Mapping):
            values = list(values.items())
        return _Mapped(values, self.functions)

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return self.resolve_sequence(context)


class ZipXComArg(Resolvable, DependencyMixin):
    """``output.zip(other, ...)``: tuples of the elements at each position."""

    NO_FILL: Any = NO_FILL

    def __init__(self, args: list[Any], fill: Any) -> None:
        self.args = args
        self.fill = fill

    def __repr__(self) -> str:
        return f"zip({', '.join(repr(a) for a in self.args)})"

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        return MapXComArg(self, function)

    def dependency_operators(self) -> list[BaseOperator]:
        return list(self.iter_references())

    def iter_references(self) -> Iterator[BaseOperator]:
        for arg in self.args:
            if isinstance(arg, Resolvable):
                yield from arg.iter_references()

    def resolve_sequence(self, context: Mapping[str, Any]) -> Sequence[Any]:
        sequences = []
        for arg in self.args:
            value = arg.resolve_sequence(context) if isinstance(arg, Resolvable) else arg
            sequences.append(list(value.items()) if isinstance(value, Mapping) else value)
        return _Zipped(sequences, self.fill)

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return self.resolve_sequence(context)


class _Mapped(Sequence[Any]):
    """Elements of ``values`` passed through ``functions`` one at a time, when read."""

    def __init__(self, values: Sequence[Any], functions: list[Callable[[Any], Any]]) -> None:
        self._values = values
        self._functions = functions

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._apply(v) for v in list(self._values)[index]]
        return self._apply(self._values[index])

    def _apply(self, value: Any) -> Any:
        for function in self._functions:
            value = function(value)
        return value


class _Zipped(Sequence[Any]):
    def __init__(self, sequences: list[Sequence[Any]], fill: Any) -> None:
        self._sequences = sequences
        self._fill = fill
        lengths = [len(s) for s in sequences]
        self._length = max(lengths) if fill is not NO_FILL else min(lengths)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("zip index out of range")
        return tuple(s[index] if index < len(s) else self._fill for s in self._sequences)


def _same_instance(upstream: BaseOperator, context: Mapping[str, Any]) -> int | None:
    """The map index to pull from ``upstream``: the puller's own, when both are in the same
    mapped task group (instance ``i`` reads instance ``i``); else ``None`` (every value)."""
    map_index = getattr(context.get("ti"), "map_index", -1)
    task = context.get("task")
    if map_index is None or map_index < 0 or task is None:
        return None
    group = closest_mapped_group(upstream)
    if group is None:
        return None
    own = closest_mapped_group(task)
    return map_index if own is not None and own.group_id == group.group_id else None


_MISSING: Any = object()
