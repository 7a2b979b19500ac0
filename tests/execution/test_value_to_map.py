"""A value that mapped tasks expand over is checked by the try that returns it: a task that
maps over it must get a list or a dict. Only tasks mapping over *this* task's value count."""

from __future__ import annotations

import pytest

from tradewind import DAG
from tradewind.authoring.timezone import utcnow
from tradewind.execution.try_process import MetadataDatabase, StartedTry, TryResult, run_claimed
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import PythonOperator


def _dag(returned: object) -> DAG:
    """``make`` returns ``returned``; ``use`` maps over it; ``other`` maps over ``listing``
    and runs after ``make`` without mapping over it; 200 unrelated tasks beside them."""
    with DAG("value_to_map", start_date=utcnow(), schedule=None) as dag:
        make = PythonOperator(task_id="make", python_callable=lambda: returned)
        listing = PythonOperator(task_id="listing", python_callable=lambda: [1, 2])
        PythonOperator.partial(task_id="use", python_callable=print).expand(
            op_args=make.output.map(lambda value: [value])
        )
        other = PythonOperator.partial(task_id="other", python_callable=print).expand(
            op_args=listing.output.map(lambda value: [value])
        )
        make >> other
        for index in range(200):
            EmptyOperator(task_id=f"unrelated_{index}")
    return dag


def _try(dag: DAG, task_id: str) -> TryResult:
    now = utcnow()
    started = StartedTry(
        dag_id=dag.dag_id, run_id="r", task_id=task_id, try_number=1, max_tries=0,
        fileloc="-", logical_date=now, data_interval_start=now, data_interval_end=now,
        conf={}, run_type="manual", start_date=now,
    )  # fmt: skip
    return run_claimed(MetadataDatabase(), started, loaded_dags={dag.dag_id: dag})


@pytest.mark.parametrize("returned", ["a string", 3, None])
def test_a_value_a_downstream_task_maps_over_must_be_a_list_or_dict(
    returned: object, caplog: pytest.LogCaptureFixture
) -> None:
    outcome = _try(_dag(returned), "make")
    assert outcome.state == "failed"
    [error] = [line for line in caplog.text.splitlines() if line.startswith("TypeError")]
    expected = (
        "returned nothing, but 'use' maps over it"
        if returned is None
        else "but 'use' maps over it: a mapped task needs a list or a dict"
    )
    assert error.startswith("TypeError: task 'make' returned")
    assert error.endswith(expected)


@pytest.mark.parametrize("returned", [[1, 2, 3], {"a": 1}])
def test_a_list_or_dict_to_map_over_succeeds(returned: object) -> None:
    outcome = _try(_dag(returned), "make")
    assert outcome.state == "success"
    assert outcome.result == returned


def test_a_task_downstream_without_mapping_over_the_value_does_not_constrain_it() -> None:
    """``other`` runs after ``make`` but maps over ``listing``: ``make`` may return a string."""
    with DAG("downstream_only", start_date=utcnow(), schedule=None) as dag:
        make = PythonOperator(task_id="make", python_callable=lambda: "a string")
        listing = PythonOperator(task_id="listing", python_callable=lambda: [1, 2])
        other = PythonOperator.partial(task_id="other", python_callable=print).expand(
            op_args=listing.output.map(lambda value: [value])
        )
        make >> other
    assert _try(dag, "make").state == "success"
