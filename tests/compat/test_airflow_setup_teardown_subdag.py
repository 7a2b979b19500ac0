"""Airflow-syntax DAG files with setup/teardown and with a SubDagOperator run end to end under
a real scheduler (SQLite and PostgreSQL), and their import paths serve Tradewind's objects.

The SubDagOperator file is shaped like Airflow 2's ``example_subdag_operator``: a factory
returns ``DAG(f"{parent}.{child}")`` and the parent wires the operator between two tasks.
"""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import select

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401 (fixture)
from tests.compat.test_hook import compat_on  # noqa: F401 (fixture)
from tests.scheduling.harness import Harness
from tradewind.authoring.operators.subdag import SubDagOperator
from tradewind.authoring.taskflow_setup_teardown import setup, teardown
from tradewind.config import Config
from tradewind.db.models import DagModel

SETUP_TEARDOWN_DAG = """
import pendulum
from airflow.decorators import setup, task, teardown
from airflow.models.dag import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="airflow_setup_teardown",
    schedule=None,
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    create_cluster = BashOperator(task_id="create_cluster", bash_command="touch @TMP@/cluster")
    delete_cluster = BashOperator(task_id="delete_cluster", bash_command="rm @TMP@/cluster")
    run_query = BashOperator(task_id="run_query", bash_command="test -f @TMP@/cluster && exit 3")
    create_cluster >> run_query >> delete_cluster.as_teardown(setups=create_cluster)

    @setup
    def open_session():
        print("session opened")
        return "s-1"

    @teardown
    def close_session(session_id):
        raise RuntimeError(f"could not close {session_id}")

    @task
    def use_session():
        print("using the session")

    session = open_session()
    with session >> close_session(session):
        use_session()
"""

SUBDAG_DAG = """
import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.bash import BashOperator
from airflow.operators.subdag import SubDagOperator
from airflow.decorators import task

DAG_NAME = "airflow_subdag"

def subdag(parent_dag_name, child_dag_name, args):
    dag_subdag = DAG(
        dag_id=f"{parent_dag_name}.{child_dag_name}",
        default_args=args,
        start_date=datetime.datetime(2022, 1, 1),
        catchup=False,
        schedule="@daily",
    )
    with dag_subdag:
        @task
        def make():
            return 21

        @task
        def double(value):
            print(f"doubled {value * 2}")

        double(make())
    for i in range(3):
        BashOperator(
            task_id=f"{child_dag_name}-task-{i + 1}",
            bash_command="echo {{ task.task_id }} retries={{ task.retries }}",
            default_args=args,
            dag=dag_subdag,
        )
    return dag_subdag

with DAG(
    dag_id=DAG_NAME,
    default_args={"retries": 2},
    start_date=datetime.datetime(2022, 1, 1),
    schedule=None,
) as dag:
    start = EmptyOperator(task_id="start")
    section_1 = SubDagOperator(
        task_id="section-1", subdag=subdag(DAG_NAME, "section-1", dag.default_args)
    )
    some_other_task = EmptyOperator(task_id="some-other-task")
    section_2 = SubDagOperator(
        task_id="section-2", subdag=subdag(DAG_NAME, "section-2", dag.default_args)
    )
    end = EmptyOperator(task_id="end")
    start >> section_1 >> some_other_task >> section_2 >> end
"""


def test_airflow_paths_serve_setup_teardown_and_subdag(compat_on: Config) -> None:  # noqa: F811
    decorators = importlib.import_module("airflow.decorators")
    sdk = importlib.import_module("airflow.sdk")
    assert decorators.setup is sdk.setup is setup
    assert decorators.teardown is sdk.teardown is teardown
    assert importlib.import_module("airflow.operators.subdag").SubDagOperator is SubDagOperator


@pytest.mark.slow
def test_airflow_setup_teardown_and_subdag_dags_run(compat_harness: Harness) -> None:  # noqa: F811
    h = compat_harness
    h.add_dag("setup_teardown", SETUP_TEARDOWN_DAG)
    h.add_dag("subdag", SUBDAG_DAG)
    h.sync()
    with h.db.session() as session:  # the sub-DAGs are not DAGs of their own
        dag_ids = sorted(session.scalars(select(DagModel.dag_id)))
    assert dag_ids == ["airflow_setup_teardown", "airflow_subdag"]
    h.start()
    st = h.trigger("airflow_setup_teardown", run_id="compat")
    sub = h.trigger("airflow_subdag", run_id="compat")

    # run_query fails; its teardown still runs; close_session fails, which is ignored.
    assert h.wait_run("airflow_setup_teardown", st, timeout=90) == "failed"
    assert h.states("airflow_setup_teardown", st) == {
        "create_cluster": "success",
        "run_query": "failed",
        "delete_cluster": "success",
        "open_session": "success",
        "use_session": "success",
        "close_session": "failed",
    }
    assert not (h.tmp / "cluster").exists()
    assert "could not close s-1" in h.try_log("airflow_setup_teardown", st, "close_session")

    assert h.wait_run("airflow_subdag", sub, timeout=90) == "success"
    states = h.states("airflow_subdag", sub)
    assert set(states.values()) == {"success"}
    assert sorted(states) == sorted(
        ["start", "some-other-task", "end"]
        + [f"section-{s}.section-{s}-task-{i}" for s in (1, 2) for i in (1, 2, 3)]
        + [f"section-{s}.{name}" for s in (1, 2) for name in ("make", "double")]
    )
    tis = h.tis("airflow_subdag", sub)
    # Each section ran between its neighbours, with the parent's default_args (retries=2).
    assert tis["section-1.section-1-task-3"].end_date <= tis["some-other-task"].start_date
    assert tis["some-other-task"].end_date <= tis["section-2.section-2-task-1"].start_date
    assert "doubled 42" in h.try_log("airflow_subdag", sub, "section-1.double")
    log = h.try_log("airflow_subdag", sub, "section-2.section-2-task-1")
    assert "section-2.section-2-task-1 retries=2" in log
