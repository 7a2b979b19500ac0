"""Instances of a mapped task group, one scheduler pass at a time (fast layer, see
``passes.py``): instance i of a task waits only for instance i of its upstream tasks in
the group, and ``tasks failed-deps`` explains it the same way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.db.models import TaskInstance
from tradewind.decorators import task, task_group
from tradewind.scheduling.failed_deps import failed_dependencies

START = datetime(2024, 1, 1, tzinfo=UTC)


def _end(passes: PassHarness, run_id: str, task_id: str, map_index: int, state: str) -> None:
    workload = next(
        w
        for w in reversed(passes.executor.queued)
        if w.run_id == run_id and w.task_id == task_id and w.map_index == map_index
    )
    with passes.db.session() as session:
        ti = session.get(TaskInstance, ("groups", run_id, task_id, map_index))
        assert ti is not None
        ti.state = state
        ti.try_number = workload.try_number
        ti.end_date = passes.clock.now
    passes.executor.report(workload.key)


def _states(passes: PassHarness, run_id: str, task_id: str) -> dict[int, str | None]:
    with passes.db.session() as session:
        return dict(
            session.execute(
                select(TaskInstance.map_index, TaskInstance.state).where(
                    TaskInstance.run_id == run_id, TaskInstance.task_id == task_id
                )
            ).all()
        )


def test_instance_i_waits_for_instance_i_inside_a_mapped_group(passes: PassHarness) -> None:
    @task
    def first(x: int) -> int:
        return x

    @task
    def second(x: int) -> int:
        return x

    @task_group
    def group(x: int) -> None:
        second(first(x))

    with DAG("groups", start_date=START, schedule=None) as dag:
        group.expand(x=[1, 2, 3])
    passes.add_dag(dag)
    run_id = passes.trigger("groups", START)
    passes.settle()
    assert _states(passes, run_id, "group.first") == {0: "queued", 1: "queued", 2: "queued"}
    assert _states(passes, run_id, "group.second") == {0: None, 1: None, 2: None}

    _end(passes, run_id, "group.first", 0, "success")
    passes.settle()
    # second[0] starts without waiting for first[1] and first[2].
    assert _states(passes, run_id, "group.second") == {0: "queued", 1: None, 2: None}
    with passes.db.session() as session:
        ti = session.get(TaskInstance, ("groups", run_id, "group.second", 1))
        assert ti is not None
        reasons = " ".join(failed_dependencies(session, passes.config, ti))
    assert "group.first[1]=queued" in reasons and "group.first[0]" not in reasons

    _end(passes, run_id, "group.first", 1, "failed")
    passes.settle()
    assert _states(passes, run_id, "group.second") == {
        0: "queued",
        1: "upstream_failed",
        2: None,
    }


def test_a_failed_producer_fails_the_whole_group_downstream(passes: PassHarness) -> None:
    @task
    def make() -> list[int]:
        return [1, 2]

    @task
    def first(x: int) -> int:
        return x

    @task
    def second(x: int) -> int:
        return x

    @task_group
    def group(x: int) -> None:
        second(first(x))

    with DAG("groups", start_date=START, schedule=None) as dag:
        group.expand(x=make())
    passes.add_dag(dag)
    run_id = passes.trigger("groups", START)
    passes.settle()
    # Not expanded while the input is unknown: one waiting placeholder per task.
    assert _states(passes, run_id, "group.first") == {-1: None}
    _end(passes, run_id, "make", -1, "failed")
    passes.settle()
    assert _states(passes, run_id, "group.first") == {-1: "upstream_failed"}
    assert _states(passes, run_id, "group.second") == {-1: "upstream_failed"}
    assert passes.run_state(run_id) == "failed"
