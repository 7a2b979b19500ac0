"""Executors by name, as ``[core] executor`` names them."""

from __future__ import annotations

import importlib

from tradewind.config import Config
from tradewind.exceptions import ConfigError
from tradewind.execution.executors.base import BaseExecutor

#: ``[core] executor`` value -> "module:Class". Add CeleryExecutor here.
EXECUTORS = {
    "SequentialExecutor": "tradewind.execution.executors.sequential:SequentialExecutor",
    "LocalExecutor": "tradewind.execution.executors.local:LocalExecutor",
    "CeleryExecutor": "tradewind.execution.executors.celery:CeleryExecutor",
}


def load_executor(config: Config, name: str | None = None, *, lazy: bool = False) -> BaseExecutor:
    """The executor ``name`` (default ``[core] executor``). ``lazy``: it may start its
    processes at the first workload (for a caller that runs no other thread)."""
    name = name or str(config.get("core", "executor"))
    target = EXECUTORS.get(name)
    if target is None and ":" in name:
        target = name
    if target is None:
        raise ConfigError(f"Unknown [core] executor {name!r}; known: {', '.join(EXECUTORS)}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"Executor {name!r} is not available: {exc}") from None
    executor: BaseExecutor = getattr(module, class_name)(config)
    executor.lazy = lazy
    return executor
