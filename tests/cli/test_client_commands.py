"""CLI commands through the API client: the same commands, outputs and exit codes with
``local_client`` (database) and ``json_client`` (HTTP to a real webserver)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.api.server import ApiServer, make_home, serve, sqlite_copy, sync_dags
from tradewind.cli import main
from tradewind.db.engine import Database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("cli_client")
    config = make_home(root, sqlite_copy(root, _sqlite_template))
    database = Database.from_config(config)
    sync_dags(config, database)
    try:
        with serve(config, database) as running:
            yield running
    finally:
        database.dispose()


@pytest.fixture(params=["local_client", "json_client"])
def tw(request: pytest.FixtureRequest, server: ApiServer):
    env = {
        "TRADEWIND_HOME": str(server.home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": server.config.sql_alchemy_conn,
        "TRADEWIND__CLI__API_CLIENT": f"tradewind.api.client.{request.param}",
        "TRADEWIND__CLI__ENDPOINT_URL": server.url,
    }
    if request.param == "json_client":
        # Prove the HTTP client needs no database: point it at one that does not exist.
        env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"] = "sqlite:////nonexistent/dir/x.db"

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, input=input)

    run.kind = request.param  # type: ignore[attr-defined]
    return run


def test_trigger_state_and_list_runs(tw) -> None:
    run_id = f"cli_{tw.kind}"
    date = "2020-01-01" if tw.kind == "local_client" else "2020-01-02"
    created = tw("dags", "trigger", "demo", "-r", run_id, "-c", '{"k": 1}', "-e", date)
    assert created.exit_code == 0, created.output
    assert created.output.startswith(f"Created <DagRun demo @ {date} 00:00:00+00:00: {run_id}")
    state = tw("dags", "state", "demo", run_id)
    assert state.exit_code == 0 and state.output == 'queued, {"k": 1}\n'
    by_date = tw("dags", "state", "demo", f"{date}T00:00:00+00:00")
    assert by_date.output == 'queued, {"k": 1}\n'
    task = tw("tasks", "state", "demo", "extract", run_id)
    assert task.exit_code == 0 and task.output == "None\n"
    table = tw("dags", "list-runs", "demo")
    assert table.exit_code == 0 and run_id in table.output
    assert table.output.splitlines()[0].split(" | ")[0].strip() == "dag_id"
    as_json = json.loads(
        tw("dags", "list-runs", "demo", "--output", "json", "--state", "queued").output
    )
    assert run_id in {run["run_id"] for run in as_json}


def test_errors_are_one_line_and_exit_1(tw) -> None:
    for args, message in [
        (("dags", "trigger", "nope"), "Error: Dag id nope not found\n"),
        (("dags", "state", "demo", "garbage"), "Error: Given execution date, garbage, could not"),
        (("dags", "trigger", "demo", "-c", "[1]"), "Error: Dag Run conf must be a dictionary"),
        (("pools", "get", "ghost"), "Error: Pool 'ghost' doesn't exist\n"),
        (("pools", "set", "p", "abc", "d"), "Error: Bad value for `slots`: abc\n"),
        (("pools", "delete", "default_pool"), "Error: default_pool cannot be deleted\n"),
        (
            ("tasks", "state", "demo", "nope", "2020-01-01"),
            "Error: Task nope not found in dag demo",
        ),
    ]:
        result = tw(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_pause_and_unpause(tw) -> None:
    paused = tw("dags", "pause", "other")
    assert paused.exit_code == 0 and paused.output == "Dag: other, paused: True\n"
    unpaused = tw("dags", "unpause", "other")
    assert unpaused.output == "Dag: other, paused: False\n"


def test_pools_set_get_list_export_import_delete(tw, tmp_path: Path) -> None:
    name = f"pool_{tw.kind}"
    assert tw("pools", "set", name, "3", "three").output == f"Pool {name} set: 3 slot(s)\n"
    got = json.loads(tw("pools", "get", name, "-o", "json").output)
    assert got[0]["slots"] == 3 and got[0]["description"] == "three"
    assert name in tw("pools", "list").output
    exported = tmp_path / "pools.json"
    assert tw("pools", "export", str(exported)).exit_code == 0
    data = json.loads(exported.read_text())
    assert data[name] == {"slots": 3, "description": "three", "include_deferred": False}
    data[name]["slots"] = 7
    data[f"{name}_new"] = {"slots": -1, "description": ""}
    exported.write_text(json.dumps(data))
    imported = tw("pools", "import", str(exported))
    assert imported.exit_code == 0, imported.output
    assert json.loads(tw("pools", "get", name, "-o", "json").output)[0]["slots"] == 7
    assert tw("pools", "delete", f"{name}_new").output == f"Pool {name}_new deleted\n"
    assert tw("pools", "get", f"{name}_new").exit_code == 1


@pytest.mark.parametrize("suffix", ["p/1", "a/b/", "50%/x?y#z", ".."])
def test_pool_names_with_slashes_and_odd_characters(tw, suffix: str) -> None:
    name = suffix if suffix == ".." and tw.kind == "json_client" else f"{tw.kind}_{suffix}"
    assert tw("pools", "set", name, "2", "odd").output == f"Pool {name} set: 2 slot(s)\n"
    got = tw("pools", "get", name, "-o", "json")
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)[0]["pool"] == name
    deleted = tw("pools", "delete", name)
    assert deleted.exit_code == 0 and deleted.output == f"Pool {name} deleted\n"
    missing = tw("pools", "get", name)
    assert missing.exit_code == 1 and missing.output == f"Error: Pool '{name}' doesn't exist\n"


def test_delete_dag_asks_unless_yes(tw, server: ApiServer) -> None:
    dag_id = "to_delete" if tw.kind == "local_client" else "to_delete_alias"
    refused = tw("dags", "delete", dag_id, input="n\n")
    assert refused.exit_code == 1
    assert tw("dags", "state", dag_id, "2020-01-01").stderr.startswith("Error: Dag run")
    deleted = tw("dags", "delete", dag_id, "--yes")
    assert deleted.exit_code == 0 and deleted.output.startswith("Removed ")
    assert tw("dags", "pause", dag_id).stderr == f"Error: Dag id {dag_id} not found\n"


def test_unreachable_endpoint_is_one_clear_line(server: ApiServer) -> None:
    env = {
        "TRADEWIND_HOME": str(server.home),
        "TRADEWIND__CLI__API_CLIENT": "airflow.api.client.json_client",
        "TRADEWIND__CLI__ENDPOINT_URL": "http://127.0.0.1:9",
    }
    result = CliRunner().invoke(main, ["pools", "list"], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot reach the Tradewind API at http://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1


def test_server_fault_is_one_clear_line(tmp_path: Path) -> None:
    """A 500 answered as HTML (a proxy, a broken server) still gives one line, exit 1."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Broken(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>Internal Server Error</body></html>")

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Broken)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            "TRADEWIND_HOME": str(tmp_path),
            "TRADEWIND__CLI__API_CLIENT": "json_client",
            "TRADEWIND__CLI__ENDPOINT_URL": f"http://127.0.0.1:{httpd.server_port}",
        }
        result = CliRunner().invoke(main, ["pools", "list"], env=env)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code == 1
    assert "failed with HTTP 500" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
