from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, PythonOperator
from tradewind.authoring.taskflow import DecoratedPythonOperator, unique_task_id
from tradewind.authoring.xcom_arg import XComArg
from tradewind.decorators import dag, task
from tradewind.exceptions import DagDefinitionError

START = datetime(2024, 1, 1)


def test_calling_a_task_wires_dependencies_and_passes_values(
    run_task: Callable[..., Any],
) -> None:
    @task
    def extract() -> list[int]:
        return [1, 2, 3]

    @task(retries=2)
    def total(numbers: list[int], offset: int = 0) -> int:
        return sum(numbers) + offset

    with DAG("flow", start_date=START) as d:
        numbers = extract()
        result = total(numbers, offset=10)

    assert isinstance(result, XComArg)
    summed = d.get_task("total")
    assert isinstance(summed, DecoratedPythonOperator)
    assert summed.upstream_task_ids == {"extract"}
    assert summed.retries == 2
    run_task(d.get_task("extract"))
    assert run_task(summed) == 16


def test_taskflow_function_can_ask_for_context(run_task: Callable[..., Any]) -> None:
    @task
    def stamp(ds: str | None = None, ti: Any = None) -> str:
        return f"{ds}/{ti.task_id}"

    with DAG("flowctx", start_date=START) as d:
        stamp()
    assert run_task(d.get_task("stamp")) == "2024-03-05/stamp"


def test_multiple_outputs_push_each_key(
    run_task: Callable[..., Any], xcom_store: dict[tuple[str, str], Any]
) -> None:
    @task(multiple_outputs=True)
    def split() -> dict[str, int]:
        return {"a": 1, "b": 2}

    @task
    def add(a: int, b: int) -> int:
        return a + b

    with DAG("multi", start_date=START) as d:
        parts = split()
        add(parts["a"], parts["b"])
    run_task(d.get_task("split"))
    assert xcom_store[("split", "a")] == 1
    assert xcom_store[("split", "return_value")] == {"a": 1, "b": 2}
    assert d.get_task("add").upstream_task_ids == {"split"}
    assert run_task(d.get_task("add")) == 3


def test_multiple_outputs_inferred_from_dict_annotation() -> None:
    @task
    def returns_dict() -> dict[str, int]:
        return {}

    @task
    def returns_list() -> list[int]:
        return []

    with DAG("infer", start_date=START) as d:
        returns_dict()
        returns_list()
    assert d.get_task("returns_dict").multiple_outputs is True
    assert d.get_task("returns_list").multiple_outputs is False


def test_multiple_outputs_requires_a_dict(run_task: Callable[..., Any]) -> None:
    @task(multiple_outputs=True)
    def bad() -> Any:
        return [1]

    with DAG("multibad", start_date=START) as d:
        bad()
    with pytest.raises(TypeError, match="must return a dict"):
        run_task(d.get_task("bad"))


def test_calling_twice_gives_unique_task_ids() -> None:
    @task
    def step() -> None:
        return None

    with DAG("twice", start_date=START) as d:
        step() >> step() >> step()
        step.override(task_id="named")()
    assert d.task_ids == ["step", "step__1", "step__2", "named"]
    assert d.get_task("step__1").upstream_task_ids == {"step"}
    assert unique_task_id("x", ["x", "x__1", "x__7"]) == "x__8"


def test_xcomarg_in_classic_operator_fields(run_task: Callable[..., Any]) -> None:
    @task
    def name() -> str:
        return "tradewind"

    with DAG("mixed", start_date=START) as d:
        produced = name()
        echo = BashOperator(task_id="echo", bash_command="echo hi")
        greet = PythonOperator(
            task_id="greet", python_callable=lambda who: f"hello {who}", op_args=[produced]
        )
        after = BashOperator(task_id="after", bash_command="echo done")
        greet.output >> after
        produced >> echo
    assert greet.upstream_task_ids == {"name"}
    assert after.upstream_task_ids == {"greet"}
    assert echo.upstream_task_ids == {"name"}
    run_task(d.get_task("name"))
    assert run_task(greet) == "hello tradewind"


def test_xcomarg_is_not_iterable() -> None:
    @task
    def produce() -> list[int]:
        return [1]

    with DAG("iter", start_date=START), pytest.raises(TypeError, match="not iterable"):
        list(produce())


def test_bad_call_arguments_are_reported_at_definition_time() -> None:
    @task
    def one(x: int) -> int:
        return x

    with DAG("badcall", start_date=START), pytest.raises(DagDefinitionError, match="'one'"):
        one(1, 2)


def test_dag_decorator_builds_dag_with_params(run_task: Callable[..., Any]) -> None:
    @dag(schedule=None, start_date=START, tags=["demo"])
    def my_pipeline(greeting: str = "hi", times: int = 2) -> None:
        """Says hello."""

        @task
        def repeat(text: str, n: int) -> str:
            return text * n

        repeat(greeting, times)

    built = my_pipeline()
    assert built.dag_id == "my_pipeline"
    assert built.params == {"greeting": "hi", "times": 2}
    assert built.doc_md == "Says hello."
    assert built.tags == ["demo"]
    assert built.fileloc == __file__
    assert run_task(built.get_task("repeat")) == "hihi"
    assert run_task(built.get_task("repeat"), conf={"greeting": "yo"}) == "yoyo"

    overridden = my_pipeline(times=3)
    assert overridden.params["times"] == 3


def test_task_python_alias_and_dag_id_argument() -> None:
    @dag("custom_id", schedule=None)
    def pipeline() -> None:
        @task.python
        def only() -> None:
            return None

        only()

    assert pipeline().task_ids == ["only"]
    assert pipeline().dag_id == "custom_id"
