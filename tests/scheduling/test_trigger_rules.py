"""Every trigger rule, as the pure rule table and through a real scheduler."""

from __future__ import annotations

import pytest

from tests.scheduling.harness import Harness
from tradewind.scheduling.trigger_rules import Decision, evaluate

RUN, WAIT, SKIP, UF = Decision.RUN, Decision.WAIT, Decision.SKIP, Decision.UPSTREAM_FAILED


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [
        ("all_success", ["success", "success"], RUN),
        ("all_success", ["success", None], WAIT),
        ("all_success", ["success", "failed"], UF),
        ("all_success", ["success", "upstream_failed"], UF),
        ("all_success", ["success", "skipped"], SKIP),
        ("all_failed", ["failed", "upstream_failed"], RUN),
        ("all_failed", ["failed", "success"], SKIP),
        ("all_failed", ["failed", "running"], WAIT),
        ("all_done", ["failed", "skipped", "success"], RUN),
        ("all_done", ["failed", "up_for_retry"], WAIT),
        ("one_success", ["success", "running"], RUN),
        ("one_success", ["failed", "running"], WAIT),
        ("one_success", ["failed", "skipped"], UF),
        ("one_success", ["skipped", "skipped"], SKIP),
        ("one_failed", ["failed", "running"], RUN),
        ("one_failed", ["success", "success"], SKIP),
        ("one_failed", ["success", None], WAIT),
        ("none_failed", ["success", "skipped"], RUN),
        ("none_failed", ["success", "failed"], UF),
        ("none_failed", ["success", "queued"], WAIT),
        ("none_failed_min_one_success", ["success", "skipped"], RUN),
        ("none_failed_min_one_success", ["skipped", "skipped"], SKIP),
        ("none_failed_min_one_success", ["upstream_failed", "success"], UF),
        ("none_skipped", ["success", "failed"], RUN),
        ("none_skipped", ["success", "skipped"], SKIP),
        ("none_skipped", ["success", "running"], WAIT),
        ("always", [None, "running"], RUN),
        ("all_skipped", ["skipped", "skipped"], RUN),
        ("all_skipped", ["skipped", None], WAIT),
        ("all_skipped", ["skipped", "success"], SKIP),
        ("all_skipped", ["upstream_failed", None], SKIP),
        ("one_done", ["success", None], RUN),
        ("one_done", ["failed", "running"], RUN),
        ("one_done", ["skipped", None], WAIT),
        ("one_done", ["upstream_failed", "skipped"], SKIP),
        ("none_failed_min_one_success", ["success", None], WAIT),
        ("none_failed", ["skipped", "skipped"], RUN),
        ("all_done", ["skipped", "skipped"], RUN),
        ("all_success", [], RUN),
        ("all_success", ["success", "removed"], RUN),
    ],
)
def test_rule_table(rule: str, states: list[str | None], expected: Decision) -> None:
    assert evaluate(rule, states) is expected


RULES_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.exceptions import TaskSkipped
from tradewind.operators.python import PythonOperator

def ok():
    return "ok"

def bad():
    raise RuntimeError("bad")

def skip():
    raise TaskSkipped("not today")

with DAG("rules", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    s = PythonOperator(task_id="ok", python_callable=ok)
    f = PythonOperator(task_id="bad", python_callable=bad)
    k = PythonOperator(task_id="skip", python_callable=skip)
    cases = {
        "all_success_ok": ("all_success", [s]),
        "all_success_skip": ("all_success", [s, k]),
        "all_success_fail": ("all_success", [s, f]),
        "all_failed_yes": ("all_failed", [f]),
        "all_failed_no": ("all_failed", [f, s]),
        "all_done": ("all_done", [s, f, k]),
        "one_success": ("one_success", [s, f]),
        "one_success_none": ("one_success", [f, k]),
        "one_failed": ("one_failed", [s, f]),
        "one_failed_none": ("one_failed", [s, k]),
        "none_failed": ("none_failed", [s, k]),
        "none_failed_no": ("none_failed", [s, f]),
        "nfmos": ("none_failed_min_one_success", [s, k]),
        "nfmos_all_skipped": ("none_failed_min_one_success", [k]),
        "none_skipped": ("none_skipped", [s, f]),
        "none_skipped_no": ("none_skipped", [s, k]),
        "always": ("always", [f]),
        "all_skipped": ("all_skipped", [k]),
        "all_skipped_no": ("all_skipped", [k, s]),
        "one_done": ("one_done", [k, f]),
        "one_done_none": ("one_done", [k]),
    }
    for task_id, (rule, upstream) in cases.items():
        t = PythonOperator(task_id=task_id, python_callable=ok, trigger_rule=rule)
        upstream >> t
    # propagation: a chain below a skipped / failed task
    PythonOperator(task_id="below_skip", python_callable=ok) << dag.get_task("all_success_skip")
    PythonOperator(task_id="below_fail", python_callable=ok) << dag.get_task("all_success_fail")
"""

EXPECTED = {
    "ok": "success",
    "bad": "failed",
    "skip": "skipped",
    "all_success_ok": "success",
    "all_success_skip": "skipped",
    "all_success_fail": "upstream_failed",
    "all_failed_yes": "success",
    "all_failed_no": "skipped",
    "all_done": "success",
    "one_success": "success",
    "one_success_none": "upstream_failed",
    "one_failed": "success",
    "one_failed_none": "skipped",
    "none_failed": "success",
    "none_failed_no": "upstream_failed",
    "nfmos": "success",
    "nfmos_all_skipped": "skipped",
    "none_skipped": "success",
    "none_skipped_no": "skipped",
    "always": "success",
    "all_skipped": "success",
    "all_skipped_no": "skipped",
    "one_done": "success",
    "one_done_none": "skipped",
    "below_skip": "skipped",
    "below_fail": "upstream_failed",
}


def test_every_rule_through_the_scheduler(harness: Harness) -> None:
    harness.add_dag("rules", RULES_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("rules")
    harness.wait_run("rules", run_id)
    assert harness.states("rules", run_id) == EXPECTED


def test_an_unknown_rule_is_refused_even_without_upstream_tasks() -> None:
    with pytest.raises(ValueError, match="unknown trigger rule 'all_sucess'"):
        evaluate("all_sucess", [])
