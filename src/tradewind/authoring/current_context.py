"""The running task's context, for code that is not handed it: ``get_current_context()``.

TaskFlow functions and python callables receive the context as arguments only if they ask
for them by name; helpers they call, and DAG files written for Airflow, fetch it with
:func:`get_current_context` instead. The context is kept in a module-level stack rather than
a ``ContextVar`` so that threads the task starts see it too, as they do in Airflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tradewind.authoring.context import Context
from tradewind.exceptions import NoTaskContext

_running: list[Context] = []


@contextmanager
def running_task(context: Context) -> Iterator[Context]:
    """Make ``context`` the current one while a task renders and executes."""
    _running.append(context)
    try:
        yield context
    finally:
        _running.pop()


def get_current_context() -> Context:
    """The context of the task running now: ``ti``, ``ds``, ``logical_date``, ``params``...

    Raises :class:`~tradewind.exceptions.NoTaskContext` when no task is running, for
    example when called at the top level of a DAG file, which is parsed, not run.
    """
    if not _running:
        raise NoTaskContext(
            "get_current_context() was called outside a running task: the context exists "
            "only while a task executes (inside its python callable, @task function or "
            "execute())"
        )
    return _running[-1]
