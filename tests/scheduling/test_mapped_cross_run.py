"""Mapped tasks seen from other runs: ExternalTaskSensor waits for every instance of a
mapped task (or a mapped group), and depends_on_past waits for every instance of the task
in the previous run, as in Airflow 2.10 (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.db.models import TaskInstance
from tradewind.operators.bash import BashOperator
from tradewind.scheduling.failed_deps import failed_dependencies

MAPPED_PRODUCER = """
import os, time
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task, task_group

with DAG("mapped_producer", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def work(x):
        if x == 3:  # the last instance waits for the test's go
            while not os.path.exists("@TMP@/go"):
                time.sleep(0.05)
        if x == 99:
            raise RuntimeError("instance 99 fails")
        return x

    work.expand(x=[1, 2, 3])
    work.override(task_id="partly_broken").expand(x=[1, 99])

    @task_group
    def grp(x):
        work.override(task_id="inner")(x)

    grp.expand(x=[1, 2, 3])
"""

SENSING = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import ExternalTaskSensor

with DAG("sensing", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    ExternalTaskSensor(task_id="on_mapped", external_dag_id="mapped_producer",
        external_task_id="work", poke_interval=0.2)
    ExternalTaskSensor(task_id="on_mapped_group", external_dag_id="mapped_producer",
        external_task_group_id="grp", poke_interval=0.2)
    ExternalTaskSensor(task_id="on_broken", external_dag_id="mapped_producer",
        external_task_id="partly_broken", failed_states=["failed"], poke_interval=0.2)
"""


@pytest.mark.slow
def test_external_task_sensor_waits_for_every_instance_of_a_mapped_task(
    harness: Harness,
) -> None:
    h = harness
    h.add_dag("mapped_producer", MAPPED_PRODUCER)
    h.add_dag("sensing", SENSING)
    h.sync()
    h.start()
    when = "2024-03-01T00:00:00+00:00"
    sensing = h.trigger("sensing", execution_date=when)
    producer = h.trigger("mapped_producer", execution_date=when)
    # One failed instance of several fails the sensor.
    h.wait_for(
        lambda: h.states("sensing", sensing).get("on_broken") == "failed",
        timeout=60,
        what="the sensor on the partly broken mapped task to fail",
    )
    # Two of three instances done: still waiting (Airflow's count of a group's instances).
    h.wait_for(
        lambda: _instance_states(h, producer, "work") == {0: "success", 1: "success", 2: "running"},
        timeout=60,
        what="instances 0 and 1 of work to succeed",
    )
    assert h.states("sensing", sensing)["on_mapped"] not in ("success", "failed")
    (h.tmp / "go").write_text("")
    assert h.wait_run("sensing", sensing, timeout=90) == "failed"  # on_broken
    states = h.states("sensing", sensing)
    assert states["on_mapped"] == states["on_mapped_group"] == "success"


def _instance_states(h: Harness, run_id: str, task_id: str) -> dict[int, str | None]:
    with h.db.session() as session:
        rows = session.execute(
            select(TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.run_id == run_id, TaskInstance.task_id == task_id
            )
        )
        return dict(rows.all())


START = datetime(2024, 1, 1, tzinfo=UTC)


def _end_instance(passes: PassHarness, run_id: str, map_index: int, state: str) -> None:
    """What the try of instance ``map_index`` of task "m" would write, then its exit."""
    workload = next(
        w
        for w in reversed(passes.executor.queued)
        if w.run_id == run_id and w.task_id == "m" and w.map_index == map_index
    )
    with passes.db.session() as session:
        ti = session.get(TaskInstance, ("past_mapped", run_id, "m", map_index))
        assert ti is not None
        ti.state = state
        ti.try_number = workload.try_number
        ti.end_date = passes.clock.now
    passes.executor.report(workload.key)


def _queued(passes: PassHarness, run_id: str) -> list[int]:
    return sorted(w.map_index for w in passes.executor.queued if w.run_id == run_id)


def test_depends_on_past_waits_for_every_instance_of_the_previous_run(
    passes: PassHarness,
) -> None:
    with DAG("past_mapped", start_date=START, schedule=None, max_active_runs=2) as dag:
        BashOperator.partial(task_id="m", depends_on_past=True).expand(
            bash_command=["echo a", "echo b", "echo c"]
        )
    passes.add_dag(dag)
    first = passes.trigger("past_mapped", START)
    second = passes.trigger("past_mapped", START + timedelta(days=1))
    passes.settle()
    assert _queued(passes, first) == [0, 1, 2] and _queued(passes, second) == []

    _end_instance(passes, first, 0, "success")
    _end_instance(passes, first, 1, "success")
    _end_instance(passes, first, 2, "failed")
    passes.settle()
    # Instances 0 and 1 of the first run succeeded, but not all of them: none starts.
    assert _queued(passes, second) == []
    with passes.db.session() as session:
        ti = session.get(TaskInstance, ("past_mapped", second, "m", -1))  # not expanded
        assert ti is not None
        reasons = " ".join(failed_dependencies(session, passes.config, ti))
    assert "1 of its 3 instances are failed" in reasons

    # An instance removed (by a re-sizing) is no longer part of the task.
    with passes.db.session() as session:
        ti = session.get(TaskInstance, ("past_mapped", first, "m", 2))
        assert ti is not None
        ti.state = "removed"
    passes.settle()
    assert _queued(passes, second) == [0, 1, 2]
