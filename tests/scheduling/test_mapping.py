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


INSTANCES_DAG = """
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator

with DAG("instances", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def make():
        return [1, 2, 3]

    @task(retries=1, retry_delay=timedelta(seconds=0))
    def flaky(x):
        marker = Path("@TMP@") / f"tried_{x}"
        if x == 2 and not marker.exists():
            marker.write_text("once")
            raise RuntimeError("first try of instance 2 fails")
        return x * 10

    @task
    def too_many():
        return list(range(5))

    @task
    def after(values):
        return list(values)

    done = after(flaky.expand(x=make()))
    flaky.override(task_id="never").expand(x=too_many())
    BashOperator.partial(task_id="wide").expand(bash_command=["true"] * 4)
"""


def test_each_instance_has_its_own_try_retries_log_and_api_answer(harness: Harness) -> None:
    from tests.api.server import serve

    harness.add_dag("instances", INSTANCES_DAG)
    harness.sync()
    harness.start(TRADEWIND__CORE__MAX_MAP_LENGTH="3")
    run_id = harness.trigger("instances")
    assert harness.wait_run("instances", run_id, timeout=60) == "failed"
    with harness.db.session() as session:
        tis = {
            (ti.task_id, ti.map_index): (ti.state, ti.try_number)
            for ti in session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == "instances")
            )
        }
    # Instance 2 failed once and succeeded on its retry; the others took one try.
    assert tis[("flaky", 0)] == ("success", 1)
    assert tis[("flaky", 1)] == ("success", 2)
    assert tis[("flaky", 2)] == ("success", 1)
    assert "first try of instance 2 fails" in harness.try_log(
        "instances", run_id, "flaky", try_number=1, map_index=1
    )
    # The downstream task waited for every instance, and read them in map-index order.
    assert tis[("after", -1)] == ("success", 1)
    assert _xcoms(harness, "instances", "after") == {-1: [10, 20, 30]}
    # Five values for a limit of three: the task that pushed them fails, saying why.
    assert tis[("too_many", -1)][0] == "failed"
    assert "more than [core] max_map_length (3)" in harness.try_log("instances", run_id, "too_many")
    assert tis[("never", -1)][0] == "upstream_failed"
    # Four literal values for a limit of three: the mapped task itself fails.
    assert tis[("wide", -1)][0] == "failed"
    assert "exceeds [core] max_map_length (3)" in harness.scheduler_log()

    with serve(harness.config, harness.db) as server, server.client() as client:
        path = f"/dags/instances/dag_runs/{run_id}/tasks/flaky"
        one = client.get(path, params={"map_index": 1})
        assert one.status_code == 200, one.text
        assert one.json()["try_number"] == "2" and one.json()["state"] == "success"
        plain = client.get(path)
        assert plain.status_code == 404
        assert "?map_index=" in plain.json()["error"]
        assert client.get(path, params={"map_index": "x"}).status_code == 400
        unmapped = client.get(f"/dags/instances/dag_runs/{run_id}/tasks/after")
        assert unmapped.json()["state"] == "success"
        log = client.get(f"{path}/logs", params={"map_index": 1, "try_number": 1})
        assert "first try of instance 2 fails" in log.json()["content"]


def test_clearing_one_instance_runs_only_it_again(harness: Harness) -> None:
    from tradewind.operations.clearing import clear_task_instances

    harness.add_dag("mapped", MAPPED_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("mapped")
    assert harness.wait_run("mapped", run_id, timeout=60) == "success"
    cleared = clear_task_instances(
        harness.db,
        harness.config,
        "mapped",
        task_regex="^add$",
        map_indexes=[1],
        run_id=run_id,
        actor="test",
    )
    assert [(c.task_id, c.map_index) for c in cleared] == [("add", 1)]
    assert harness.wait_run("mapped", run_id, timeout=60) == "success"
    with harness.db.session() as session:
        tries = dict(
            session.execute(
                select(TaskInstance.map_index, TaskInstance.try_number).where(
                    TaskInstance.dag_id == "mapped", TaskInstance.task_id == "add"
                )
            ).all()
        )
    assert tries == {0: 1, 1: 2, 2: 1}
