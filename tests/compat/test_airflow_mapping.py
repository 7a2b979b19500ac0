"""An Airflow-syntax DAG with dynamic task mapping runs unchanged under compat, on SQLite and
PostgreSQL: partial/expand over an upstream XComArg, expand_kwargs and zip."""

from __future__ import annotations

from sqlalchemy import select

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401  (fixture)
from tests.scheduling.harness import Harness
from tradewind.db.models import TaskInstance, XCom

AIRFLOW_MAPPED_DAG = """
import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.models.mappedoperator import MappedOperator
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="airflow_mapped",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    catchup=False,
) as dag:

    @task
    def list_files():
        return ["a.csv", "b.csv", "c.csv"]

    @task
    def sizes():
        return [10, 20]

    @task
    def load(name, prefix):
        return f"{prefix}{name}"

    @task
    def pair(item):
        return f"{item[0]}={item[1]}"

    @task
    def report(loaded, paired):
        print("loaded:", list(loaded), "paired:", list(paired))
        return [list(loaded), list(paired)]

    files = list_files()
    loaded = load.partial(prefix="s3://bucket/").expand(name=files)
    paired = pair.expand(item=files.zip(sizes()))
    report(loaded, paired)

    echo = BashOperator.partial(task_id="echo", retries=0).expand_kwargs(
        files.map(lambda name: {"bash_command": f"echo loading {name}"})
    )
    assert isinstance(echo, MappedOperator)
"""


def test_airflow_syntax_mapping_runs_under_a_scheduler(compat_harness: Harness) -> None:  # noqa: F811
    h = compat_harness
    h.add_dag("airflow_mapped", AIRFLOW_MAPPED_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("airflow_mapped", run_id="compat")
    assert h.wait_run("airflow_mapped", run_id, timeout=90) == "success", h.scheduler_log()[-3000:]
    with h.db.session() as session:
        instances = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == "airflow_mapped"
            )
        ).all()
        report = session.scalar(
            select(XCom.value).where(XCom.dag_id == "airflow_mapped", XCom.task_id == "report")
        )
    by_task: dict[str, list[int]] = {}
    for task_id, map_index, state in instances:
        assert state == "success", (task_id, map_index, state)
        by_task.setdefault(task_id, []).append(map_index)
    assert sorted(by_task["load"]) == [0, 1, 2]
    assert sorted(by_task["pair"]) == [0, 1]  # zip stops at the shorter input
    assert sorted(by_task["echo"]) == [0, 1, 2]
    assert report == [
        ["s3://bucket/a.csv", "s3://bucket/b.csv", "s3://bucket/c.csv"],
        ["a.csv=10", "b.csv=20"],
    ]
    assert "loading b.csv" in h.try_log("airflow_mapped", run_id, "echo", map_index=1)
