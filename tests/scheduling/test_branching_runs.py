"""Branches and short circuits under a real scheduler (SQLite and PostgreSQL): which tasks
run, which are skipped, and how every trigger rule below them carries the skip.

The expected states were checked against Apache Airflow 2.10.5 running the same DAGs
(``airflow dags test``), so they are Airflow's answers, not ours.
"""

from __future__ import annotations

from tests.scheduling.harness import Harness
from tradewind.operations.clearing import clear_task_instances

SHAPES = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator

def choose(*ids):
    def pick():
        return list(ids) if len(ids) != 1 else ids[0]
    return pick

def nothing():
    return None

def fail():
    raise RuntimeError("on purpose")

def no():
    return False

def yes():
    return True

def join(task_id, upstream, rule):
    t = EmptyOperator(task_id=task_id, trigger_rule=rule)
    upstream >> t
    return t

RULES = ["all_success", "all_failed", "all_done", "all_skipped", "one_success", "one_failed",
         "one_done", "none_failed", "none_failed_min_one_success", "none_skipped", "always"]

with DAG("branching_shapes", start_date=datetime(2024, 1, 1), schedule=None) as shapes:
    # 1. into one: every trigger rule below the two arms
    b1 = BranchPythonOperator(task_id="b1", python_callable=choose("b1_a"))
    b1_a, b1_b = EmptyOperator(task_id="b1_a"), EmptyOperator(task_id="b1_b")
    b1 >> [b1_a, b1_b]
    arms = [b1_a >> EmptyOperator(task_id="b1_a_after"),
            b1_b >> EmptyOperator(task_id="b1_b_after")]
    for rule in RULES:
        join(f"b1_{rule}", arms, rule)
    # 2. into several
    b2 = BranchPythonOperator(task_id="b2", python_callable=choose("b2_a", "b2_b"))
    b2_tasks = [EmptyOperator(task_id=f"b2_{x}") for x in "abc"]
    b2 >> b2_tasks
    join("b2_ab_all_success", b2_tasks[:2], "all_success")
    join("b2_abc_all_success", b2_tasks, "all_success")
    join("b2_abc_nfmos", b2_tasks, "none_failed_min_one_success")
    # 3. into none
    b3 = BranchPythonOperator(task_id="b3", python_callable=nothing)
    b3_tasks = [EmptyOperator(task_id=f"b3_{x}") for x in "ab"]
    b3 >> b3_tasks
    for rule in ("none_failed_min_one_success", "all_skipped", "all_done", "none_failed",
                 "one_success", "none_skipped"):
        join(f"b3_{rule}", b3_tasks, rule)
    # 4. nested branches
    b4 = BranchPythonOperator(task_id="b4", python_callable=choose("b4_inner"))
    b4_inner = BranchPythonOperator(task_id="b4_inner", python_callable=choose("b4_x"))
    b4_other = EmptyOperator(task_id="b4_other")
    b4 >> [b4_inner, b4_other]
    b4_x, b4_y = EmptyOperator(task_id="b4_x"), EmptyOperator(task_id="b4_y")
    b4_inner >> [b4_x, b4_y]
    inner_join = join("b4_inner_join", [b4_x, b4_y], "none_failed_min_one_success")
    join("b4_outer_join", [inner_join, b4_other >> EmptyOperator(task_id="b4_other_after")],
         "none_failed_min_one_success")
    join("b4_outer_join_all_success", [inner_join, b4_other], "all_success")
    # 5. an empty branch: the branch task is directly upstream of its join
    b5 = BranchPythonOperator(task_id="b5", python_callable=choose("b5_a"))
    b5_a, b5_join = EmptyOperator(task_id="b5_a"), EmptyOperator(task_id="b5_join")
    b5 >> [b5_a, b5_join]
    b5_a >> b5_join
    b6 = BranchPythonOperator(task_id="b6", python_callable=choose("b6_join"))
    b6_a, b6_join = EmptyOperator(task_id="b6_a"), EmptyOperator(task_id="b6_join")
    b6 >> [b6_a, b6_join]
    b6_a >> b6_join
    # 6. short circuits
    sc1 = ShortCircuitOperator(task_id="sc1", python_callable=no)
    sc1_a = EmptyOperator(task_id="sc1_a")
    sc1 >> sc1_a
    join("sc1_all_done", [sc1_a], "all_done")
    sc2 = ShortCircuitOperator(task_id="sc2", python_callable=no,
                               ignore_downstream_trigger_rules=False)
    sc2_a = EmptyOperator(task_id="sc2_a")
    sc2 >> sc2_a
    join("sc2_all_done", [sc2_a], "all_done")
    join("sc2_all_success", [sc2_a], "all_success")
    sc3 = ShortCircuitOperator(task_id="sc3", python_callable=yes)
    sc3 >> EmptyOperator(task_id="sc3_a")
    # 7. TaskFlow forms
    @task.branch
    def tf_pick():
        return "tf_b"
    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def tf_gate():
        return 0
    tf_pick() >> [EmptyOperator(task_id="tf_a"), EmptyOperator(task_id="tf_b")]
    gate = tf_gate()
    gate >> EmptyOperator(task_id="tf_after_gate") >> EmptyOperator(
        task_id="tf_all_done", trigger_rule="all_done")

