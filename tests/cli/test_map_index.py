"""``--map-index`` / ``-m`` on ``tasks run``, ``state``, ``failed-deps``, ``test`` and
``render``: one instance of a mapped task, and clear errors naming the map indexes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.api.server import ApiServer, make_home, serve, sqlite_copy
from tradewind.cli import main
from tradewind.db.engine import Database

MAPPED_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator

with DAG("mapped_cli", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def numbers():
        return [10, 20]

    @task
    def double(x):
        print(f"doubling {x}")
        return x * 2

    echo = BashOperator.partial(task_id="echo").expand(
        bash_command=["echo zero {{ ti.map_index }}", "echo one", "echo two {{ ds }}"]
    )
    plain = BashOperator(task_id="plain", bash_command="echo plain")
    double.expand(x=numbers())
"""
RUN_DATE = "2024-01-05T00:00:00+00:00"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[ApiServer]:
    """A DAG folder with a mapped DAG, one finished run of it (``dags test``), a webserver."""
    root = tmp_path_factory.mktemp("map_index")
    config = make_home(root, sqlite_copy(root, _sqlite_template))
    (config.dags_folder / "mapped_cli.py").write_text(MAPPED_DAG)
    database = Database.from_config(config)
    try:
        with serve(config, database) as running:
            tested = _cli(running, "local_client", "dags", "test", "mapped_cli", RUN_DATE)
            assert tested.returncode == 0, tested.stdout + tested.stderr
            yield running
    finally:
        database.dispose()


def _env(server: ApiServer, client: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "TRADEWIND_HOME": str(server.home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": server.config.sql_alchemy_conn,
        "TRADEWIND__CLI__API_CLIENT": f"tradewind.api.client.{client}",
        "TRADEWIND__CLI__ENDPOINT_URL": server.url,
        "PYTHONPATH": ":".join(sys.path),
    }


def _cli(server: ApiServer, client: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tradewind.cli import main; main()", *args],
        env=_env(server, client),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("client", ["local_client", "json_client"])
def test_tasks_state_of_one_mapped_instance(home: ApiServer, client: str) -> None:
    env = _env(home, client)
    if client == "json_client":  # the HTTP client needs no database
        env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"] = "sqlite:////nonexistent/dir/x.db"

    def tw(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env)
        return result.exit_code, result.output

    assert tw("tasks", "state", "mapped_cli", "echo", RUN_DATE, "--map-index", "2") == (
        0,
        "success\n",
    )
    assert tw("tasks", "state", "mapped_cli", "double", RUN_DATE, "-m", "1") == (0, "success\n")
    assert tw("tasks", "state", "mapped_cli", "plain", RUN_DATE) == (0, "success\n")

    code, output = tw("tasks", "state", "mapped_cli", "echo", RUN_DATE)
    assert code == 1
    assert "Task echo is mapped" in output and "--map-index" in output
    assert "its map indexes in run manual__2024-01-05T00:00:00+00:00 are 0-2" in output
    code, output = tw("tasks", "state", "mapped_cli", "echo", RUN_DATE, "-m", "7")
    assert code == 1 and "no task instance with map_index 7" in output and "0-2" in output
    code, output = tw("tasks", "state", "mapped_cli", "plain", RUN_DATE, "-m", "0")
    assert code == 1 and "(it is not mapped)" in output
    code, output = tw("tasks", "state", "mapped_cli", "echo", RUN_DATE, "-m", "x")
    assert code == 2 and "'x' is not a valid integer" in output


def test_tasks_run_and_failed_deps_of_one_mapped_instance(home: ApiServer) -> None:
    refused = _cli(home, "local_client", "tasks", "run", "mapped_cli", "double", RUN_DATE)
    assert refused.returncode == 1
    assert "Task double of DAG mapped_cli is mapped: pick one of its instances with " in (
        refused.stderr
    )
    assert "--map-index (-m); its map indexes in run manual__2024-01-05" in refused.stderr
    assert "are 0-1" in refused.stderr

    done = _cli(home, "local_client", "tasks", "run", "mapped_cli", "double", RUN_DATE, "-m", "1")
    assert done.returncode == 1
    assert "Not running mapped_cli.double[1]" in done.stderr and "already success" in done.stderr
    ran = _cli(
        home, "local_client", "tasks", "run", "mapped_cli", "double", RUN_DATE, "-m", "1", "-f"
    )
    assert ran.returncode == 0, ran.stderr
    assert "mapped_cli.double[1]" in ran.stdout and "try 2: success" in ran.stdout
    assert "map_index=1/attempt=2.log" in ran.stdout
    log = Path(ran.stdout.split("log: ")[1].strip()).read_text()
    assert "doubling 20" in log and "doubling 10" not in log
    logs = _cli(home, "local_client", "tasks", "logs", "mapped_cli", "double", RUN_DATE, "-m", "0")
    assert logs.returncode == 0 and "doubling 10" in logs.stdout
    no_index = _cli(home, "local_client", "tasks", "logs", "mapped_cli", "double", RUN_DATE)
    assert no_index.returncode == 1 and "are 0-1" in no_index.stderr

    deps = _cli(
        home, "local_client", "tasks", "failed-deps", "mapped_cli", "echo", RUN_DATE, "-m", "0"
    )
    assert deps.returncode == 0, deps.stderr
    assert "mapped_cli.echo[0]" in deps.stdout  # it succeeded already: that is what is unmet

    beyond = _cli(home, "local_client", "tasks", "run", "mapped_cli", "double", RUN_DATE, "-m", "5")
    assert beyond.returncode == 1
    assert "Task double of DAG mapped_cli has no instance with map index 5; its map indexes in" in (
        beyond.stderr
    )
    wrong = _cli(home, "local_client", "tasks", "run", "mapped_cli", "plain", RUN_DATE, "-m", "0")
    assert wrong.returncode == 1
    assert "Task plain of DAG mapped_cli is not mapped: leave out --map-index (-m)" in wrong.stderr


def test_tasks_test_and_render_build_the_instance_from_the_file(home: ApiServer) -> None:
    tested = _cli(
        home, "local_client", "tasks", "test", "mapped_cli", "echo", "2024-02-01", "-m", "2"
    )
    assert tested.returncode == 0, tested.stderr
    assert "two 2024-02-01" in tested.stdout + tested.stderr

    rendered = _cli(
        home, "local_client", "tasks", "render", "mapped_cli", "echo", "2024-02-01", "-m", "0"
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "# property: bash_command" in rendered.stdout
    assert "echo zero 0" in rendered.stdout

    missing = _cli(home, "local_client", "tasks", "render", "mapped_cli", "echo", "2024-02-01")
    assert missing.returncode == 1
    assert (
        "Task echo of DAG mapped_cli is mapped: pick one of its instances with --map-index (-m); "
        "its map indexes are 0-2" in missing.stderr
    )
    beyond = _cli(
        home, "local_client", "tasks", "test", "mapped_cli", "echo", "2024-02-01", "-m", "3"
    )
    assert beyond.returncode == 1 and "are 0-2 (map index 3 was given)" in beyond.stderr

    upstream = _cli(
        home, "local_client", "tasks", "test", "mapped_cli", "double", "2024-02-01", "-m", "0"
    )
    assert upstream.returncode == 1
    assert "maps over the output of numbers, which exists only in a run" in upstream.stderr
    assert "tradewind tasks run mapped_cli double RUN_ID --map-index N" in upstream.stderr
