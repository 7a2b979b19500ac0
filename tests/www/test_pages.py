"""The UI's pages render what the database holds, and unknown things answer 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.operations import dag_runs


def test_root_redirects_to_dag_list(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/dags"


def test_dag_list_shows_dags_and_import_errors(client: TestClient) -> None:
    page = client.get("/dags")
    assert page.status_code == 200
    assert "ui_sample" in page.text and "ui_other" in page.text
    assert "broken_dag.py" in page.text
    assert "this DAG file is broken on purpose" in page.text
    assert 'href="/static/style.css"' in page.text  # served by us, no CDN
    assert "https://" not in page.text


def test_dag_list_search_tag_and_status_filters(client: TestClient) -> None:
    searched = client.get("/dags", params={"search": "SAMPLE"}).text
    assert "ui_sample" in searched and 'href="/dags/ui_other"' not in searched
    tagged = client.get("/dags", params={"tag": "other"}).text
    assert 'href="/dags/ui_other"' in tagged and 'href="/dags/ui_sample"' not in tagged
    active = client.get("/dags", params={"status": "active"}).text
    assert "No DAG matches" in active  # new DAGs start paused


def test_dag_list_shows_recent_run_states(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    page = client.get("/dags").text
    assert f'href="{dag_runs.dag_run_url("ui_sample", run.run_id)}"' in page
    assert "mark state-queued" in page


def test_dag_pages_render(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test", conf={"a": 1})
    grid = client.get("/dags/ui_sample")
    assert grid.status_code == 200
    for task_id in ("extract", "transform", "load"):
        assert f'data-task-id="{task_id}"' in grid.text
    assert f'data-run-id="{run.run_id}"' in grid.text

    graph = client.get("/dags/ui_sample/graph").text
    assert graph.count('class="node ') == 3 and graph.count('class="edge"') == 2

    code = client.get("/dags/ui_sample/code").text
    assert "transforming" in code

    trigger = client.get("/dags/ui_sample/trigger").text
    assert 'name="param.greeting" value="hello"' in trigger  # a field per param, prefilled

    run_page = client.get(f"/dags/ui_sample/runs/{run.run_id}")
    assert run_page.status_code == 200
    assert '"a": 1' in run_page.text
    assert run_page.text.count("<tr data-task-id=") == 3


def test_run_page_answers_json_to_scripts(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    body = client.get(
        dag_runs.dag_run_url("ui_sample", run.run_id), headers={"Accept": "application/json"}
    ).json()
    assert body["run_id"] == run.run_id and body["state"] == "queued"
    assert set(body["task_instances"]) == {"extract", "transform", "load"}


def test_task_instance_page_and_log_endpoint(
    client: TestClient, ui_database: Database, db_config
) -> None:
    from tradewind.execution.logs import log_path

    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    with ui_database.session() as session:
        ti = session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1))
        ti.state, ti.try_number = "running", 1
    path = log_path(db_config, "ui_sample", run.run_id, "extract", 1)
    path.parent.mkdir(parents=True)
    path.write_text("first line\n")

    url = f"/dags/ui_sample/runs/{run.run_id}/tasks/extract"
    page = client.get(url)
    assert page.status_code == 200
    assert "first line" in page.text and 'data-follow="true"' in page.text

    with path.open("a") as handle:
        handle.write("second line\n")
    piece = client.get(f"{url}/log", params={"try_number": 1, "offset": len("first line\n")})
    assert piece.json() == {
        "text": "second line\n",
        "offset": len("first line\nsecond line\n"),
        "more": False,
        "state": "running",
        "try_number": 1,
        "follow": True,
    }
    with ui_database.session() as session:
        session.get(TaskInstance, ("ui_sample", run.run_id, "extract", -1)).state = "success"
    done = client.get(f"{url}/log", params={"try_number": 1, "offset": 0}).json()
    assert done["follow"] is False and done["text"] == "first line\nsecond line\n"


@pytest.mark.parametrize(
    "path",
    [
        "/dags/nope",
        "/dags/nope/graph",
        "/dags/nope/code",
        "/dags/nope/trigger",
        "/dags/nope/runs/r1",
        "/dags/ui_sample/runs/no_such_run",
        "/dags/ui_sample/graph?run_id=no_such_run",
        "/dags/ui_sample/runs/no_such_run/tasks/extract",
        "/static/nope.css",
    ],
)
def test_unknown_things_are_404_pages(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_static_files_cannot_escape_their_folder(client: TestClient) -> None:
    for path in ("/static/..%2F__init__.py", "/static/..%2Fapp.py", "/static/%2Fetc%2Fpasswd"):
        assert client.get(path).status_code == 404


def test_unknown_task_of_existing_run_is_404(client: TestClient, ui_database: Database) -> None:
    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    assert client.get(f"/dags/ui_sample/runs/{run.run_id}/tasks/nope").status_code == 404


def test_grid_is_limited_to_the_last_runs(client: TestClient, ui_database: Database) -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 1, 1, tzinfo=UTC)
    for day in range(30):
        dag_runs.trigger_dag(
            ui_database, "ui_other", actor="test", execution_date=start + timedelta(days=day)
        )
    page = client.get("/dags/ui_other").text
    assert page.count('class="run-head') == 25
    assert "manual__2025-01-30" in page and "manual__2025-01-05" not in page
    assert client.get("/dags/ui_other", params={"runs": 50}).text.count('class="run-head') == 30
    with ui_database.read_session() as session:
        assert len(session.scalars(select(DagRun).where(DagRun.dag_id == "ui_other")).all()) == 30


def test_a_search_holding_nul_is_searched_without_it(client: TestClient) -> None:
    """PostgreSQL refuses NUL in a query parameter; the list must still answer."""
    page = client.get("/dags", params={"search": "ui_\x00sample"})
    assert page.status_code == 200
    assert "ui_sample" in page.text
