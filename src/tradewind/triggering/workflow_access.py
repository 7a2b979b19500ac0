"""The database behind the triggers that wait on other DAGs (``WorkflowTrigger``,
``DagStateTrigger``): the triggering layer hands them this, so authoring code never
imports the database. Each read is one short transaction (the same queries a poking
``ExternalTaskSensor`` makes through its runtime task instance)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from tradewind.authoring.triggers import workflow_states
from tradewind.db.engine import Database
from tradewind.execution import cross_dag


class DatabaseWorkflowStates:
    def __init__(self, database: Database) -> None:
        self.database = database

    def expected_count(
        self, dag_id: str, task_ids: list[str] | None, task_group_id: str | None
    ) -> int:
        return cross_dag.expected_count(self.database, dag_id, task_ids, task_group_id)

    def count_states(
        self,
        dag_id: str,
        logical_dates: list[datetime],
        task_ids: list[str] | None,
        task_group_id: str | None,
        states: list[str],
    ) -> Fraction:
        return cross_dag.count_states(
            self.database, dag_id, logical_dates, task_ids, task_group_id, states
        )

    def run_states(self, dag_id: str, run_ids: list[str]) -> dict[str, str | None]:
        return cross_dag.run_states(self.database, dag_id, run_ids)


def install(database: Database) -> None:
    """Let this process's triggers read DAG states from ``database``."""
    workflow_states.install(DatabaseWorkflowStates(database))
