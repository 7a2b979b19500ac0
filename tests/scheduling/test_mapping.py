"""Dynamic task mapping through a real scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import TaskInstance, XCom

MAPPED_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

with DAG("mapped", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def make():
        return [1, 2, 3]

    @task
    def add(x, y):
        return x + y

    @task
    def total(values):
        return {"sum": sum(values), "kind": type(values).__name__, "list": list(values)}

    numbers = make()
    added = add.partial(y=10).expand(x=numbers)
    total(added)
    BashOperator.partial(task_id="echo").expand(bash_command=["echo one", "echo two"])
    add.override(task_id="by_kwargs").expand_kwargs([{"x": 1, "y": 2}, {"x": 3, "y": 4}])
    add.override(task_id="zipped").expand(
        x=numbers.map(lambda v: v * 100).zip([7, 8]).map(lambda pair: pair[0] + pair[1]),
        y=[0, 1000],
    )

    def show(x):
        return f"got {x}"

    PythonOperator.partial(task_id="classic", python_callable=show).expand(op_args=[[1], [2]])
    PythonOperator.partial(task_id="empty", python_callable=show).expand(op_args=[])
"""


def _instances(harness: Harness, dag_id: str, run_id: str) -> dict[tuple[str, int], str | None]:
    with harness.db.session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        )
        return {(tid, mi): state for tid, mi, state in rows}


def _xcoms(harness: Harness, dag_id: str, task_id: str) -> dict[int, object]:
    with harness.db.session() as session:
        rows = session.execute(
            select(XCom.map_index, XCom.value).where(
                XCom.dag_id == dag_id, XCom.task_id == task_id, XCom.key == "return_value"
            )
        )
        return dict(rows.all())


def test_mapped_tasks_run_one_instance_per_element(harness: Harness) -> None:
    harness.add_dag("mapped", MAPPED_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("mapped")
    assert harness.wait_run("mapped", run_id, timeout=60) == "success"
    states = _instances(harness, "mapped", run_id)
    assert {k: v for k, v in states.items() if k[0] == "add"} == {
        ("add", 0): "success",
        ("add", 1): "success",
        ("add", 2): "success",
    }
    assert _xcoms(harness, "mapped", "add") == {0: 11, 1: 12, 2: 13}
    # The downstream task got the mapped values as one sequence, in map-index order.
    assert _xcoms(harness, "mapped", "total") == {
        -1: {"sum": 36, "kind": "LazyXComSequence", "list": [11, 12, 13]}
    }
    assert _xcoms(harness, "mapped", "by_kwargs") == {0: 3, 1: 7}
    # zip stops at the shortest (2); two values of y make four combinations, y fastest.
    assert _xcoms(harness, "mapped", "zipped") == {0: 107, 1: 1107, 2: 208, 3: 1208}
    assert states[("echo", 0)] == states[("echo", 1)] == "success"
    assert "one" in harness.try_log("mapped", run_id, "echo", map_index=0)
    assert _xcoms(harness, "mapped", "classic") == {0: "got 1", 1: "got 2"}
    # A zero-length expansion skips the task.
    assert states[("empty", -1)] == "skipped"
