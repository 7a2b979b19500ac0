"""A DAG file in Airflow's syntax runs unchanged with ``[core] airflow_compat`` on: parsed by
the DAG processor, run by a real scheduler (its zygotes and tries), and by ``tasks test``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

AIRFLOW_2_DAG = """
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule

def greet(name, **context):
    print(f"hello {name} on {context['ds']}")
    return name.upper()

with DAG(
    dag_id="airflow_two",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule_interval="@daily",
    catchup=False,
    default_args={"retries": 1, "retry_delay": pendulum.duration(seconds=1)},
) as dag:
    start = EmptyOperator(task_id="start")
    say = BashOperator(task_id="say", bash_command="echo bash says {{ ds }}")
    py = PythonOperator(task_id="py", python_callable=greet, op_kwargs={"name": "ada"})
    end = EmptyOperator(task_id="end", trigger_rule=TriggerRule.ALL_SUCCESS)
    start >> [say, py] >> end
"""

AIRFLOW_1_10_DAG = """
from datetime import timedelta
from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

def work(**kwargs):
    print(f"old style work for {kwargs['ds']}")

dag = DAG("airflow_one_ten", start_date=days_ago(2), schedule_interval=timedelta(days=1),
          catchup=False)
begin = DummyOperator(task_id="begin", dag=dag)
run = BashOperator(task_id="run", bash_command="echo one ten", dag=dag)
old = PythonOperator(task_id="old", python_callable=work, provide_context=True, dag=dag)
begin >> run >> old
"""

UNSUPPORTED_DAG = """
from airflow import DAG
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
"""


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
def test_airflow_syntax_dags_run_to_success_under_a_scheduler(compat_harness: Harness) -> None:
    h = compat_harness
    h.add_dag("airflow_two", AIRFLOW_2_DAG)
    h.add_dag("airflow_one_ten", AIRFLOW_1_10_DAG)
    h.sync()
    h.start()
    runs = {
        dag_id: h.trigger(dag_id, run_id="compat") for dag_id in ("airflow_two", "airflow_one_ten")
    }
    for dag_id, run_id in runs.items():
        assert h.wait_run(dag_id, run_id, timeout=90) == "success", (
            dag_id,
            h.states(dag_id, run_id),
            h.scheduler_log()[-3000:],
        )
    assert set(h.states("airflow_two", "compat").values()) == {"success"}
    assert set(h.states("airflow_one_ten", "compat").values()) == {"success"}
    assert "hello ada on " in h.try_log("airflow_two", "compat", "py")
    assert "bash says " in h.try_log("airflow_two", "compat", "say")
    assert "one ten" in h.try_log("airflow_one_ten", "compat", "run")
    assert "old style work for " in h.try_log("airflow_one_ten", "compat", "old")


def _tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def compat_env(tw_env: dict[str, str], tw_home: Path) -> dict[str, str]:
    dags = tw_home / "dags"
    (dags / "airflow_two.py").write_text(AIRFLOW_2_DAG)
    (dags / "uses_s3.py").write_text(UNSUPPORTED_DAG)
    env = {**tw_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}
    assert _tradewind(env, "db", "migrate").returncode == 0
    return env


def test_tasks_test_runs_an_airflow_syntax_task(compat_env: dict[str, str]) -> None:
    result = _tradewind(compat_env, "tasks", "test", "airflow_two", "py", "2024-02-03")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "hello ada on 2024-02-03" in result.stdout + result.stderr


def test_an_unsupported_import_shows_in_list_import_errors(compat_env: dict[str, str]) -> None:
    listed = _tradewind(compat_env, "dags", "list")
    assert listed.returncode == 0, listed.stderr
    assert "airflow_two" in listed.stdout
    errors = _tradewind(compat_env, "dags", "list-import-errors")
    assert errors.returncode == 0, errors.stderr
    assert "uses_s3.py" in errors.stdout
    assert (
        "ImportError: airflow.providers.amazon.aws.hooks.s3 is not provided by Tradewind"
        in errors.stdout
    )
    assert "ModuleNotFoundError" not in errors.stdout


def test_with_compat_off_airflow_files_are_not_imported(
    tw_env: dict[str, str], tw_home: Path
) -> None:
    (tw_home / "dags" / "airflow_two.py").write_text(AIRFLOW_2_DAG)
    assert _tradewind(tw_env, "db", "migrate").returncode == 0
    listed = _tradewind(tw_env, "dags", "list")
    assert listed.returncode == 0, listed.stderr
    assert "airflow_two" not in listed.stdout


def test_tasks_run_runs_an_airflow_syntax_task(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.operations.dag_runs import trigger_dag

    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    (config.dags_folder / "airflow_two.py").write_text(AIRFLOW_2_DAG)
    assert not sync_dag_folder(config, database).import_errors
    when = "2024-01-05T00:00:00+00:00"
    trigger_dag(database, "airflow_two", execution_date=when, actor="test")
    env = {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}

    ran = _tradewind(env, "tasks", "run", "airflow_two", "py", when, "--ignore-dependencies")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    logs = _tradewind(env, "tasks", "logs", "airflow_two", "py", when)
    assert "hello ada on 2024-01-05" in logs.stdout
