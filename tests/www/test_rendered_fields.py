"""The task instance page shows what the latest finished try's templated fields rendered to,
as recorded by the try's supervisor."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.execution.task_runner import finish_try
from tradewind.execution.try_process import StartedTry, TryResult
from tradewind.operations import dag_runs


def _finish(database: Database, run_id: str, try_number: int, fields: dict[str, object]) -> None:
    with database.session() as session:
        ti = session.get(TaskInstance, ("ui_sample", run_id, "extract", -1))
        assert ti is not None
        ti.state, ti.try_number = "running", try_number
    now = datetime.now(UTC)
    started = StartedTry(
        dag_id="ui_sample",
        run_id=run_id,
        task_id="extract",
        try_number=try_number,
        max_tries=1,
        fileloc="-",
        logical_date=now,
        data_interval_start=now,
        data_interval_end=now,
        conf={},
        run_type="manual",
        start_date=now,
    )
    finish_try(database, started, TryResult("success", rendered_fields=fields))


def test_the_page_shows_the_latest_rendered_fields(
    client: TestClient, ui_database: Database
) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract"
    assert "Rendered templates" not in client.get(url).text  # no try has rendered yet

    _finish(ui_database, run.run_id, 1, {"bash_command": "echo first", "env": None, "cwd": None})
    _finish(
        ui_database,
        run.run_id,
        2,
        {"bash_command": "echo <b>{'k': 1}</b>", "env": {"A": "1"}, "cwd": None},
    )
    page = client.get(url).text
    assert "Rendered templates" in page
    assert "echo first" not in page  # the second try's replaced the first's
    assert "echo &lt;b&gt;{&#39;k&#39;: 1}&lt;/b&gt;" in page  # escaped, as text
    assert "&#34;A&#34;: &#34;1&#34;" in page  # a dict as indented JSON
    assert '<pre class="mono rendered">None</pre>' in page  # cwd
