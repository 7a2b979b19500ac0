"""The source of a task's function, to run it in another Python interpreter.

A function that runs in a virtualenv or an external interpreter is sent there as text, as
in Airflow: it must be self-contained (its imports inside it), since nothing of the DAG
file comes with it. What cannot work that way (a lambda, a closure, a method, a function
without source) is refused when the DAG is defined, naming the task.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Callable
from typing import Any

from tradewind.exceptions import DagDefinitionError


def check_self_contained(function: Callable[..., Any], task_id: str) -> None:
    """Refuse what cannot be sent to another interpreter as its source text."""
    if not isinstance(function, types.FunctionType):
        raise DagDefinitionError(
            f"python_callable of task {task_id!r} must be a plain function (def ...) to run in "
            f"another interpreter, got {function!r}"
        )
    if function.__name__ == "<lambda>":
        raise DagDefinitionError(
            f"python_callable of task {task_id!r} is a lambda; a function that runs in another "
            "interpreter must be a def with its own source"
        )
    if function.__code__.co_freevars:
        names = ", ".join(function.__code__.co_freevars)
        raise DagDefinitionError(
            f"python_callable {function.__name__!r} of task {task_id!r} uses variables of the "
            f"function around it ({names}); a function that runs in another interpreter must "
            "be self-contained: pass them as op_args/op_kwargs"
        )


def function_source(function: Callable[..., Any]) -> tuple[str, str]:
    """(name, source of its ``def`` without decorators), dedented to the top level.

    Blank lines stand in for what comes before it in its file, so that compiled under the
    file's name (as the driver script does) a traceback points at the DAG file's lines.
    """
    try:
        lines, first = inspect.getsourcelines(function)
        text = textwrap.dedent("".join(lines))
    except (OSError, TypeError) as exc:
        raise DagDefinitionError(
            f"cannot read the source of {getattr(function, '__name__', function)!r}: {exc}"
        ) from None
    tree = ast.parse(text)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    lines = text.splitlines()
    end = node.end_lineno or len(lines)
    padding = "\n" * (max(first, 1) - 1 + node.lineno - 1)
    return node.name, padding + "\n".join(lines[node.lineno - 1 : end]) + "\n"
