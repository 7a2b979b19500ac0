"""The task instance page's Rendered tab shows what each try's templated fields rendered to,
as recorded by the try's supervisor; its XCom tab shows what the latest try pushed."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.execution.task_runner import finish_try
from tradewind.execution.try_process import StartedTry, TryResult
from tradewind.execution.xcoms import write_xcom
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


def test_the_rendered_tab_shows_each_try_as_it_rendered(
    client: TestClient, ui_database: Database
) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract?tab=rendered"
    first = client.get(url).text
    assert "Rendered templates" in first
    assert 'id="rendered-missing"' in first  # no try has rendered yet

    _finish(ui_database, run.run_id, 1, {"bash_command": "echo first", "env": None, "cwd": None})
    _finish(
        ui_database,
        run.run_id,
        2,
        {"bash_command": "echo <b>{'k': 1}</b>", "env": {"A": "1"}, "cwd": None},
    )
    page = client.get(url).text
    assert "echo first" not in page  # the latest try by default
    assert "echo &lt;b&gt;{&#39;k&#39;: 1}&lt;/b&gt;" in page  # escaped, as text
    assert "&#34;A&#34;: &#34;1&#34;" in page  # a dict as indented JSON
    assert '<pre class="mono rendered">None</pre>' in page  # cwd
    earlier = client.get(url + "&try_number=1").text
    assert "echo first" in earlier  # try 1 is still shown as try 1 rendered it
    assert "echo &lt;b&gt;" not in earlier
    # The log tab (the default) does not show them.
    assert "echo first" not in client.get(url.replace("?tab=rendered", "?try_number=1")).text


def test_fields_named_like_secrets_are_masked(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    fields = {"bash_command": "echo hi", "env": {"API_KEY": "abc123", "HOME": "/root"}}
    _finish(ui_database, run.run_id, 1, fields)
    page = client.get(f"/dags/ui_sample/runs/{run.run_id}/tasks/extract?tab=rendered").text
    assert "abc123" not in page
    assert "&#34;API_KEY&#34;: &#34;***&#34;" in page
    assert "/root" in page


def test_the_xcom_tab_lists_the_latest_trys_values_masked_and_cut(
    client: TestClient, ui_database: Database
) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    _finish(ui_database, run.run_id, 1, {"bash_command": "echo"})
    with ui_database.session() as session:
        for key, value in {
            "return_value": {"rows": 3, "password": "hunter22"},
            "big": "x" * 20_000,
            "db_password": "s3cret-value",
        }.items():
            write_xcom(session, "ui_sample", run.run_id, "extract", key, value)
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract?tab=xcom"
    page = client.get(url).text
    assert 'data-key="return_value"' in page
    assert "&#34;rows&#34;: 3" in page
    assert "hunter22" not in page and "s3cret-value" not in page
    assert "x" * 10_000 in page and "x" * 10_001 not in page
    assert "cut at 10000 characters of 20000" in page
    assert client.get(url + "&try_number=9").status_code == 200  # not a try: the latest
    assert (
        client.get(f"/dags/ui_sample/runs/{run.run_id}/tasks/extract?tab=nope").status_code == 400
    )


def test_a_try_from_before_the_history_shows_once_finished(
    client: TestClient, ui_database: Database
) -> None:
    """Rows recorded before ``task_instance_history`` existed: the latest finished try's
    fields come from ``rendered_task_instance_fields``; a running try shows none yet."""
    from tradewind.execution.rendered_fields import write_rendered_fields

    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    with ui_database.session() as session:
        write_rendered_fields(session, ("ui_sample", run.run_id, "extract", -1), {"x": "old"})
        ti = session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1))
        assert ti is not None
        ti.state, ti.try_number = "running", 1
    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract?tab=rendered"
    running = client.get(url).text
    assert "yet: the fields are recorded when the try ends" in running
    assert '<pre class="mono rendered">old</pre>' not in running
    with ui_database.session() as session:
        ti = session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1))
        assert ti is not None
        ti.state = "success"
    assert '<pre class="mono rendered">old</pre>' in client.get(url).text
