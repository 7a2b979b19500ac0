"""``@dag``: build a DAG by calling a function that creates its tasks.

The function's parameters become DAG params (their defaults are the param defaults); inside
the function they are :class:`DagParam` placeholders that resolve to the run's param value.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tradewind.authoring.resolvable import Resolvable

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG


class DagParam(Resolvable):
    """The value of DAG param ``name`` for the running DAG run."""

    def __init__(self, dag: DAG, name: str) -> None:
        self.dag = dag
        self.name = name

    def __repr__(self) -> str:
        return f"DagParam({self.name!r})"

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return context["params"][self.name]


def dag(dag_id: str | Callable[..., Any] = "", **dag_kwargs: Any) -> Any:
    """Decorator form of :class:`DAG`: ``@dag(schedule=None, start_date=...)`` or bare ``@dag``.

    Calling the decorated function returns the DAG. ``dag_id`` defaults to the function name,
    ``doc_md`` to its docstring and ``fileloc`` to its file.
    """
    if callable(dag_id):
        return _wrap(dag_id, "", dag_kwargs)
    return lambda function: _wrap(function, dag_id, dag_kwargs)


def _wrap(function: Callable[..., Any], dag_id: str, dag_kwargs: dict[str, Any]) -> Any:
    from tradewind.authoring.dag import DAG

    signature = inspect.signature(function)

    @functools.wraps(function)
    def factory(*args: Any, **kwargs: Any) -> DAG:
        bound = signature.bind_partial(*args, **kwargs)
        bound.apply_defaults()
        kwargs_for_dag = dict(dag_kwargs)
        kwargs_for_dag.setdefault("fileloc", inspect.getsourcefile(function))
        with DAG(dag_id or function.__name__, **kwargs_for_dag) as new_dag:
            # A plain argument over a declared Param is validated against it; a Param
            # given as the argument's default replaces it (ParamsDict's rules).
            for name, value in bound.arguments.items():
                new_dag.params[name] = value
            placeholders = {name: DagParam(new_dag, name) for name in bound.arguments}
            function(**placeholders)
        if function.__doc__ and not new_dag.doc_md:
            # Set as is, like Airflow (no Jinja, no .md lookup); dedented for Markdown.
            new_dag.doc_md = inspect.cleandoc(function.__doc__)
        return new_dag

    return factory
