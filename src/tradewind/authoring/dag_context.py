"""The stack of DAGs opened with ``with DAG(...)``.

Operators created inside the block look here to attach themselves; a stack (rather than a
single slot) is what makes nested ``with`` blocks restore the outer DAG on exit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG

_stack: list[DAG] = []


def push(dag: DAG) -> None:
    _stack.append(dag)


def pop() -> DAG:
    return _stack.pop()


def current() -> DAG | None:
    """The innermost DAG whose ``with`` block is executing, if any."""
    return _stack[-1] if _stack else None
