"""A scheduled DAG whose param default fails its own schema is an import error naming it."""

from __future__ import annotations

from pathlib import Path

from tests.dagfiles.dag_files import write

from tradewind.dagfiles.processor import parse_files

SOURCE = """
from datetime import datetime
from tradewind import DAG, Param
from tradewind.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule={schedule!r},
         params={{"int_param": Param("banana", type="integer")}}):
    EmptyOperator(task_id="t")
"""


def test_an_invalid_default_fails_a_scheduled_dag_file_only(tmp_path: Path) -> None:
    scheduled = write(tmp_path, "scheduled.py", SOURCE.format(dag_id="sch", schedule="@daily"))
    manual = write(tmp_path, "manual.py", SOURCE.format(dag_id="man", schedule=None))
    results = {
        Path(r.fileloc).name: r
        for r in parse_files([str(scheduled), str(manual)], timeout=30, processes=1)
    }
    error = results["scheduled.py"].error
    assert error is not None and results["scheduled.py"].dags == []
    assert "ParamValidationError" in error and str(scheduled) in error
    assert "invalid default for param 'int_param': 'banana' is not of type 'integer'" in error
    # schedule=None: checked when triggered (Airflow's rule), so the file parses.
    assert results["manual.py"].error is None
    assert [dag["dag_id"] for dag in results["manual.py"].dags] == ["man"]
