"""The runner host keeps a bounded number of warm zygotes (one per DAG file) and lets an
idle one go: many DAG files must not mean as many resident interpreters."""

from __future__ import annotations

from tests.execution.test_zygote_on_first_use import _zygotes
from tests.processes import descendants
from tests.scheduling.harness import Harness

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: "{dag_id}")
"""
FILES = 5


def _runner_host(harness: Harness) -> int:
    assert harness.proc is not None
    pid = harness.proc.pid
    harness.wait_for(lambda: len(descendants(pid)) >= 1, what="the runner host to start")
    return pid


def _add_files(harness: Harness, count: int) -> list[str]:
    dag_ids = [f"file_{n}" for n in range(count)]
    for dag_id in dag_ids:
        harness.add_dag(dag_id, DAG_FILE.format(dag_id=dag_id))
    harness.sync()
    return dag_ids


def test_at_most_max_zygotes_stay_warm(harness: Harness) -> None:
    dag_ids = _add_files(harness, FILES)
    harness.env["TRADEWIND__SCHEDULER__MAX_ZYGOTES"] = "2"
    harness.start()
    try:
        pid = _runner_host(harness)
        for dag_id in dag_ids:
            run_id = harness.trigger(dag_id)
            assert harness.wait_run(dag_id, run_id) == "success"
            # Two files' zygotes and the spare; one made to go exits as its tries end.
            harness.wait_for(
                lambda: len(_zygotes(pid)) <= 3, what="the zygotes beyond the limit to exit"
            )
        # The file whose zygote went first runs again: it is imported again, and works.
        run_id = harness.trigger(dag_ids[0])
        assert harness.wait_run(dag_ids[0], run_id) == "success"
        assert len(_zygotes(pid)) <= 3
    finally:
        harness.stop()


def test_an_idle_zygote_exits(harness: Harness) -> None:
    (dag_id,) = _add_files(harness, 1)
    harness.env["TRADEWIND__SCHEDULER__ZYGOTE_IDLE_TIMEOUT"] = "1"
    harness.env["TRADEWIND__SCHEDULER__JOB_HEARTBEAT_SEC"] = "0.5"
    harness.start()
    try:
        pid = _runner_host(harness)
        run_id = harness.trigger(dag_id)
        assert harness.wait_run(dag_id, run_id) == "success"
        # The file's zygote goes after a second unused; the spare stays for the next file.
        harness.wait_for(lambda: len(_zygotes(pid)) == 1, 15, "the idle zygote to exit")
        run_id = harness.trigger(dag_id)
        assert harness.wait_run(dag_id, run_id) == "success"
    finally:
        harness.stop()
