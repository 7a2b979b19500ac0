"""Trigger rules and run states, one pass at a time, as a user watching the grid sees them.

Fast layer (see ``passes.py``): a real database, a fake clock, an executor that records. The
rule table itself is tested as a pure function in ``test_trigger_rules.py``; here the
scheduler applies it to real task instances, cascades it down a run and finishes the run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.operators.empty import EmptyOperator

START = datetime(2024, 1, 1, tzinfo=UTC)


def join(rule: str, dag_id: str = "joined") -> DAG:
    """``left`` and ``right`` both upstream of ``join``, which uses ``rule``."""
    with DAG(dag_id, start_date=START, schedule=None) as dag:
        [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")] >> EmptyOperator(
            task_id="join", trigger_rule=rule
        )
    return dag


def start_join(passes: PassHarness, rule: str) -> str:
    passes.add_dag(join(rule))
    run = passes.trigger("joined")
    passes.settle()
    assert passes.states(run) == {"left": "queued", "right": "queued", "join": None}
    return run


def test_downstream_waits_until_its_upstream_succeeded_then_the_run_succeeds(
    passes: PassHarness,
) -> None:
    with DAG("chain", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b") >> EmptyOperator(task_id="c")
    passes.add_dag(dag)
    run = passes.trigger("chain")
    passes.settle()
    assert passes.states(run) == {"a": "queued", "b": None, "c": None}

    for task in ("a", "b", "c"):
        assert passes.run_state(run) == "running"
        passes.finish(task, "success", run)
        passes.settle()
    assert passes.queued_tasks() == ["a", "b", "c"]
    assert passes.run_state(run) == "success"
    assert passes.run(run).end_date == passes.clock.now


def test_a_failure_marks_the_whole_chain_below_upstream_failed_in_one_pass(
    passes: PassHarness,
) -> None:
    with DAG("chain", start_date=START, schedule=None) as dag:
        first = EmptyOperator(task_id="first")
        first >> EmptyOperator(task_id="second") >> EmptyOperator(task_id="third")
        EmptyOperator(task_id="sibling")
    passes.add_dag(dag)
    run = passes.trigger("chain")
    passes.settle()
    passes.finish("sibling", "success", run)
    passes.finish("first", "failed", run)
    passes.run_pass()
    assert passes.states(run) == {
        "first": "failed",
        "second": "upstream_failed",
        "third": "upstream_failed",
        "sibling": "success",
    }
    assert passes.run_state(run) == "failed"


def test_a_skip_cascades_through_all_success_tasks_and_the_run_succeeds(
    passes: PassHarness,
) -> None:
    with DAG("skipping", start_date=START, schedule=None) as dag:
        gate = EmptyOperator(task_id="gate")
        gate >> EmptyOperator(task_id="work") >> EmptyOperator(task_id="report")
    passes.add_dag(dag)
    run = passes.trigger("skipping")
    passes.settle()
    passes.finish("gate", "skipped", run)
    passes.run_pass()
    assert passes.states(run) == {"gate": "skipped", "work": "skipped", "report": "skipped"}
    assert passes.run_state(run) == "success"
    assert passes.queued_tasks() == ["gate"]


def test_a_skip_stops_at_a_task_whose_rule_accepts_it(passes: PassHarness) -> None:
    with DAG("branchy", start_date=START, schedule=None) as dag:
        skipped = EmptyOperator(task_id="skipped_branch")
        taken = EmptyOperator(task_id="taken_branch")
        [skipped, taken] >> EmptyOperator(task_id="merge", trigger_rule="none_failed")
        skipped >> EmptyOperator(task_id="only_after_skipped")
    passes.add_dag(dag)
    run = passes.trigger("branchy")
    passes.settle()
    passes.finish("skipped_branch", "skipped", run)
    passes.settle()
    assert passes.states(run)["only_after_skipped"] == "skipped"
    assert passes.states(run)["merge"] is None  # still waiting for the taken branch
    passes.finish("taken_branch", "success", run)
    passes.settle()
    assert passes.states(run)["merge"] == "queued"


@pytest.mark.parametrize(
    ("rule", "left", "right", "join_state"),
    [
        ("all_success", "success", "success", "queued"),
        ("all_success", "success", "skipped", "skipped"),
        ("all_success", "success", "failed", "upstream_failed"),
        ("all_failed", "failed", "failed", "queued"),
        ("all_failed", "failed", "success", "skipped"),
        ("all_done", "failed", "skipped", "queued"),
        ("one_success", "failed", "success", "queued"),
        ("one_success", "failed", "failed", "upstream_failed"),
        ("one_success", "skipped", "skipped", "skipped"),
        ("one_failed", "success", "success", "skipped"),
        ("none_failed", "success", "skipped", "queued"),
        ("none_failed", "success", "failed", "upstream_failed"),
        ("none_failed_min_one_success", "skipped", "skipped", "skipped"),
        ("none_failed_min_one_success", "skipped", "success", "queued"),
        ("none_skipped", "success", "failed", "queued"),
        ("none_skipped", "success", "skipped", "skipped"),
        ("all_skipped", "skipped", "skipped", "queued"),
        ("all_skipped", "skipped", "success", "skipped"),
        ("one_done", "skipped", "failed", "queued"),
        ("one_done", "skipped", "upstream_failed", "skipped"),
        ("all_done", "skipped", "skipped", "queued"),
        ("none_failed", "skipped", "skipped", "queued"),
    ],
)
def test_the_join_follows_its_rule_once_both_upstream_tasks_ended(
    passes: PassHarness, rule: str, left: str, right: str, join_state: str
) -> None:
    run = start_join(passes, rule)
    passes.finish("left", left, run)
    passes.finish("right", right, run)
    passes.settle()
    assert passes.states(run)["join"] == join_state
    assert ("join" in passes.queued_tasks()) is (join_state == "queued")


@pytest.mark.parametrize(
    ("rule", "first", "join_state"),
    [
        ("one_success", "success", "queued"),
        ("one_failed", "failed", "queued"),
        ("all_success", "failed", "upstream_failed"),
        ("none_failed", "failed", "upstream_failed"),
        ("all_failed", "success", "skipped"),
        ("none_skipped", "skipped", "skipped"),
        ("all_success", "success", None),
        ("all_done", "failed", None),
        ("one_failed", "success", None),
        ("one_done", "failed", "queued"),
        ("one_done", "skipped", None),
        ("all_skipped", "success", "skipped"),
        ("all_skipped", "skipped", None),
    ],
)
def test_some_rules_decide_before_every_upstream_task_ended(
    passes: PassHarness, rule: str, first: str, join_state: str | None
) -> None:
    run = start_join(passes, rule)
    passes.finish("left", first, run)
    passes.settle()
    assert passes.states(run)["right"] == "queued"
    assert passes.states(run)["join"] == join_state


def test_always_runs_without_waiting_for_its_upstream(passes: PassHarness) -> None:
    passes.add_dag(join("always"))
    run = passes.trigger("joined")
    passes.settle()
    assert passes.states(run) == {"left": "queued", "right": "queued", "join": "queued"}


def test_a_cleanup_leaf_with_all_done_decides_the_run_state(passes: PassHarness) -> None:
    with DAG("cleanup", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="work") >> EmptyOperator(task_id="tidy", trigger_rule="all_done")
    passes.add_dag(dag)
    run = passes.trigger("cleanup")
    passes.settle()
    passes.finish("work", "failed", run)
    passes.settle()
    assert passes.states(run)["tidy"] == "queued"
    assert passes.run_state(run) == "running"
    passes.finish("tidy", "success", run)
    passes.settle()
    assert passes.run_state(run) == "success"  # only the leaves count


def test_a_failed_leaf_fails_the_run_even_when_other_leaves_succeeded(
    passes: PassHarness,
) -> None:
    with DAG("two_leaves", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="good")
        EmptyOperator(task_id="bad")
    passes.add_dag(dag)
    run = passes.trigger("two_leaves")
    passes.settle()
    passes.finish("good", "success", run)
    passes.settle()
    assert passes.run_state(run) == "running"
    passes.finish("bad", "failed", run)
    passes.settle()
    assert passes.run_state(run) == "failed"
    assert passes.run(run).end_date == passes.clock.now


def test_a_run_is_not_finished_while_a_task_waits_to_retry(passes: PassHarness) -> None:
    with DAG("retrying", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="flaky", retries=1)
    passes.add_dag(dag)
    run = passes.trigger("retrying")
    passes.settle()
    passes.finish("flaky", "failed", run)
    passes.settle()
    assert passes.states(run) == {"flaky": "up_for_retry"}
    assert passes.run_state(run) == "running"


def test_a_task_added_to_the_dag_joins_a_running_run_and_a_removed_one_is_marked_removed(
    passes: PassHarness,
) -> None:
    with DAG("evolving", start_date=START, schedule=None) as before:
        EmptyOperator(task_id="kept") >> EmptyOperator(task_id="dropped")
    passes.add_dag(before)
    run = passes.trigger("evolving")
    passes.settle()
    with DAG("evolving", start_date=START, schedule=None) as after:
        EmptyOperator(task_id="kept") >> EmptyOperator(task_id="added")
    passes.update_dag(after)
    passes.settle()
    assert passes.states(run) == {"kept": "queued", "dropped": "removed", "added": None}

    passes.finish("kept", "success", run)
    passes.settle()
    passes.finish("added", "success", run)
    passes.settle()
    assert passes.run_state(run) == "success"
