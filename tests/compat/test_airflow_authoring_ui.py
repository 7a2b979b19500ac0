"""An Airflow DAG file using Label, display names, doc_md (from a .md file) and sla runs under
compat with a real scheduler, and the UI shows its labels, names and docs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tests.www.conftest import make_client
from tradewind.config import Config
from tradewind.db.engine import Database

AIRFLOW_DAG = '''
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.sdk import Label as SdkLabel
from airflow.utils.edgemodifier import Label

with DAG(
    dag_id="airflow_labels",
    dag_display_name="Airflow labels 🏷",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
    doc_md="airflow_labels.md",
    default_args={"sla": timedelta(hours=2)},
) as dag:
    start = EmptyOperator(task_id="start", task_display_name="Begin here")
    say = BashOperator(task_id="say", bash_command="echo labelled run")

    @task(task_display_name="Finish up")
    def finish():
        """Ends the *run*."""
        print("finished")

    start >> Label("first say") >> say
    say >> SdkLabel("then finish") >> finish()
'''

DOC_FILE = "# Labels demo\n\nRead from **a file** beside the DAG.\n"


@pytest.fixture
def compat_harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    """The scheduling tests' harness (SQLite and PostgreSQL), with compat on everywhere."""
    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    harness = Harness(
        config, database, {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}, tmp_path
    )
    try:
        yield harness
    finally:
        harness.stop()


@pytest.mark.slow
def test_labels_names_docs_and_sla_under_compat(compat_harness: Harness) -> None:
    h = compat_harness
    (h.dags_folder / "airflow_labels.md").write_text(DOC_FILE)
    h.add_dag("airflow_labels", AIRFLOW_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("airflow_labels", run_id="labelled")
    assert h.wait_run("airflow_labels", run_id, timeout=90) == "success", (
        h.states("airflow_labels", run_id),
        h.scheduler_log()[-3000:],
    )
    assert "labelled run" in h.try_log("airflow_labels", run_id, "say")

    with make_client(h.config, h.db) as client:
        graph = client.get("/dags/airflow_labels/graph", params={"run_id": run_id}).text
        labels = re.findall(r'<text class="edge-label"[^>]*>([^<]*)</text>', graph)
        assert sorted(labels) == ["first say", "then finish"]
        assert re.search(r'class="label">Begin here</text>', graph)
        assert re.search(r'class="label">Finish up</text>', graph)
        assert re.search(r"<h1[^>]*>Airflow labels 🏷</h1>", graph)
        assert "<h1>Labels demo</h1>" in graph and "<strong>a file</strong>" in graph
        assert "set sla, but SLAs were removed in Airflow 3" in graph

        listing = client.get("/dags").text
        assert re.search(r'href="/dags/airflow_labels"[^>]*>Airflow labels 🏷</a>', listing)
        ti_page = client.get(f"/dags/airflow_labels/runs/{run_id}/tasks/finish").text
        assert "Ends the <em>run</em>." in ti_page
