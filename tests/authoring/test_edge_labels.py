"""``Label`` between tasks: the dependency is set and the edge carries the label's text."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind.authoring import Label
from tradewind.authoring.dag import DAG
from tradewind.authoring.dependencies import chain
from tradewind.authoring.operators import EmptyOperator
from tradewind.authoring.taskflow import task
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag

START = datetime(2024, 1, 1)


def _tasks(dag: DAG, *ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=task_id, dag=dag) for task_id in ids]


def test_label_between_two_tasks() -> None:
    dag = DAG("one", start_date=START)
    a, b = _tasks(dag, "a", "b")
    assert (a >> Label("when yes") >> b) is b
    assert a.downstream_task_ids == {"b"} and b.upstream_task_ids == {"a"}
    assert dag.get_edge_info("a", "b") == {"label": "when yes"}
    assert dag.get_edge_info("b", "a") == {}


def test_label_fans_out_and_in() -> None:
    dag = DAG("fan", start_date=START)
    a, b, c, d = _tasks(dag, "a", "b", "c", "d")
    a >> Label("split") >> [b, c]
    [b, c] >> Label("join") >> d
    assert a.downstream_task_ids == {"b", "c"} and d.upstream_task_ids == {"b", "c"}
    assert dag.get_edge_info("a", "b") == dag.get_edge_info("a", "c") == {"label": "split"}
    assert dag.get_edge_info("b", "d") == dag.get_edge_info("c", "d") == {"label": "join"}


def test_label_with_lshift_and_set_downstream() -> None:
    dag = DAG("other_forms", start_date=START)
    a, b, c = _tasks(dag, "a", "b", "c")
    b << Label("backwards") << a
    a.set_downstream(c, edge_modifier=Label("direct"))
    assert b.upstream_task_ids == {"a"} and c.upstream_task_ids == {"a"}
    assert dag.get_edge_info("a", "b") == {"label": "backwards"}
    assert dag.get_edge_info("a", "c") == {"label": "direct"}


def test_label_in_chain_and_between_taskflow_calls() -> None:
    with DAG("chained", start_date=START) as dag:
        a, b, c, x, y = _tasks(dag, "a", "b", "c", "x", "y")
        chain(a, Label("then"), b)
        chain(c, [Label("left"), Label("right")], [x, y])

        @task
        def produce() -> int:
            return 1

        @task
        def consume(value: int) -> None:
            return None

        produced = produce()
        produced >> Label("data") >> consume(produced)
    assert dag.get_edge_info("a", "b") == {"label": "then"}
    assert dag.get_edge_info("c", "x") == {"label": "left"}
    assert dag.get_edge_info("c", "y") == {"label": "right"}
    assert dag.get_edge_info("produce", "consume") == {"label": "data"}


def test_labels_survive_serialization() -> None:
    dag = DAG("stored", start_date=START)
    a, b, c = _tasks(dag, "a", "b", "c")
    a >> Label("yes") >> b
    a >> c
    data = serialize_dag(dag)
    assert data["edge_info"] == {"a": {"b": {"label": "yes"}}}
    restored = SerializedDAG.from_dict(data)
    assert restored.get_edge_info("a", "b") == {"label": "yes"}
    assert restored.get_edge_info("a", "c") == {}
    assert restored.to_dict()["edge_info"] == data["edge_info"]


def test_label_needs_text() -> None:
    with pytest.raises(TypeError, match="Label\\(\\) takes the edge's text as a string"):
        Label(3)  # type: ignore[arg-type]
