"""depends_on_past, ignore_first_depends_on_past, wait_for_downstream and the per-task
limits max_active_tis_per_dag / max_active_tis_per_dagrun, one pass at a time.

Fast layer (see ``passes.py``); ``tasks failed-deps`` gives the reasons checked here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.db.models import TaskInstance
from tradewind.operators.empty import EmptyOperator
from tradewind.scheduling.failed_deps import failed_dependencies

START = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def reasons(passes: PassHarness, run_id: str, task_id: str) -> list[str]:
    with passes.db.session() as session:
        ti = session.scalars(
            select(TaskInstance).where(
                TaskInstance.run_id == run_id, TaskInstance.task_id == task_id
            )
        ).one()
        return failed_dependencies(session, passes.config, ti)


def two_runs(passes: PassHarness, dag: DAG) -> tuple[str, str]:
    passes.add_dag(dag)
    first = passes.trigger(dag.dag_id, START)
    second = passes.trigger(dag.dag_id, START + DAY)
    passes.settle()
    return first, second


def test_depends_on_past_waits_for_the_previous_run_and_a_failure_holds_it(
    passes: PassHarness,
) -> None:
    with DAG("past", start_date=START, schedule=None, max_active_runs=2) as dag:
        EmptyOperator(task_id="t", depends_on_past=True)
    first, second = two_runs(passes, dag)
    assert passes.queued_tasks() == ["t"]  # the first run's: it has no past to wait for
    assert passes.states(second) == {"t": None}
    assert any("previous run" in r and "queued" in r for r in reasons(passes, second, "t"))

    passes.finish("t", "failed", first)
    passes.settle()
    assert passes.states(second) == {"t": None}  # failed in the past run: waits for ever
    assert "is failed, not success or skipped" in " ".join(reasons(passes, second, "t"))


def test_depends_on_past_starts_once_the_previous_run_succeeded(passes: PassHarness) -> None:
    with DAG("past_ok", start_date=START, schedule=None, max_active_runs=2) as dag:
        EmptyOperator(task_id="t", depends_on_past=True)
    first, second = two_runs(passes, dag)
    passes.finish("t", "success", first)
    passes.settle()
    assert [w.run_id for w in passes.executor.queued] == [first, second]


def test_a_task_added_later_waits_unless_ignore_first_depends_on_past(
    passes: PassHarness,
) -> None:
    with DAG("added", start_date=START, schedule=None, max_active_runs=2) as dag:
        EmptyOperator(task_id="old")
    passes.add_dag(dag)
    first = passes.trigger("added", START)
    passes.settle()
    passes.finish("old", "success", first)
    passes.settle()
    with DAG("added", start_date=START, schedule=None, max_active_runs=2) as dag:
        EmptyOperator(task_id="old")
        EmptyOperator(task_id="strict", depends_on_past=True)
        EmptyOperator(task_id="lenient", depends_on_past=True, ignore_first_depends_on_past=True)
    passes.update_dag(dag)
    second = passes.trigger("added", START + DAY)
    passes.settle()
    states = passes.states(second)
    assert states["lenient"] == "queued"  # no earlier instance at all: its first
    assert states["strict"] is None
    assert "ignore_first_depends_on_past" in " ".join(reasons(passes, second, "strict"))


def test_wait_for_downstream_waits_for_the_previous_runs_direct_downstream(
    passes: PassHarness,
) -> None:
    with DAG("wfd", start_date=START, schedule=None, max_active_runs=2) as dag:
        up = EmptyOperator(task_id="up", wait_for_downstream=True)
        up >> EmptyOperator(task_id="down")
    assert dag.get_task("up").depends_on_past  # implied, as in Airflow
    first, second = two_runs(passes, dag)
    passes.finish("up", "success", first)
    passes.settle()
    assert passes.states(second)["up"] is None  # "down" of the first run is still queued
    assert "wait_for_downstream: downstream tasks down" in " ".join(reasons(passes, second, "up"))
    passes.finish("down", "success", first)
    passes.settle()
    assert passes.states(second)["up"] == "queued"


def test_max_active_tis_per_dag_caps_one_task_across_runs(passes: PassHarness) -> None:
    with DAG("per_dag", start_date=START, schedule=None, max_active_runs=3) as dag:
        EmptyOperator(task_id="limited", max_active_tis_per_dag=1)
        EmptyOperator(task_id="free")
    passes.add_dag(dag)
    runs = [passes.trigger("per_dag", START + i * DAY) for i in range(3)]
    passes.settle()
    assert passes.queued_tasks().count("limited") == 1
    assert passes.queued_tasks().count("free") == 3
    waiting = next(r for r in runs if passes.states(r)["limited"] == "scheduled")
    assert "max_active_tis_per_dag reached: 1 of 1" in " ".join(reasons(passes, waiting, "limited"))
    passes.finish("limited", "success")
    passes.settle()
    assert passes.queued_tasks().count("limited") == 2


def test_max_active_tis_per_dagrun_counts_within_one_run_only(passes: PassHarness) -> None:
    with DAG("per_run", start_date=START, schedule=None, max_active_runs=3) as dag:
        EmptyOperator(task_id="limited", max_active_tis_per_dagrun=1)
    passes.add_dag(dag)
    for i in range(3):
        passes.trigger("per_run", START + i * DAY)
    passes.settle()
    # One instance per run is within the limit: every run's is queued at once.
    assert passes.queued_tasks() == ["limited"] * 3
