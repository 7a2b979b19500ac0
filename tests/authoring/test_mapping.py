"""Mapped tasks as authored: the spec the scheduler reads and errors that name the mistake."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind import DAG
from tradewind.authoring.mapping import MappedOperator
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.decorators import task
from tradewind.exceptions import DagDefinitionError
from tradewind.operators.bash import BashOperator

START = datetime(2024, 1, 1)


@task
def make() -> list[int]:
    return [1, 2]


@task
def add(x: int, y: int) -> int:
    return x + y


def _spec(dag: DAG, task_id: str) -> object:
    return SerializedDAG.from_dict(serialize_dag(dag)).tasks[task_id].mapped


def test_expand_records_what_the_scheduler_counts() -> None:
    with DAG("spec", start_date=START, schedule=None) as dag:
        numbers = make()
        add.partial(y=1).expand(x=numbers)
        add.expand(x=[1, 2, 3], y={"a": 1, "b": 2})
        add.expand(x=numbers.zip([5, 6, 7], fillvalue=0))
        BashOperator.partial(task_id="echo").expand_kwargs(numbers.map(lambda n: {}))
    assert _spec(dag, "add") == {"kind": "kwargs", "sources": {"x": {"xcom": "make"}}}
    assert _spec(dag, "add__1") == {
        "kind": "kwargs",
        "sources": {"x": {"literal": 3}, "y": {"literal": 2}},
    }
    assert _spec(dag, "add__2") == {
        "kind": "kwargs",
        "sources": {"x": {"zip": [{"xcom": "make"}, {"literal": 3}], "longest": True}},
    }
    assert _spec(dag, "echo") == {"kind": "list", "sources": {"": {"xcom": "make"}}}
    assert dag.get_task("add").upstream_task_ids == {"make"}
    assert dag.get_task("echo").upstream_task_ids == {"make"}
    assert _spec(dag, "make") is None
    assert isinstance(dag.get_task("echo"), MappedOperator)


def test_default_args_reach_mapped_tasks() -> None:
    with DAG("defaults", start_date=START, schedule=None, default_args={"retries": 3}):
        mapped = BashOperator.partial(task_id="echo").expand(bash_command=["a"])
    assert mapped.retries == 3


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: add.expand(), "needs at least one argument"),
        (lambda: add.expand(z=[1]), "has no parameter 'z'"),
        (lambda: add.partial(x=1).expand(x=[1]), "both partial() and expand()"),
        (lambda: add.expand(x="abc"), "must be a list, a dict or a task's output"),
        (lambda: BashOperator.partial(task_id="b").expand(nope=[1]), "has no argument 'nope'"),
        (lambda: BashOperator.partial().expand(bash_command=["x"]), "needs a task_id"),
        (lambda: BashOperator.partial(task_id="b").expand(task_id=["x"]), "cannot be mapped"),
        (lambda: add.expand_kwargs([1, 2]), "must be a list of dicts"),
        (lambda: add.expand(x=make()["key"]), "only a task's return value"),
    ],
)
def test_mistakes_are_named(build, message: str) -> None:  # type: ignore[no-untyped-def]
    with DAG("bad", start_date=START, schedule=None), pytest.raises(DagDefinitionError) as err:
        build()
    assert message in str(err.value)
