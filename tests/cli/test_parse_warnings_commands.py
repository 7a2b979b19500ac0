"""Parse warnings are never invisible: `dags report` and `dags list-import-errors` show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_dag_folder_commands import ok

WARNED_DAG = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("warned", schedule=None, start_date=datetime(2024, 1, 1),
         sla_miss_callback=print) as dag:
    EmptyOperator(task_id="slow", sla=timedelta(minutes=5))
"""

CLEAN_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("clean", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="fine")
"""


@pytest.fixture
def warned_env(tw_env: dict[str, str], tw_home: Path) -> dict[str, str]:
    (tw_home / "dags" / "warned.py").write_text(WARNED_DAG)
    (tw_home / "dags" / "clean.py").write_text(CLEAN_DAG)
    ok(tw_env, "db", "migrate")
    return tw_env


def test_report_counts_and_lists_each_files_warnings(
    warned_env: dict[str, str], tw_home: Path
) -> None:
    rows = json.loads(ok(warned_env, "dags", "report", "--output", "json"))
    by_file = {Path(row["file"]).name: row["warnings"] for row in rows}
    assert by_file["clean.py"] == []
    assert len(by_file["warned.py"]) == 2
    assert any("DAG 'warned' sets sla_miss_callback" in line for line in by_file["warned.py"])
    assert any("task 'slow' set sla" in line for line in by_file["warned.py"])

    table = ok(warned_env, "dags", "report")
    assert "warnings" in table.splitlines()[0]
    assert "Warnings raised while parsing DAG files that imported:" in table
    assert str(tw_home / "dags" / "warned.py") in table
    assert "  UnimplementedArgumentWarning: DAG 'warned' sets sla_miss_callback" in table


def test_list_import_errors_also_shows_warnings(warned_env: dict[str, str]) -> None:
    listed = ok(warned_env, "dags", "list-import-errors")
    assert listed.startswith("No import errors.")
    assert "task 'slow' set sla, but SLAs were removed in Airflow 3" in listed
    assert "clean.py" not in listed
