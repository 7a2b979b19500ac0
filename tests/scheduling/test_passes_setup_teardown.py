"""Setup and teardown rules, one scheduler pass at a time (see ``passes.py``).

Each case is the same shape, ``setup >> work >> teardown`` (teardown of ``setup``) with a
``after`` task below the work, so the table reads as what a user sees in the grid: which of
them ran, and the run's final state. The rules are Airflow's ("Setup and Teardown" in its
docs): a teardown runs once its setup succeeded, whatever the work did; a failed teardown
fails the run only with ``on_failure_fail_dagrun``; a failed setup leaves the work
upstream_failed and the teardown not run; a skipped setup skips the teardown.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.operations.clearing import clear_task_instances
from tradewind.operators.empty import EmptyOperator
from tradewind.scheduling.failed_deps import upstream_blockers

START = datetime(2024, 1, 1, tzinfo=UTC)


def wrapped(dag_id: str = "wrapped", *, fail_dagrun: bool = False) -> DAG:
    with DAG(dag_id, start_date=START, schedule=None) as dag:
        setup = EmptyOperator(task_id="setup")
        teardown = EmptyOperator(task_id="teardown")
        work = EmptyOperator(task_id="work")
        setup >> work >> teardown.as_teardown(setups=setup, on_failure_fail_dagrun=fail_dagrun)
        work >> EmptyOperator(task_id="after")
    return dag


def drive(passes: PassHarness, ends: dict[str, str], dag: DAG | None = None) -> str:
    """Trigger a run and end each task as ``ends`` says when it is queued (else success)."""
    dag = dag or wrapped()
    passes.add_dag(dag)
    run = passes.trigger(dag.dag_id)
    for _ in range(10):
        passes.settle()
        queued = [tid for tid, state in passes.states(run).items() if state == "queued"]
        if not queued:
            break
        for task_id in queued:
            passes.finish(task_id, ends.get(task_id, "success"), run)
    return run


@pytest.mark.parametrize(
    ("ends", "expected", "run_state"),
    [
        pytest.param(
            {},
            {"setup": "success", "work": "success", "after": "success", "teardown": "success"},
            "success",
            id="all-succeed",
        ),
        pytest.param(
            {"work": "failed"},
            {
                "setup": "success",
                "work": "failed",
                "after": "upstream_failed",
                "teardown": "success",
            },
            "failed",
            id="work-fails-teardown-still-runs",
        ),
        pytest.param(
            {"teardown": "failed"},
            {"setup": "success", "work": "success", "after": "success", "teardown": "failed"},
            "success",
            id="teardown-failure-ignored",
        ),
        pytest.param(
            {"setup": "failed"},
            {
                "setup": "failed",
                "work": "upstream_failed",
                "after": "upstream_failed",
                "teardown": "upstream_failed",
            },
            "failed",
            id="setup-fails-teardown-not-run",
        ),
        pytest.param(
            {"setup": "skipped"},
            {"setup": "skipped", "work": "skipped", "after": "skipped", "teardown": "skipped"},
            "success",
            id="setup-skipped-teardown-skipped",
        ),
    ],
)
def test_teardown_rules(
    passes: PassHarness, ends: dict[str, str], expected: dict[str, str], run_state: str
) -> None:
    run = drive(passes, ends)
    assert passes.states(run) == expected
    assert passes.run_state(run) == run_state


def test_a_failed_teardown_fails_the_run_with_on_failure_fail_dagrun(passes: PassHarness) -> None:
    run = drive(passes, {"teardown": "failed"}, wrapped("strict", fail_dagrun=True))
    assert passes.states(run)["teardown"] == "failed"
    assert passes.run_state(run) == "failed"


def test_the_teardown_waits_for_all_the_work(passes: PassHarness) -> None:
    passes.add_dag(wrapped())
    run = passes.trigger("wrapped")
    passes.settle()
    passes.finish("setup", "success", run)
    passes.settle()
    assert passes.states(run)["work"] == "queued"
    assert passes.states(run)["teardown"] is None
    passes.finish("work", "success", run)
    passes.settle()
    assert passes.states(run)["teardown"] == "queued"


def test_clearing_the_work_clears_its_setup_and_teardown(passes: PassHarness) -> None:
    with DAG("two_scopes", start_date=START, schedule=None) as dag:
        first, first_down = EmptyOperator(task_id="s1"), EmptyOperator(task_id="t1")
        second, second_down = EmptyOperator(task_id="s2"), EmptyOperator(task_id="t2")
        first >> EmptyOperator(task_id="w1") >> first_down.as_teardown(setups=first)
        first_down >> second >> EmptyOperator(task_id="w2")
        dag.get_task("w2") >> second_down.as_teardown(setups=second)
    run = drive(passes, {}, dag)
    assert passes.run_state(run) == "success"

    cleared = clear_task_instances(
        passes.db, None, "two_scopes", task_regex="^w2$", run_id=run, actor="test"
    )
    # The second scope's setup and teardown come along; the first scope does not.
    assert sorted(item.task_id for item in cleared) == ["s2", "t2", "w2"]
    assert passes.states(run) == {
        "s1": "success",
        "w1": "success",
        "t1": "success",
        "s2": None,
        "w2": None,
        "t2": None,
    }
    passes.settle()
    assert passes.states(run)["s2"] == "queued"
    assert passes.states(run)["w2"] is None

    cleared = clear_task_instances(
        passes.db, None, "two_scopes", task_regex="^s1$", run_id=run, actor="test", dry_run=True
    )
    assert sorted(item.task_id for item in cleared) == ["s1", "t1"]  # a setup takes its teardown


@pytest.mark.parametrize(
    ("setup_end", "work_state"), [("failed", "upstream_failed"), ("skipped", "skipped")]
)
def test_work_inside_a_setup_span_follows_the_setup_whatever_its_trigger_rule(
    passes: PassHarness, setup_end: str, work_state: str
) -> None:
    """``late`` is not directly below the setup and would run after anything (all_done),
    but it works between the setup and its teardown, so it needs the setup, as in Airflow;
    ``outside`` comes after the teardown and does not."""
    with DAG("span", start_date=START, schedule=None) as dag:
        setup, teardown = EmptyOperator(task_id="setup"), EmptyOperator(task_id="teardown")
        late = EmptyOperator(task_id="late", trigger_rule="all_done")
        setup >> EmptyOperator(task_id="work") >> late >> teardown.as_teardown(setups=setup)
        teardown >> EmptyOperator(task_id="outside", trigger_rule="all_done")
    run = drive(passes, {"setup": setup_end}, dag)
    states = passes.states(run)
    assert states["late"] == work_state
    assert states["outside"] == "success"


def test_failed_deps_names_the_setup_a_task_works_within(passes: PassHarness) -> None:
    with DAG("span", start_date=START, schedule=None) as dag:
        setup, teardown = EmptyOperator(task_id="setup"), EmptyOperator(task_id="teardown")
        late = EmptyOperator(task_id="late", trigger_rule="always")
        setup >> EmptyOperator(task_id="work") >> late >> teardown.as_teardown(setups=setup)
    passes.add_dag(dag)
    run = passes.trigger("span")
    passes.settle()
    assert passes.states(run)["late"] is None  # "always", yet it waits for the setup
    with passes.db.session() as session:
        reasons = upstream_blockers(session, passes.ti(run, "late"))
    assert reasons == ["the setup tasks it works within must succeed first (setup=queued)"]
