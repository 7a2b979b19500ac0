from __future__ import annotations

from datetime import datetime

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.dependencies import chain, cross_downstream
from tradewind.authoring.operators import EmptyOperator
from tradewind.exceptions import DagDefinitionError

START = datetime(2024, 1, 1)


def _tasks(dag: DAG, *ids: str) -> list[EmptyOperator]:
    return [EmptyOperator(task_id=task_id, dag=dag) for task_id in ids]


def test_rshift_and_lshift() -> None:
    dag = DAG("shift", start_date=START)
    a, b, c = _tasks(dag, "a", "b", "c")
    assert (a >> b) is b
    c << b
    assert a.downstream_task_ids == {"b"}
    assert b.upstream_task_ids == {"a"} and b.downstream_task_ids == {"c"}
    assert c.upstream_task_ids == {"b"}


def test_lists_on_either_side() -> None:
    dag = DAG("lists", start_date=START)
    a, b, c, d = _tasks(dag, "a", "b", "c", "d")
    a >> [b, c]
    [b, c] >> d
    assert a.downstream_task_ids == {"b", "c"}
    assert d.upstream_task_ids == {"b", "c"}
    e, f = _tasks(dag, "e", "f")
    [e] << f
    assert e.upstream_task_ids == {"f"}


def test_set_upstream_and_downstream() -> None:
    dag = DAG("explicit", start_date=START)
    a, b, c = _tasks(dag, "a", "b", "c")
    b.set_upstream(a)
    b.set_downstream([c])
    assert [t.task_id for t in b.upstream_list] == ["a"]
    assert [t.task_id for t in b.downstream_list] == ["c"]


def test_chain_with_lists_pairs_them() -> None:
    dag = DAG("chain", start_date=START)
    a, b1, b2, c1, c2, d = _tasks(dag, "a", "b1", "b2", "c1", "c2", "d")
    chain(a, [b1, b2], [c1, c2], d)
    assert a.downstream_task_ids == {"b1", "b2"}
    assert b1.downstream_task_ids == {"c1"}
    assert b2.downstream_task_ids == {"c2"}
    assert d.upstream_task_ids == {"c1", "c2"}


def test_chain_rejects_lists_of_different_lengths() -> None:
    dag = DAG("chain2", start_date=START)
    a, b, c = _tasks(dag, "a", "b", "c")
    with pytest.raises(ValueError, match="different lengths"):
        chain([a, b], [c])


def test_cross_downstream() -> None:
    dag = DAG("cross", start_date=START)
    a, b, c, d = _tasks(dag, "a", "b", "c", "d")
    cross_downstream([a, b], [c, d])
    assert c.upstream_task_ids == {"a", "b"} and d.upstream_task_ids == {"a", "b"}


def test_dependency_between_dagless_tasks_is_an_error() -> None:
    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    with pytest.raises(DagDefinitionError, match="task 'a' is not attached to a DAG"):
        a >> b


def test_dagless_task_joins_the_dag_of_its_neighbour() -> None:
    dag = DAG("adopt", start_date=START)
    (a,) = _tasks(dag, "a")
    loose = EmptyOperator(task_id="loose")
    a >> loose
    assert loose.dag is dag and "loose" in dag.task_ids


def test_dependency_across_dags_is_an_error() -> None:
    (a,) = _tasks(DAG("one", start_date=START), "a")
    (b,) = _tasks(DAG("two", start_date=START), "b")
    with pytest.raises(DagDefinitionError, match="different DAGs"):
        a >> b


def test_non_operator_in_dependency() -> None:
    (a,) = _tasks(DAG("typeerr", start_date=START), "a")
    with pytest.raises(TypeError, match="operators"):
        a >> "b"


def test_priority_weight_total_per_weight_rule() -> None:
    dag = DAG("weights", start_date=START)
    a = EmptyOperator(task_id="a", dag=dag, priority_weight=1)
    b = EmptyOperator(task_id="b", dag=dag, priority_weight=2)
    c = EmptyOperator(task_id="c", dag=dag, priority_weight=4)
    d = EmptyOperator(task_id="d", dag=dag, priority_weight=8, weight_rule="upstream")
    e = EmptyOperator(task_id="e", dag=dag, priority_weight=16, weight_rule="absolute")
    a >> [b, c] >> d
    b >> e
    assert a.priority_weight_total == 1 + 2 + 4 + 8 + 16
    assert b.priority_weight_total == 2 + 8 + 16
    assert d.priority_weight_total == 8 + 1 + 2 + 4
    assert e.priority_weight_total == 16


def test_unknown_weight_rule() -> None:
    with pytest.raises(DagDefinitionError, match=r"weight_rule 'sideways'.*task 't'"):
        EmptyOperator(task_id="t", weight_rule="sideways")