with DAG("branching_failures", start_date=datetime(2024, 1, 1), schedule=None) as failures:
    f1 = BranchPythonOperator(task_id="f1", python_callable=choose("f1_a"))
    f1_a = PythonOperator(task_id="f1_a", python_callable=fail)
    f1_b = EmptyOperator(task_id="f1_b")
    f1 >> [f1_a, f1_b]
    for rule in ("none_failed_min_one_success", "one_failed", "none_skipped", "all_done",
                 "one_success", "none_failed", "all_success", "one_done"):
        join(f"f1_{rule}", [f1_a, f1_b], rule)
    f2 = BranchPythonOperator(task_id="f2", python_callable=choose("f2_missing"))
    f2 >> [EmptyOperator(task_id="f2_a"), EmptyOperator(task_id="f2_b")]
"""

EXPECTED_SHAPES = {
    "b1": "success",
    "b1_a": "success",
    "b1_a_after": "success",
    "b1_all_done": "success",
    "b1_all_failed": "skipped",
    "b1_all_skipped": "skipped",
    "b1_all_success": "skipped",
    "b1_always": "success",
    "b1_b": "skipped",
    "b1_b_after": "skipped",
    "b1_none_failed": "success",
    "b1_none_failed_min_one_success": "success",
    "b1_none_skipped": "skipped",
    "b1_one_done": "success",
    "b1_one_failed": "skipped",
    "b1_one_success": "success",
    "b2": "success",
    "b2_a": "success",
    "b2_ab_all_success": "success",
    "b2_abc_all_success": "skipped",
    "b2_abc_nfmos": "success",
    "b2_b": "success",
    "b2_c": "skipped",
    "b3": "success",
    "b3_a": "skipped",
    "b3_all_done": "success",
    "b3_all_skipped": "success",
    "b3_b": "skipped",
    "b3_none_failed": "success",
    "b3_none_failed_min_one_success": "skipped",
    "b3_none_skipped": "skipped",
    "b3_one_success": "skipped",
    "b4": "success",
    "b4_inner": "success",
    "b4_inner_join": "success",
    "b4_other": "skipped",
    "b4_other_after": "skipped",
    "b4_outer_join": "success",
    "b4_outer_join_all_success": "skipped",
    "b4_x": "success",
    "b4_y": "skipped",
    "b5": "success",
    "b5_a": "success",
    "b5_join": "success",
    "b6": "success",
    "b6_a": "skipped",
    "b6_join": "skipped",
    "sc1": "success",
    "sc1_a": "skipped",
    "sc1_all_done": "skipped",
    "sc2": "success",
    "sc2_a": "skipped",
    "sc2_all_done": "success",
    "sc2_all_success": "skipped",
    "sc3": "success",
    "sc3_a": "success",
    "tf_a": "skipped",
    "tf_after_gate": "skipped",
    "tf_all_done": "success",
    "tf_b": "success",
    "tf_gate": "success",
    "tf_pick": "success",
}

EXPECTED_FAILURES = {
    "f1": "success",
    "f1_a": "failed",
    "f1_all_done": "success",
    "f1_all_success": "skipped",
    "f1_b": "skipped",
    "f1_none_failed": "upstream_failed",
    "f1_none_failed_min_one_success": "upstream_failed",
    "f1_none_skipped": "skipped",
    "f1_one_done": "success",
    "f1_one_failed": "success",
    "f1_one_success": "upstream_failed",
    "f2": "failed",
    "f2_a": "upstream_failed",
    "f2_b": "upstream_failed",
}


def test_branches_and_short_circuits_skip_as_airflow_does(harness: Harness) -> None:
    harness.add_dag("branching", SHAPES)
    harness.sync()
    harness.start()
    shapes = harness.trigger("branching_shapes")
    failures = harness.trigger("branching_failures")
    assert harness.wait_run("branching_shapes", shapes, timeout=90) == "success"
    assert harness.wait_run("branching_failures", failures, timeout=90) == "failed"
    assert harness.states("branching_shapes", shapes) == EXPECTED_SHAPES
    assert harness.states("branching_failures", failures) == EXPECTED_FAILURES
    tis = harness.tis("branching_shapes", shapes)
    assert tis["b1_b"].end_date is not None  # skipped by the branch, with its end recorded
    assert "Invalid tasks found: ['f2_missing']" in harness.try_log(
        "branching_failures", failures, "f2"
    )

    # Cleared after the branch decided, a task it left out stays skipped (Airflow's "not
    # previously skipped"); a task it chose runs again.
    before = {tid: ti.try_number for tid, ti in tis.items()}
    clear_task_instances(
        harness.db,
        harness.config,
        "branching_shapes",
        task_regex=r"^(b1_a|b1_b|b1_b_after|sc2_a|tf_a)$",
        run_id=shapes,
        actor="test",
    )
    assert harness.wait_run("branching_shapes", shapes, timeout=60) == "success"
    assert harness.states("branching_shapes", shapes) == EXPECTED_SHAPES
    again = harness.tis("branching_shapes", shapes)
    assert again["b1_a"].try_number == before["b1_a"] + 1
    assert again["b1_b"].try_number == before["b1_b"]  # skipped again, never run
