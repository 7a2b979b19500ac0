"""How a trigger reads other DAGs' states without importing the database.

Triggers are authoring code (DAG files build them), so they never touch the metadata
database themselves. The process that runs them - ``tradewind triggerer``, or ``dags test``
running a deferral inline - installs a :class:`WorkflowStates` that reads it; the triggers
of :mod:`tradewind.authoring.triggers.external_task` ask only this module.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Protocol

from tradewind.exceptions import TradewindException


class WorkflowStates(Protocol):
    """Blocking reads (a trigger calls them through ``asyncio.to_thread``)."""

    def expected_count(
        self, dag_id: str, task_ids: list[str] | None, task_group_id: str | None
    ) -> int:
        """Tasks waited for per logical date (1 for a whole DAG); raises if the DAG, a
        task or the group does not exist."""
        ...

    def count_states(
        self,
        dag_id: str,
        logical_dates: list[datetime],
        task_ids: list[str] | None,
        task_group_id: str | None,
        states: list[str],
    ) -> Fraction:
        """Task instances (or runs, with neither tasks nor group) in one of ``states``; a
        mapped task's instance counts as its share of the task, so a mapped task is one."""
        ...

    def run_states(self, dag_id: str, run_ids: list[str]) -> dict[str, str | None]:
        """The state of each of these runs that exists."""
        ...


class NoWorkflowStates(TradewindException):
    """This process cannot read DAG states (only the triggerer and ``dags test`` can)."""


_installed: WorkflowStates | None = None


def install(access: WorkflowStates | None) -> None:
    global _installed
    _installed = access


def current() -> WorkflowStates:
    if _installed is None:
        raise NoWorkflowStates(
            "this trigger reads the metadata database, which only `tradewind triggerer` "
            "(or `tradewind dags test`) gives it: run it there"
        )
    return _installed
