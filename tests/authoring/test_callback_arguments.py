"""What DAGs and tasks accept as callbacks and per-task limits, and what they refuse."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind.authoring.dag import DAG
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.exceptions import DagDefinitionError
from tradewind.notifications import BaseNotifier
from tradewind.operators.empty import EmptyOperator

START = datetime(2024, 1, 1)


def nothing(context: object) -> None:
    return None


def test_a_callback_that_is_not_callable_is_refused_naming_the_argument_and_task() -> None:
    with (
        DAG("d", start_date=START, schedule=None),
        pytest.raises(
            DagDefinitionError, match=r"on_failure_callback for task 't'.* got 'page me'"
        ),
    ):
        EmptyOperator(task_id="t", on_failure_callback=["page me"])
    with pytest.raises(DagDefinitionError, match=r"on_success_callback of DAG 'e'.* got 3"):
        DAG("e", start_date=START, schedule=None, on_success_callback=3)


@pytest.mark.parametrize("value", [0, -1, "2", True])
def test_a_per_task_limit_must_be_a_positive_integer(value: object) -> None:
    with (
        DAG("d", start_date=START, schedule=None),
        pytest.raises(
            DagDefinitionError, match="max_active_tis_per_dag must be a positive integer"
        ),
    ):
        EmptyOperator(task_id="t", max_active_tis_per_dag=value)  # type: ignore[arg-type]


def test_callbacks_come_from_default_args_and_the_serialized_dag_names_them() -> None:
    class Notifier(BaseNotifier):
        def notify(self, context: object) -> None:
            return None

    with DAG(
        "d",
        start_date=START,
        schedule=None,
        on_failure_callback=[nothing, Notifier()],
        default_args={"on_retry_callback": nothing, "email": "ops@example.com"},
    ) as dag:
        EmptyOperator(task_id="t", email_on_retry=False, max_active_tis_per_dagrun=2)
    task = dag.get_task("t")
    assert task.on_retry_callback == [nothing]
    sdag = SerializedDAG.from_dict(serialize_dag(dag))
    assert sdag.callbacks == {"on_failure_callback"}
    stask = sdag.tasks["t"]
    assert stask.callbacks == {"on_retry_callback"}
    assert (stask.email_on_failure, stask.email_on_retry) == (True, False)
    assert stask.max_active_tis_per_dagrun == 2
    assert SerializedDAG.from_dict(sdag.to_dict()) == sdag
