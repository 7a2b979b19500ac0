"""A DAG in Airflow's syntax with nested task groups and a ``@task_group`` runs end to end
under a real scheduler (SQLite and PostgreSQL), with grouped ids, XComs between grouped
tasks and a group's default_args in effect."""

from __future__ import annotations

import importlib

import pytest

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401 (fixture)
from tests.compat.test_hook import compat_on  # noqa: F401 (fixture)
from tests.scheduling.harness import Harness
from tradewind.authoring.task_group import TaskGroup
from tradewind.authoring.task_group_decorator import task_group
from tradewind.config import Config

GROUPS_DAG = """
import pendulum
from airflow import DAG
from airflow.decorators import task, task_group
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

@task
def extract():
    return [1, 2, 3]

@task
def total(values):
    return sum(values)

@task
def report(value, **context):
    print(f"report {context['ti'].task_id} got {value}")
    return value

@task_group
def summarise(values):
    \"\"\"Add up, then report.\"\"\"
    return report(total(values))

with DAG(
    dag_id="grouped",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    default_args={"retries": 0},
) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("prepare", tooltip="Get the data") as prepare:
        values = extract()
        with TaskGroup("checks", default_args={"retries": 2}) as checks:
            BashOperator(task_id="size", bash_command="echo size retries={{ task.retries }}")
            BashOperator(task_id="types", bash_command="echo checking types")
        values >> checks
    first = summarise(values)
    second = summarise(values)
    end = EmptyOperator(task_id="end")
    start >> prepare >> [first, second] >> end
"""

EXPECTED_TASKS = {
    "start",
    "prepare.extract",
    "prepare.checks.size",
    "prepare.checks.types",
    "summarise.total",
    "summarise.report",
    "summarise__1.total",
    "summarise__1.report",
    "end",
}


def test_airflow_task_group_paths_serve_tradewind_objects(compat_on: Config) -> None:  # noqa: F811
    utils = importlib.import_module("airflow.utils.task_group")
    decorators = importlib.import_module("airflow.decorators")
    sdk = importlib.import_module("airflow.sdk")
    assert utils.TaskGroup is sdk.TaskGroup is TaskGroup
    assert decorators.task_group is sdk.task_group is task_group


@pytest.mark.slow
def test_dag_with_task_groups_runs_to_success(compat_harness: Harness) -> None:  # noqa: F811
    h = compat_harness
    h.add_dag("grouped", GROUPS_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("grouped", run_id="groups")
    assert h.wait_run("grouped", run_id, timeout=90) == "success", (
        h.states("grouped", run_id),
        h.scheduler_log()[-3000:],
    )
    states = h.states("grouped", run_id)
    assert set(states) == EXPECTED_TASKS
    assert set(states.values()) == {"success"}
    assert "report summarise.report got 6" in h.try_log("grouped", run_id, "summarise.report")
    assert "got 6" in h.try_log("grouped", run_id, "summarise__1.report")
    assert "size retries=2" in h.try_log("grouped", run_id, "prepare.checks.size")
