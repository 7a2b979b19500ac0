"""Callbacks' contract: what a DAG or task accepts as a callback, and how one is called.

A callback is a callable taking the context (Airflow's ``on_*_callback``), or a list of
them. Whoever runs them (a try's process for task callbacks, the callback runner for a
DAG's and for a try that died) calls :func:`run_callbacks`: one that raises is logged with
its traceback and the next still runs, so a broken pager never changes a task's state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.exceptions import DagDefinitionError

Callback = Callable[[Mapping[str, Any]], Any]
#: What a DAG or task argument may be: one callable, a list of them, or None.
CallbackArg = Callback | Sequence[Callback] | None

#: The task callbacks, in the order a try may call them.
TASK_CALLBACKS = (
    "on_execute_callback",
    "on_success_callback",
    "on_failure_callback",
    "on_retry_callback",
    "on_skipped_callback",
)
DAG_CALLBACKS = ("on_success_callback", "on_failure_callback")


def coerce_callbacks(value: Any, name: str, where: str) -> list[Callback]:
    """``value`` as a list of callables; a clear error naming ``name`` for anything else."""
    if value is None:
        return []
    items = list(value) if isinstance(value, list | tuple) else [value]
    for item in items:
        if not callable(item):
            raise DagDefinitionError(
                f"{name}{where} must be a callable or a list of callables, got {item!r}"
            )
    return items


def run_callbacks(
    callbacks: Sequence[Callback], context: Mapping[str, Any], name: str, log: logging.Logger
) -> None:
    """Call each callback with ``context``; one that raises is logged, never re-raised."""
    for callback in callbacks:
        try:
            callback(context)
        except Exception:
            log.exception("Error when executing %s (%s)", name, _describe(callback))


def _describe(callback: Callback) -> str:
    return getattr(callback, "__qualname__", None) or type(callback).__name__
