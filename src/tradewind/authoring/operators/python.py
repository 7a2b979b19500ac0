"""PythonOperator: call a Python function, passing it the context values it asks for."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.dataset_events import call_collecting_metadata
from tradewind.exceptions import DagDefinitionError

log = logging.getLogger("tradewind.task")


class PythonOperator(BaseOperator):
    """Runs ``python_callable(*op_args, **op_kwargs)``.

    ``templates_dict`` is rendered and handed to the callable as the context's
    ``templates_dict``; ``templates_exts`` makes values ending with those extensions names of
    template files. Context variables are passed too, as keyword arguments, when the
    callable names them in its signature (``def f(ds, ti): ...``) or takes ``**kwargs``,
    like Airflow 2. Airflow
    1.10's ``provide_context`` is accepted so old DAG files parse, with a warning that it
    changes nothing.
    """

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: Mapping[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        provide_context: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise DagDefinitionError(
                f"python_callable of task {self.task_id!r} must be callable, "
                f"got {python_callable!r}"
            )
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = dict(templates_dict) if templates_dict is not None else None
        if templates_exts is not None:
            self.template_ext = list(templates_exts)
        self.show_return_value_in_logs = show_return_value_in_logs
        if provide_context is not None:
            warnings.warn(
                f"provide_context of task {self.task_id!r} is Airflow 1.10's and changes "
                "nothing: as in Airflow 2, the context is passed to a callable that names its "
                "keys or takes **kwargs; remove the argument",
                DeprecationWarning,
                stacklevel=2,
            )

    def prime(self) -> None:
        with contextlib.suppress(TypeError, ValueError):  # unhashable, or no signature
            _keyword_parameters(self.python_callable, len(self.op_args))

    def execute(self, context: Mapping[str, Any]) -> Any:
        context = {**context, "templates_dict": self.templates_dict}
        kwargs = callable_kwargs(self.python_callable, self.op_args, {**context, **self.op_kwargs})
        result = call_collecting_metadata(self.python_callable, self.op_args, kwargs, context)
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %r", result)
        else:
            log.info("Done. Returned value not shown")
        return result


def callable_kwargs(
    func: Callable[..., Any], args: Sequence[Any], available: Mapping[str, Any]
) -> dict[str, Any]:
    """The subset of ``available`` that ``func`` accepts as keywords.

    Everything when it has ``**kwargs``; otherwise the names in its signature, minus those
    already filled by positional ``args``.
    """
    try:
        any_name, names = _keyword_parameters(func, len(args))
    except TypeError:  # an unhashable callable: read its signature every time
        any_name, names = _keyword_parameters.__wrapped__(func, len(args))
    if any_name:
        return {k: v for k, v in available.items() if k not in names}
    return {k: v for k, v in available.items() if k in names}


@functools.lru_cache(maxsize=4096)
def _keyword_parameters(func: Callable[..., Any], positional: int) -> tuple[bool, frozenset[str]]:
    """(takes ``**kwargs``, names) for a call with ``positional`` positional arguments.

    With ``**kwargs`` the names are those the positional arguments took (excluded);
    otherwise the keyword-capable parameters they left free (included).
    """
    params = list(inspect.signature(func).parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        taken = {p.name for p in params[:positional] if p.kind is not p.VAR_POSITIONAL}
        return True, frozenset(taken)
    ordered = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    taken = {p.name for p in ordered[:positional]}
    names = {
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in taken
    }
    return False, frozenset(names)
