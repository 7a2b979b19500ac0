"""A sub-DAG factory for ``SubDagOperator``: five empty tasks named after the sub-DAG.

Airflow's ``example_subdag_operator`` imports ``subdag`` from
``airflow.example_dags.subdags.subdag``; under ``[core] airflow_compat`` that path is served
from here, so the example imports unchanged. It defines no DAG of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators.empty import EmptyOperator

TASKS_PER_SUBDAG = 5


def subdag(parent_dag_name: str, child_dag_name: str, args: Mapping[str, Any]) -> DAG:
    """The sub-DAG ``<parent>.<child>`` (the id ``SubDagOperator`` expects), built with the
    parent's ``default_args``."""
    sub = DAG(
        dag_id=f"{parent_dag_name}.{child_dag_name}",
        default_args=dict(args),
        start_date=args.get("start_date"),
        schedule="@daily",
        catchup=False,
    )
    for number in range(1, TASKS_PER_SUBDAG + 1):
        EmptyOperator(task_id=f"{child_dag_name}-task-{number}", dag=sub)
    return sub
