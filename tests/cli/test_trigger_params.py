"""``dags trigger -c`` checks the conf against the DAG's params, through either API client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.api.server import ApiServer, make_home, serve, sqlite_copy
from tests.api.test_params import PARAMS_DAG
from tradewind.cli import main
from tradewind.db.engine import Database


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[ApiServer]:
    from tradewind.dagfiles.sync import sync_dag_folder

    root = tmp_path_factory.mktemp("cli_params")
    config = make_home(root, sqlite_copy(root, _sqlite_template))
    (config.dags_folder / "demo_dags.py").write_text(PARAMS_DAG)
    database = Database.from_config(config)
    sync_dag_folder(config, database)
    try:
        with serve(config, database) as running:
            yield running
    finally:
        database.dispose()


@pytest.mark.parametrize("client", ["local_client", "json_client"])
def test_cli_trigger_refuses_a_conf_failing_the_params(server: ApiServer, client: str) -> None:
    env = {
        "TRADEWIND_HOME": str(server.home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": server.config.sql_alchemy_conn,
        "TRADEWIND__CLI__API_CLIENT": f"tradewind.api.client.{client}",
        "TRADEWIND__CLI__ENDPOINT_URL": server.url,
    }
    refused = CliRunner().invoke(
        main, ["dags", "trigger", "with_params", "-c", '{"who": "ana", "count": 0}'], env=env
    )
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: Invalid input for param count: 0 is less than the minimum of 1\n"
    )
    run_id = f"cli_{client}"
    date = "2024-01-01" if client == "local_client" else "2024-01-02"  # one run per date
    created = CliRunner().invoke(
        main,
        ["dags", "trigger", "with_params", "-r", run_id, "-c", '{"who": "ana"}', "-e", date],
        env=env,
    )
    assert created.exit_code == 0, created.stderr
    state = CliRunner().invoke(main, ["dags", "state", "with_params", run_id], env=env)
    assert state.output == 'queued, {"who": "ana"}\n'
