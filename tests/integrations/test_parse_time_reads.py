"""A DAG file that reads a variable at its top level: parsing works, and is warned about;
`tasks test` reads variables and connections in its own process."""

from __future__ import annotations

import logging
import subprocess

import pytest

from tradewind.authoring.runtime_secrets import install_secrets_access
from tradewind.config import Config
from tradewind.dagfiles.loader import load_dags_from_file
from tradewind.dagfiles.parse_secrets import ParseTimeSecrets
from tradewind.dagfiles.sync import sync_dag_folder
from tradewind.db.engine import Database
from tradewind.db.secrets_store import SecretsStore
from tradewind.operations.dags import list_dags

TOP_LEVEL_READ = """
from datetime import datetime
from tradewind import DAG, Variable
from tradewind.operators.bash import BashOperator

with DAG(Variable.get("dag_name"), start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="say", bash_command="echo var={{ var.value.dag_name }} "
                 "host={{ conn.store.host }} password={{ conn.store.password }}")
"""


def test_a_top_level_read_parses_and_is_warned_about(
    db_config: Config, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    SecretsStore(database, db_config).set_variable("dag_name", "named_by_variable", None)
    path = db_config.dags_folder / "top_level.py"
    path.write_text(TOP_LEVEL_READ)
    report = sync_dag_folder(db_config, database)  # in the parser's worker processes
    assert not report.import_errors, report.import_errors
    assert "named_by_variable" in {dag["dag_id"] for dag in list_dags(database)}

    secrets = ParseTimeSecrets(db_config)  # what a parser worker installs, here in-process
    install_secrets_access(secrets)
    try:
        with caplog.at_level(logging.WARNING, logger="tradewind"):
            load_dags_from_file(str(path))
    finally:
        install_secrets_access(None)
        secrets.close()
    assert "Variable 'dag_name' is read at the top level of the DAG file" in caplog.text
    assert "costs a database query each time the file is parsed" in caplog.text


def test_tasks_test_reads_variables_and_connections(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    store = SecretsStore(database, db_config)
    store.set_variable("dag_name", "tested_dag", None)
    (db_config.dags_folder / "top_level.py").write_text(TOP_LEVEL_READ)
    env = {
        **db_env,
        "TRADEWIND_CONN_STORE": "postgresql://u:pw-s3cret@warehouse.internal:5432/w",
    }
    result = subprocess.run(
        ["tradewind", "tasks", "test", "tested_dag", "say"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "var=tested_dag host=warehouse.internal password=***" in output
    assert "pw-s3cret" not in output
