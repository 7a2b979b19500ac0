"""Variables and connections reach tasks and templates under a real scheduler (SQLite and
PostgreSQL), from the database and the environment, in Tradewind and Airflow syntax; the
connection's password is *** in the task log; the database holds only ciphertext."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.scheduling.harness import Harness
from tradewind.authoring.connection import Connection
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.secrets_store import SecretsStore
from tradewind.execution.xcoms import pull_xcom

TRADEWIND_DAG = """
import logging
from datetime import datetime
from tradewind import DAG, Variable
from tradewind.integrations.base_hook import BaseHook
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

PARSED_WITH = Variable.get("parse_time", default_var="none")

def use_them():
    conn = BaseHook.get_connection("my_db")
    print("greeting is", Variable.get("greeting"))
    print("n is", Variable.get("settings", deserialize_json=True)["n"])
    print("from env", Variable.get("from_env"))
    print("the password is", conn.password, "and the token is", Variable.get("api_token"))
    print("missing gives", Variable.get("nope", default_var="fallback"))
    logging.getLogger("my.task").warning("logged %s", conn.password)
    Variable.set("written_by_task", {"ok": True}, serialize_json=True)
    return conn.host

with DAG("secrets_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="py", python_callable=use_them)
    BashOperator(
        task_id="templated",
        bash_command="echo {{ var.value.greeting }} {{ var.json.settings.n }} "
        "{{ conn.my_db.host }}:{{ conn.my_db.port }} {{ conn.my_db.password }}",
    )
"""

AIRFLOW_DAG = """
import pendulum
from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.python import PythonOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

def use_them():
    print("airflow greeting", Variable.get("greeting"))
    print("airflow host", BaseHook.get_connection("env_conn").host)
    print("airflow compat env var", Variable.get("airflow_style"))

with DAG("airflow_secrets", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule_interval=None) as dag:
    PythonOperator(task_id="py", python_callable=use_them)
    SQLExecuteQueryOperator(task_id="sql", conn_id="scratch", sql="SELECT 40 + {{ params.n }}",
                            params={"n": 2})
"""


@pytest.fixture
def harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    h = Harness(config, database, {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}, tmp_path)
    try:
        yield h
    finally:
        h.stop()


@pytest.mark.slow
def test_tasks_and_templates_read_variables_and_connections(harness: Harness) -> None:
    h = harness
    store = SecretsStore(h.db, h.config)
    store.set_variable("greeting", "hello-there", "said by the tasks")
    store.set_variable("settings", '{"n": 42}', None)
    store.set_variable("api_token", "tok-123456", None)
    with h.db.session() as session:
        store.write_connection(
            session,
            Connection.from_uri("postgresql://me:pa55word@db.example:6543/app", conn_id="my_db"),
        )
    h.add_dag("secrets_dag", TRADEWIND_DAG)
    h.add_dag("airflow_secrets", AIRFLOW_DAG)
    h.sync()
    h.start(
        TRADEWIND_VAR_FROM_ENV="env-value",
        AIRFLOW_VAR_AIRFLOW_STYLE="airflow-env",
        TRADEWIND_CONN_ENV_CONN='{"conn_type": "http", "host": "env.example"}',
        AIRFLOW_CONN_SCRATCH=json.dumps({"conn_type": "sqlite", "host": str(h.tmp / "s.db")}),
    )
    for dag_id in ("secrets_dag", "airflow_secrets"):
        run_id = h.trigger(dag_id, run_id="r1")
        assert h.wait_run(dag_id, run_id, timeout=90) == "success", (
            h.states(dag_id, run_id),
            h.try_log(dag_id, run_id, "py"),
        )
    py_log = h.try_log("secrets_dag", "r1", "py")
    assert "greeting is hello-there" in py_log
    assert "n is 42" in py_log
    assert "from env env-value" in py_log
    assert "missing gives fallback" in py_log
    assert "the password is *** and the token is ***" in py_log
    assert "WARNING - logged ***" in py_log
    assert "pa55word" not in py_log and "tok-123456" not in py_log
    bash_log = h.try_log("secrets_dag", "r1", "templated")
    assert "hello-there 42 db.example:6543 ***" in bash_log
    assert "pa55word" not in bash_log
    assert store.get_variable("written_by_task") == '{\n  "ok": true\n}'
    airflow_log = h.try_log("airflow_secrets", "r1", "py")
    assert "airflow greeting hello-there" in airflow_log
    assert "airflow host env.example" in airflow_log
    assert "airflow compat env var airflow-env" in airflow_log
    assert pull_xcom(h.db, "airflow_secrets", "r1", "sql", "return_value") == [[42]]


def test_values_are_encrypted_at_rest_and_rotation_keeps_them_readable(
    db_config: Config, database: Database
) -> None:
    from cryptography.fernet import Fernet

    old_key = Fernet.generate_key().decode()
    config = db_config.with_overrides({("core", "fernet_key"): old_key})
    store = SecretsStore(database, config)
    store.set_variable("db_password", "plain-secret", None)
    with database.session() as session:
        store.write_connection(
            session, Connection(conn_id="c", conn_type="http", password="pw-xyz", extra={"a": "b"})
        )
    with database.session() as session:
        raw_var = session.execute(text("SELECT val FROM variable")).scalar_one()
        raw_pw, raw_extra = session.execute(text("SELECT password, extra FROM connection")).one()
    assert "plain-secret" not in raw_var and "pw-xyz" not in raw_pw and '"a"' not in raw_extra

    new_key = Fernet.generate_key().decode()
    rotated = SecretsStore(
        database, db_config.with_overrides({("core", "fernet_key"): f"{new_key},{old_key}"})
    )
    assert rotated.rotate_fernet_key() == (1, 1)
    only_new = SecretsStore(database, db_config.with_overrides({("core", "fernet_key"): new_key}))
    assert only_new.get_variable("db_password") == "plain-secret"
    connection = only_new.get_connection("c")
    assert connection is not None and connection.password == "pw-xyz"
    assert connection.extra_dejson == {"a": "b"}


def test_without_a_key_values_are_stored_as_plaintext(
    db_config: Config, database: Database
) -> None:
    store = SecretsStore(database, db_config.with_overrides({("core", "fernet_key"): ""}))
    store.set_variable("k", "visible", None)
    with database.session() as session:
        row = session.execute(text("SELECT val, is_encrypted FROM variable")).one()
    assert row[0] == "visible" and not row[1]


def test_the_environment_wins_and_airflow_names_count_only_under_compat(
    db_config: Config, database: Database
) -> None:
    environment = {
        "TRADEWIND_VAR_REGION": "env-region",
        "AIRFLOW_VAR_COLOUR": "airflow-colour",
        "AIRFLOW_CONN_LEGACY": "http://legacy.example",
    }
    plain = Config(db_config.home, dict(db_config._raw), environment)
    compat = plain.with_overrides({("core", "airflow_compat"): "True"})
    store = SecretsStore(database, plain)
    store.set_variable("region", "stored-region", None)
    assert store.get_variable("region") == "env-region"
    assert store.get_variable("colour") is None and store.get_connection("legacy") is None
    with_compat = SecretsStore(database, compat)
    assert with_compat.get_variable("colour") == "airflow-colour"
    legacy = with_compat.get_connection("legacy")
    assert legacy is not None and legacy.host == "legacy.example"
