"""Values that stand for something only known when the task runs.

``XComArg`` (another task's output) and ``DagParam`` (a DAG param of a ``@dag`` function) are
placed into operator arguments at definition time and swapped for real values while the task
instance's templated fields are rendered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Resolvable:
    """Base class of placeholders that :func:`render_template` replaces with real values."""

    def resolve(self, context: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def resolve_sequence(self, context: Mapping[str, Any]) -> Any:
        """The value as something to map over (a mapped task's output: read lazily)."""
        return self.resolve(context)

    def iter_references(self) -> Iterator[Any]:
        """Operators this value depends on (used to add dependencies automatically)."""
        return iter(())


def find_resolvables(value: Any) -> Iterator[Resolvable]:
    """Every :class:`Resolvable` nested anywhere in ``value`` (lists, tuples, sets, dicts)."""
    if isinstance(value, Resolvable):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from find_resolvables(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from find_resolvables(item)
