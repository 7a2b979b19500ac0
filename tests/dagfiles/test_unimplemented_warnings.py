"""Arguments accepted but not acted on are warned about once per DAG, and the warnings stay
with the serialized DAG so ``dags report`` and the UI can show them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tests.dagfiles.dag_files import write

from tradewind.authoring.unimplemented import DAG_ARGUMENTS, TASK_ARGUMENTS
from tradewind.dagfiles.loader import load_dag_file
from tradewind.dagfiles.processor import parse_file

HEAD = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

def cb(context):
    pass
"""

# One non-default value for every entry of the table, so a new entry needs a line here.
TASK_VALUES = {
    "sla": "timedelta(hours=1)",
    "executor_config": "{'KubernetesExecutor': {}}",
    "start_date": "datetime(2024, 6, 1)",
    "end_date": "datetime(2025, 1, 1)",
}
DAG_VALUES = {"sla_miss_callback": "cb", "orientation": "'TB'"}


def _file(tmp_path: Path, body: str) -> str:
    return str(write(tmp_path, "dag_file.py", HEAD + body))


def test_the_table_and_this_test_name_the_same_arguments() -> None:
    assert {entry.argument for entry in TASK_ARGUMENTS} == set(TASK_VALUES)
    assert {entry.argument for entry in DAG_ARGUMENTS} == set(DAG_VALUES)


@pytest.mark.parametrize("argument", sorted(TASK_VALUES))
def test_each_task_argument_set_gives_one_warning(tmp_path: Path, argument: str) -> None:
    body = f"""
with DAG("warned", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="a", {argument}={TASK_VALUES[argument]})
    EmptyOperator(task_id="b", {argument}={TASK_VALUES[argument]})
    EmptyOperator(task_id="quiet")
"""
    loaded = load_dag_file(_file(tmp_path, body))
    about = [line for line in loaded.warnings if f" set {argument}," in line]
    assert len(about) == 1, loaded.warnings
    assert "UnimplementedArgumentWarning: DAG 'warned': tasks 'a', 'b' set" in about[0]
    assert "quiet" not in about[0]
    assert "Tradewind does not implement" in about[0]


@pytest.mark.parametrize("argument", sorted(DAG_VALUES))
def test_each_dag_argument_set_gives_one_warning(tmp_path: Path, argument: str) -> None:
    body = f"""
dag = DAG("warned", start_date=datetime(2024, 1, 1), schedule=None,
          {argument}={DAG_VALUES[argument]})
"""
    loaded = load_dag_file(_file(tmp_path, body))
    assert [line for line in loaded.warnings if f"sets {argument}," in line] == [
        f"UnimplementedArgumentWarning: DAG 'warned' sets {argument}, but "
        + next(entry.why for entry in DAG_ARGUMENTS if entry.argument == argument)
    ]


def test_sla_says_airflow_3_removed_it_and_default_args_count(tmp_path: Path) -> None:
    body = """
with DAG("slas", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={"sla": timedelta(minutes=5)}) as dag:
    EmptyOperator(task_id="a")
"""
    (line,) = load_dag_file(_file(tmp_path, body)).warnings
    assert "task 'a' set sla, but SLAs were removed in Airflow 3" in line


def test_defaults_and_settings_that_ask_for_nothing_are_not_warned_about(
    tmp_path: Path,
) -> None:
    # The Airflow tutorial's default_args: an address, but no mail wanted on failure or retry.
    body = """
with DAG("tutorial_like", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={"email": ["a@example.com"], "email_on_failure": False,
                       "email_on_retry": False, "depends_on_past": False,
                       "start_date": datetime(2024, 1, 1)}) as dag:
    EmptyOperator(task_id="a", wait_for_downstream=False, executor_config={})
"""
    assert load_dag_file(_file(tmp_path, body)).warnings == []


def test_warnings_are_logged_with_the_file_and_stored_with_each_dag(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = """
with DAG("first", start_date=datetime(2024, 1, 1), schedule=None, sla_miss_callback=cb) as d1:
    EmptyOperator(task_id="a")
with DAG("second", start_date=datetime(2024, 1, 1), schedule=None) as d2:
    EmptyOperator(task_id="b", executor_config={"KubernetesExecutor": {}})
"""
    path = _file(tmp_path, body)
    with caplog.at_level(logging.WARNING, logger="tradewind.dagfiles.loader"):
        result = parse_file(path)
    assert result.error is None
    assert any(
        path in record.getMessage() and "sla_miss_callback" in record.getMessage()
        for record in caplog.records
    )
    by_dag = {data["dag_id"]: data["warnings"] for data in result.dags}
    for lines in by_dag.values():  # a file's warnings go with each of its DAGs
        assert any("DAG 'first' sets sla_miss_callback" in line for line in lines)
        assert any("task 'b' set executor_config" in line for line in lines)


def test_many_tasks_make_one_readable_line(tmp_path: Path) -> None:
    body = """
with DAG("wide", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={"sla": timedelta(hours=1)}) as dag:
    for n in range(30):
        EmptyOperator(task_id=f"t{n}")
"""
    (line,) = load_dag_file(_file(tmp_path, body)).warnings
    assert "'t9' and 20 more set sla" in line
