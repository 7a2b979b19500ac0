"""Bursts: runs triggered one after another share scheduler passes instead of costing a
pass each (``[scheduler] min_pass_interval``), counted as a user counts them: the
``scheduler_pass_seconds`` histogram on ``/metrics``."""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families

from tests.scheduling.harness import Harness
from tradewind.observability.prometheus import FOLDER_NAME, exposition

BURST_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("burst", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=64) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""

INTERVAL = 1.0  # seconds; large, so that the bound below holds on a loaded machine too


def passes_so_far(harness: Harness) -> float:
    folder = harness.config.home / FOLDER_NAME
    if not folder.is_dir():  # the scheduler has not started counting yet
        return 0.0
    text = exposition(folder).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "tradewind_scheduler_pass_seconds_count":
                return sample.value
    return 0.0


def test_a_burst_of_triggers_is_handled_in_few_passes(harness: Harness) -> None:
    harness.add_dag("burst", BURST_DAG)
    harness.sync()
    harness.start(
        TRADEWIND__METRICS__PROMETHEUS_ON="True",
        TRADEWIND__SCHEDULER__MIN_PASS_INTERVAL=str(INTERVAL),
        # No timed passes meanwhile: every pass below was woken by the burst.
        TRADEWIND__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="30",
    )
    harness.wait_for(lambda: passes_so_far(harness) > 0, what="the scheduler's first pass")
    time.sleep(INTERVAL)  # quiet: the burst's first trigger gets a pass at once
    before = passes_so_far(harness)
    started = time.monotonic()
    # One after another, each committed and waking the scheduler, a few milliseconds
    # apart as over the API (a gap the scheduler could not simply wait out).
    run_ids = []
    for n in range(20):
        run_ids.append(harness.trigger("burst", run_id=f"burst_{n}"))
        time.sleep(0.03)
    harness.wait_for(
        lambda: all(harness.run_state("burst", r) == "success" for r in run_ids),
        timeout=120,
        what="all 20 runs to succeed",
    )
    took = time.monotonic() - started
    passes = passes_so_far(harness) - before
    # Each trigger and each finished try wakes the scheduler; unpaced that was two or
    # three passes a run. Paced, a pass at most once an interval (and the first at once).
    assert passes <= took / INTERVAL + 2, (passes, took)
    assert passes < len(run_ids) / 2, (passes, took)
