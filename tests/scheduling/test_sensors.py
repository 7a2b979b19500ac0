"""Sensors under a real scheduler (SQLite and PostgreSQL): poke and reschedule modes,
timeouts, @task.sensor's XCom, FileSensor, ExternalTaskSensor/Marker and
TriggerDagRunOperator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import DagRun, TaskReschedule, XCom
from tradewind.operations.clearing import clear_task_instances
from tradewind.operations.pools import create_or_update_pool

pytestmark = pytest.mark.slow

POKE_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import FileSensor

with DAG("poke", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    FileSensor(task_id="wait_file", filepath="@TMP@/in/**/*.csv", recursive=True,
               poke_interval=0.1, timeout=60)
"""


def _log_so_far(h: Harness, dag_id: str, run_id: str, task_id: str) -> str:
    """The try's log, empty until its first line is written."""
    try:
        return h.try_log(dag_id, run_id, task_id)
    except FileNotFoundError:
        return ""


def test_poke_mode_holds_the_try_until_a_file_appears_mid_wait(harness: Harness) -> None:
    h = harness
    h.add_dag("poke", POKE_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("poke")
    h.wait_for(lambda: h.states("poke", run_id).get("wait_file") == "running", what="sensor")
    h.wait_for(
        lambda: "Poking for file" in _log_so_far(h, "poke", run_id, "wait_file"), what="poke"
    )
    assert h.states("poke", run_id)["wait_file"] == "running"  # no file: still poking
    (h.tmp / "in" / "deep").mkdir(parents=True)
    (h.tmp / "in" / "deep" / "data.csv").write_text("a,b\n")
    assert h.wait_run("poke", run_id) == "success"
    ti = h.tis("poke", run_id)["wait_file"]
    assert ti.try_number == 1
    assert "data.csv" in h.try_log("poke", run_id, "wait_file")


RESCHEDULE_DAG = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import FileSensor
from tradewind.operators.python import PythonOperator

def make_file():
    with open("@TMP@/ready", "w") as f:
        f.write("ok")

with DAG("resched", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    FileSensor(task_id="wait", filepath="@TMP@/ready", mode="reschedule", poke_interval=0.5,
               timeout=60, pool="one", priority_weight=10, retries=3)
    # Same pool of one slot: it can only run while the sensor is between pokes.
    PythonOperator(task_id="maker", python_callable=make_file, pool="one", priority_weight=1)
"""


def test_reschedule_mode_frees_the_slot_between_pokes(harness: Harness) -> None:
    h = harness
    create_or_update_pool(h.db, "one", 1, actor="test")
    h.add_dag("resched", RESCHEDULE_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("resched")
    assert h.wait_run("resched", run_id) == "success", h.states("resched", run_id)
    tis = h.tis("resched", run_id)
    assert tis["wait"].state == "success"
    assert tis["maker"].state == "success"
    # The maker ran while the sensor waited, in the sensor's only slot.
    assert tis["maker"].start_date < tis["wait"].start_date
    assert tis["wait"].try_number == 1  # every poke was the same try
    with h.db.session() as session:
        pokes = session.scalars(
            select(TaskReschedule).where(
                TaskReschedule.dag_id == "resched", TaskReschedule.task_id == "wait"
            )
        ).all()
    assert pokes and {p.try_number for p in pokes} == {1}
    log = h.try_log("resched", run_id, "wait", 1)
    assert "Rescheduling the task: next poke at" in log
    assert log.count("Starting try 1 of 4") >= 2


TIMEOUT_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import PythonSensor

with DAG("timeouts", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonSensor(task_id="hard", python_callable=lambda: False, mode="reschedule",
                 poke_interval=0.3, timeout=1.5, retries=2)
    PythonSensor(task_id="soft", python_callable=lambda: False, mode="reschedule",
                 poke_interval=0.3, timeout=1.5, soft_fail=True)
    PythonSensor(task_id="poking", python_callable=lambda: False, poke_interval=0.2,
                 timeout=0.5, retries=2)
"""


def test_timeout_counts_from_the_first_poke_and_soft_fail_skips(harness: Harness) -> None:
    h = harness
    h.add_dag("timeouts", TIMEOUT_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("timeouts")
    # Were the timeout counted from each poke's start, the rescheduled ones never ended.
    assert h.wait_run("timeouts", run_id, timeout=60) == "failed"
    tis = h.tis("timeouts", run_id)
    assert (tis["hard"].state, tis["hard"].try_number) == ("failed", 1)  # no retry
    assert (tis["soft"].state, tis["soft"].try_number) == ("skipped", 1)
    assert (tis["poking"].state, tis["poking"].try_number) == ("failed", 1)
    assert "Sensor has timed out" in h.try_log("timeouts", run_id, "hard")
    assert "soft_fail" in h.try_log("timeouts", run_id, "soft")
    assert "not retrying: Sensor has timed out" in h.try_log("timeouts", run_id, "poking")


TASKFLOW_DAG = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.sensors import PokeReturnValue

COUNTER = "@TMP@/pokes"

@task.sensor(poke_interval=0.1, timeout=30, mode="reschedule")
def wait_three(limit):
    n = int(open(COUNTER).read()) + 1 if os.path.exists(COUNTER) else 1
    with open(COUNTER, "w") as f:
        f.write(str(n))
    return PokeReturnValue(is_done=n >= limit, xcom_value={"pokes": n})

@task
def report(found):
    return found["pokes"] * 10

with DAG("taskflow_sensor", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    report(wait_three(3))
"""


def test_task_sensor_hands_its_poke_return_value_downstream(harness: Harness) -> None:
    h = harness
    h.add_dag("taskflow_sensor", TASKFLOW_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("taskflow_sensor")
    assert h.wait_run("taskflow_sensor", run_id) == "success"
    with h.db.session() as session:
        values = dict(
            session.execute(
                select(XCom.task_id, XCom.value).where(
                    XCom.dag_id == "taskflow_sensor", XCom.key == "return_value"
                )
            ).all()
        )
    assert values == {"wait_three": {"pokes": 3}, "report": 30}


UPSTREAM_DAG = """
import os, time
from datetime import datetime
from tradewind import DAG, TaskGroup
from tradewind.operators.python import PythonOperator

def slow():
    while not os.path.exists("@TMP@/go"):
        time.sleep(0.05)

def boom():
    raise RuntimeError("boom")

with DAG("producer", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    produce = PythonOperator(task_id="produce", python_callable=slow)
    with TaskGroup("grp") as grp:
        PythonOperator(task_id="a", python_callable=lambda: 1)
        PythonOperator(task_id="b", python_callable=lambda: 2)
    produce >> grp
    PythonOperator(task_id="broken", python_callable=boom)
"""

DOWNSTREAM_DAG = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.sensors import ExternalTaskSensor, ExternalTaskMarker
from tradewind.operators.python import PythonOperator

with DAG("consumer", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    on_task = ExternalTaskSensor(task_id="on_task", external_dag_id="producer",
        external_task_id="produce", poke_interval=0.2, mode="reschedule", check_existence=True)
    on_group = ExternalTaskSensor(task_id="on_group", external_dag_id="producer",
        external_task_group_id="grp", poke_interval=0.2)
    on_dag = ExternalTaskSensor(task_id="on_dag", external_dag_id="producer",
        allowed_states=["failed"], poke_interval=0.2)
    on_broken = ExternalTaskSensor(task_id="on_broken", external_dag_id="producer",
        external_task_id="broken", failed_states=["failed"], poke_interval=0.2)
    shifted = ExternalTaskSensor(task_id="shifted", external_dag_id="producer",
        external_task_id="produce", execution_delta=timedelta(hours=1), poke_interval=0.2,
        timeout=1, soft_fail=True)
    after = PythonOperator(task_id="after", python_callable=lambda: "done")
    [on_task, on_group] >> after
"""


def test_external_task_sensor_waits_for_another_dags_task_group_and_run(
    harness: Harness,
) -> None:
    h = harness
    h.add_dag("producer", UPSTREAM_DAG)
    h.add_dag("consumer", DOWNSTREAM_DAG)
    h.sync()
    h.start()
    when = "2024-03-01T00:00:00+00:00"
    consumer = h.trigger("consumer", execution_date=when)
    producer = h.trigger("producer", execution_date=when)
    h.wait_for(
        lambda: h.states("consumer", consumer).get("on_broken") == "failed",
        what="the sensor on the broken task to fail",
    )
    h.wait_for(  # nothing an hour earlier: it times out, soft_fail skips it
        lambda: h.states("consumer", consumer).get("shifted") == "skipped", what="shifted"
    )
    states = h.states("consumer", consumer)
    assert states["on_task"] in ("up_for_reschedule", "scheduled", "queued", "running")
    assert states["after"] is None
    (h.tmp / "go").write_text("")
    assert h.wait_run("producer", producer) == "failed"  # "broken" fails it
    assert h.wait_run("consumer", consumer) == "failed"  # on_broken failed
    states = h.states("consumer", consumer)
    assert states["on_task"] == states["on_group"] == states["on_dag"] == "success"
    assert states["after"] == "success"
    assert "failed (in one of ['failed'])" in h.try_log("consumer", consumer, "on_broken")


PARENT_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import ExternalTaskMarker
from tradewind.operators.python import PythonOperator

with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    work = PythonOperator(task_id="work", python_callable=lambda: 1)
    mark = ExternalTaskMarker(task_id="mark", external_dag_id="child",
                              external_task_id="wait_parent")
    work >> mark
"""

CHILD_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import ExternalTaskSensor
from tradewind.operators.python import PythonOperator

with DAG("child", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    first = PythonOperator(task_id="first", python_callable=lambda: 0)
    wait = ExternalTaskSensor(task_id="wait_parent", external_dag_id="parent",
                              external_task_id="work", poke_interval=0.2)
    use = PythonOperator(task_id="use", python_callable=lambda: 2)
    first >> wait >> use
"""


def test_clearing_an_external_task_marker_clears_the_dependent_dag(harness: Harness) -> None:
    h = harness
    h.add_dag("parent", PARENT_DAG)
    h.add_dag("child", CHILD_DAG)
    h.sync()
    h.start()
    when = "2024-05-01T00:00:00+00:00"
    parent = h.trigger("parent", execution_date=when)
    child = h.trigger("child", execution_date=when)
    assert h.wait_run("parent", parent) == "success"
    assert h.wait_run("child", child) == "success"
    listed = clear_task_instances(
        h.db, None, "parent", task_regex="^work$", downstream=True, dry_run=True, actor="test"
    )
    assert {(c.dag_id, c.task_id) for c in listed} == {
        (None, "work"),
        (None, "mark"),
        ("child", "wait_parent"),
        ("child", "use"),
    }
    clear_task_instances(h.db, h.config, "parent", task_regex="^work$", downstream=True, actor="t")
    h.wait_for(lambda: h.tis("child", child)["use"].try_number == 2, what="child to run again")
    assert h.wait_run("child", child) == "success"
    tis = h.tis("child", child)
    assert (tis["first"].try_number, tis["wait_parent"].try_number) == (1, 2)


CONTROLLER_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.trigger_dagrun import TriggerDagRunOperator

with DAG("controller", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    TriggerDagRunOperator(task_id="go", trigger_dag_id="target", conf={"x": 7},
        trigger_run_id="from_{{ dag_run.run_id }}", wait_for_completion=True,
        poke_interval=0.2)
    TriggerDagRunOperator(task_id="go_bad", trigger_dag_id="target_bad",
        wait_for_completion=True, poke_interval=0.2)
    TriggerDagRunOperator(task_id="again", trigger_dag_id="target",
        trigger_run_id="from_{{ dag_run.run_id }}", skip_when_already_exists=True,
        trigger_rule="all_done")
    dag.get_task("go") >> dag.get_task("again")
    dag.get_task("go_bad") >> dag.get_task("again")
"""

TARGET_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def show(dag_run):
    return dag_run.conf["x"] * 2

def fail():
    raise RuntimeError("target fails")

with DAG("target", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="show", python_callable=show)

with DAG("target_bad", start_date=datetime(2024, 1, 1), schedule=None) as bad:
    PythonOperator(task_id="fail", python_callable=fail)
"""


def test_trigger_dag_run_operator_waits_for_the_triggered_run(harness: Harness) -> None:
    h = harness
    h.add_dag("controller", CONTROLLER_DAG)
    h.add_dag("target", TARGET_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("controller", run_id="ctl")
    # The run's state is its leaf's: "again", skipped as the run it would make exists.
    assert h.wait_run("controller", run_id, timeout=60) == "success"
    states = h.states("controller", run_id)
    assert states == {"go": "success", "go_bad": "failed", "again": "skipped"}, states
    with h.db.session() as session:
        target = session.scalars(select(DagRun).where(DagRun.dag_id == "target")).one()
        assert (target.run_id, target.state, target.conf) == ("from_ctl", "success", {"x": 7})
        assert target.triggered_by == "controller.go"
        pushed = session.scalar(
            select(XCom.value).where(
                XCom.dag_id == "controller", XCom.task_id == "go", XCom.key == "trigger_run_id"
            )
        )
    assert pushed == "from_ctl"
    assert h.run_state("target_bad", h.runs("target_bad")[0].run_id) == "failed"
    assert "target_bad failed with failed states failed" in h.try_log(
        "controller", run_id, "go_bad"
    )
