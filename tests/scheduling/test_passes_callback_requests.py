"""Which callback requests a pass makes, one pass at a time (the fast layer, ``passes.py``).

The requests are what the scheduler's callback runner is handed after the pass commits;
``test_dead_try_and_dag_callbacks.py`` runs them end to end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.execution.callback_requests import DagCallbackRequest, TaskCallbackRequest
from tradewind.operators.empty import EmptyOperator

START = datetime(2024, 1, 1, tzinfo=UTC)


def callback(context: object) -> None:
    """Never called here: only its presence in the DAG matters to the scheduler."""


def test_a_zombie_asks_for_its_retry_then_its_failure_callbacks(passes: PassHarness) -> None:
    with DAG("zombie", start_date=START, schedule=None) as dag:
        EmptyOperator(
            task_id="t",
            retries=1,
            retry_delay=timedelta(0),
            on_retry_callback=callback,
            email="ops@example.com",
            email_on_retry=False,
        )
    passes.add_dag(dag)
    threshold = timedelta(seconds=passes.scheduler.zombie_threshold + 1)
    run = passes.trigger("zombie")
    for try_number, state in ((1, "up_for_retry"), (2, "failed")):
        passes.settle()
        passes.start("t", run)
        passes.clock.advance(threshold)
        passes.housekeeping()
        requests = passes.scheduler.callback_requests
        assert len(requests) == 1, requests
        request = requests.pop()
        assert isinstance(request, TaskCallbackRequest)
        assert (request.ti.task_id, request.ti.try_number, request.state) == (
            "t",
            try_number,
            state,
        )
        assert "No heartbeat from the task" in request.message
        assert request.ti.fileloc == dag.fileloc


def test_a_try_without_callbacks_asks_for_nothing(passes: PassHarness) -> None:
    with DAG("quiet", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="t")
    passes.add_dag(dag)
    run = passes.trigger("quiet")
    passes.settle()
    passes.die("t", run)
    passes.settle()
    assert passes.states(run) == {"t": "failed"}
    assert passes.scheduler.callback_requests == []


def test_a_run_that_ends_asks_for_the_dag_callback_of_how_it_ended(passes: PassHarness) -> None:
    with DAG("ends", start_date=START, schedule=None, on_failure_callback=callback) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    passes.add_dag(dag)
    good, bad = passes.trigger("ends"), passes.trigger("ends")
    passes.settle()
    passes.finish("a", "success", good)
    passes.finish("a", "failed", bad)
    passes.settle()
    passes.finish("b", "success", good)
    passes.settle()
    assert (passes.run_state(good), passes.run_state(bad)) == ("success", "failed")
    requests = passes.scheduler.callback_requests
    assert len(requests) == 1  # no on_success_callback: the good run asks for nothing
    request = requests[0]
    assert isinstance(request, DagCallbackRequest)
    assert (request.ti.run_id, request.ti.task_id, request.success, request.reason) == (
        bad,
        "a",
        False,
        "task_failure",
    )
