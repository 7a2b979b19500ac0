"""max_active_tis_per_dag and wait_for_downstream under a real scheduler running tries."""

from __future__ import annotations

from pathlib import Path

from tests.scheduling.harness import RECORD_HELPER, Harness, max_overlap, read_intervals

SETTINGS_DAG = (
    RECORD_HELPER
    + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("settings", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=3) as dag:
    one_at_a_time = PythonOperator(
        task_id="one_at_a_time",
        python_callable=record,
        op_kwargs={"name": "{{ ds }}-one", "seconds": 0.4},
        max_active_tis_per_dag=1,
    )
    gate = PythonOperator(
        task_id="gate", python_callable=record, op_args=["{{ ds }}-gate"], wait_for_downstream=True
    )
    gate >> PythonOperator(task_id="after_gate", python_callable=record,
                           op_kwargs={"name": "{{ ds }}-after", "seconds": 0.6})
"""
)


def test_per_task_limit_and_wait_for_downstream_across_three_runs(harness: Harness) -> None:
    harness.add_dag("settings", SETTINGS_DAG)
    harness.sync()
    harness.start()
    runs = [
        harness.trigger("settings", execution_date=f"2024-01-0{day}T00:00:00+00:00")
        for day in (1, 2, 3)
    ]
    for run_id in runs:
        assert harness.wait_run("settings", run_id, timeout=60) == "success"
    spans_dir = harness.tmp / "spans"
    ones = read_intervals_named(spans_dir, "-one")
    assert len(ones) == 3
    assert max_overlap(ones) == 1  # never two instances of the task at once
    # Each run's gate started only after the previous run's after_gate had ended.
    for day in (2, 3):
        gate_start = span(spans_dir, f"2024-01-0{day}-gate")[0]
        previous_after_end = span(spans_dir, f"2024-01-0{day - 1}-after")[1]
        assert gate_start >= previous_after_end
    assert len(read_intervals(spans_dir)) == 9


def read_intervals_named(folder: Path, suffix: str) -> list[tuple[float, float]]:
    return [span(folder, path.stem) for path in folder.glob(f"*{suffix}.span")]


def span(folder: Path, name: str) -> tuple[float, float]:
    start, end = (folder / f"{name}.span").read_text().split()
    return float(start), float(end)
