"""The example DAGs shipped with Tradewind run to success under a real scheduler."""

from __future__ import annotations

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import DagModel, XCom

#: Final task states of one run of each shipped example; a new example must be added here.
EXPECTED = {
    "example_bash_operator": {
        "runme_0": "success",
        "runme_1": "success",
        "runme_2": "success",
        "also_run_this": "success",
        "run_after_loop": "success",
        "run_this_last": "success",
    },
    "example_python_operator": {
        "print_the_context": "success",
        "sleep_for_0": "success",
        "sleep_for_1": "success",
        "sleep_for_2": "success",
    },
    "example_taskflow": {"extract": "success", "transform": "success", "load": "success"},
    "example_task_group": {
        task_id: "success"
        for task_id in (
            "start",
            "section_1.a",
            "section_1.checks.size",
            "section_1.checks.types",
            "report.measure",
            "report.publish",
            "report__1.measure",
            "report__1.publish",
            "end",
        )
    },
    "example_setup_teardown": {
        "make_scratch": "success",
        "write_files": "success",
        "count_files": "success",
        "remove_scratch": "success",
    },
    "example_trigger_rules": {
        "start": "success",
        "always_works": "success",
        "maybe_skip": "skipped",  # exits 99 on purpose
        "join": "success",  # none_failed: runs although an upstream skipped
        "finally_cleanup": "success",
    },
}


def test_every_example_dag_runs_to_success(harness: Harness) -> None:
    harness.config = harness.config.with_overrides({("core", "load_examples"): "True"})
    harness.sync()
    with harness.db.session() as session:
        dag_ids = set(session.scalars(select(DagModel.dag_id).where(DagModel.is_active)))
    assert dag_ids == set(EXPECTED), "the shipped examples changed: update EXPECTED"

    harness.start(TRADEWIND__CORE__LOAD_EXAMPLES="True")
    run_ids = {dag_id: harness.trigger(dag_id, run_id="example_check") for dag_id in EXPECTED}
    for dag_id, run_id in run_ids.items():
        assert harness.wait_run(dag_id, run_id, timeout=90) == "success", (
            dag_id,
            harness.states(dag_id, run_id),
        )
    for dag_id, run_id in run_ids.items():
        assert harness.states(dag_id, run_id) == EXPECTED[dag_id], dag_id

    with harness.db.session() as session:
        xcoms = {
            x.task_id: x.value
            for x in session.scalars(
                select(XCom).where(
                    XCom.dag_id == "example_taskflow", XCom.run_id == "example_check"
                )
            )
        }
    assert xcoms["extract"] == {"1001": 301.27, "1002": 433.21, "1003": 502.22}
    assert xcoms["transform"] == 1236.7

    logs = harness.config.base_log_folder
    load_log = logs / "dag_id=example_taskflow" / "run_id=example_check" / "task_id=load"
    assert "Total order value is: 1236.7" in (load_log / "attempt=1.log").read_text()
    step_log = logs / "dag_id=example_bash_operator" / "run_id=example_check" / "task_id=runme_1"
    assert "step runme_1 for " in (step_log / "attempt=1.log").read_text()
