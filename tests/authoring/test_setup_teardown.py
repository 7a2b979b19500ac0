"""Setup and teardown at definition time: marks, wiring, the `with` form, task groups,
errors for what cannot be, and what the serialized DAG carries for the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.task_group import TaskGroup
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.decorators import setup, task, teardown
from tradewind.exceptions import DagDefinitionError
from tradewind.operators.empty import EmptyOperator

START = datetime(2024, 1, 1, tzinfo=UTC)


def new_dag(dag_id: str = "st") -> DAG:
    return DAG(dag_id, start_date=START, schedule=None)


def downstream(dag: DAG) -> dict[str, list[str]]:
    return {task.task_id: sorted(task.downstream_task_ids) for task in dag.tasks}


def test_as_teardown_with_setups_marks_both_and_wires_the_pair() -> None:
    with new_dag() as dag:
        create, delete = EmptyOperator(task_id="create"), EmptyOperator(task_id="delete")
        create >> EmptyOperator(task_id="work") >> delete.as_teardown(setups=create)
    assert create.is_setup and not create.is_teardown
    assert delete.is_teardown and delete.trigger_rule == "all_done_setup_success"
    assert not delete.on_failure_fail_dagrun
    assert downstream(dag) == {"create": ["delete", "work"], "work": ["delete"], "delete": []}


def test_decorators_mark_taskflow_tasks_and_the_with_form_wraps_new_work() -> None:
    with new_dag() as dag:

        @setup
        def create() -> str:
            return "x"

        @teardown(on_failure_fail_dagrun=True)
        def delete(name: str) -> None:
            pass

        @task
        def work() -> None:
            pass

        made = create()
        with made >> delete(made):
            first = work()
            first >> [work(), work()]
        EmptyOperator(task_id="outside")
    assert downstream(dag) == {
        "create": ["delete", "work"],
        "delete": [],
        "work": ["work__1", "work__2"],
        "work__1": ["delete"],
        "work__2": ["delete"],
        "outside": [],
    }
    assert dag.get_task("delete").on_failure_fail_dagrun


def test_nested_blocks_tear_down_inside_out() -> None:
    with new_dag() as dag:
        outer, outer_down = EmptyOperator(task_id="s1"), EmptyOperator(task_id="t1")
        with outer >> outer_down.as_teardown(setups=outer):
            inner, inner_down = EmptyOperator(task_id="s2"), EmptyOperator(task_id="t2")
            with inner >> inner_down.as_teardown(setups=inner):
                EmptyOperator(task_id="w")
    assert downstream(dag) == {
        "s1": ["s2", "t1"],
        "t1": [],
        "s2": ["t2", "w"],
        "t2": ["t1"],
        "w": ["t2"],
    }


def test_a_task_group_leaves_out_its_teardown_when_followed() -> None:
    with new_dag() as dag:
        with TaskGroup("g") as group:
            create, delete = EmptyOperator(task_id="create"), EmptyOperator(task_id="delete")
            create >> EmptyOperator(task_id="work") >> delete.as_teardown(setups=create)
        group >> EmptyOperator(task_id="after")
    assert dag.get_task("g.work").downstream_task_ids == {"g.delete", "after"}
    assert dag.get_task("g.delete").downstream_task_ids == set()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda a: a.as_setup().as_teardown(), "already a setup"),
        (lambda a: a.as_teardown().as_setup(), "already a teardown"),
        (lambda a: a.__enter__(), "neither a setup nor a teardown"),
    ],
)
def test_impossible_marks_are_errors_naming_the_task(build: object, message: str) -> None:
    with new_dag():
        a = EmptyOperator(task_id="a")
        with pytest.raises(DagDefinitionError, match=f"'a'.*{message}|{message}"):
            build(a)  # type: ignore[operator]


def test_a_teardown_whose_trigger_rule_was_changed_fails_validation() -> None:
    with new_dag() as dag:
        EmptyOperator(task_id="t").as_teardown().trigger_rule = "all_success"  # type: ignore[assignment]
    with pytest.raises(DagDefinitionError, match="teardown task 't' has trigger_rule"):
        dag.validate()


def test_the_serialized_dag_carries_the_marks_and_the_run_state_leaves() -> None:
    with new_dag() as dag:
        create, delete = EmptyOperator(task_id="create"), EmptyOperator(task_id="delete")
        create >> EmptyOperator(task_id="work") >> delete.as_teardown(setups=create)
        strict = EmptyOperator(task_id="strict").as_teardown(
            setups=create, on_failure_fail_dagrun=True
        )
    sdag = SerializedDAG.from_dict(serialize_dag(dag))
    assert sdag.tasks["create"].is_setup and sdag.tasks["delete"].is_teardown
    assert sdag.tasks["strict"].on_failure_fail_dagrun and strict.is_teardown
    assert sdag.setup_ids == {"create"}
    assert set(sdag.run_state_leaves) == {"work", "strict"}  # "delete" does not count
    assert SerializedDAG.from_dict(sdag.to_dict()).tasks["delete"].is_teardown
