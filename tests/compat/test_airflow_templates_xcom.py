"""Templating and XCom in an Airflow 2 DAG file, run by a real scheduler (SQLite and
PostgreSQL): a templated script found through ``template_searchpath``, macros and user
macros/filters, ``multiple_outputs`` with ``XComArg["key"]``, ``op.output``, ``xcom_pull``
of one task, of a list and of prior dates, ``do_xcom_push=False``, ``templates_dict``,
``prev_data_interval_start_success``, the rendered fields recorded for the task instance
page; and the two ways a try fails over templates/XCom."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import XCom
from tradewind.operations.task_instances import get_rendered_fields

DAG_FILE = """
import json

import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.macros import ds_add
from airflow.models.xcom import XCOM_RETURN_KEY
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


@task(multiple_outputs=True)
def split():
    return {"rows": 3, "name": "ada"}


@task
def shout(line):
    return line.upper()


@task(do_xcom_push=False)
def silent():
    return "not stored"


def collect(ti, templates_dict, ds, prev_data_interval_start_success, conf):
    return {
        "dags_folder": conf.get("core", "dags_folder"),
        "both": ti.xcom_pull(task_ids=["greet", "split"], key=XCOM_RETURN_KEY),
        "rows": ti.xcom_pull(task_ids="split", key="rows"),
        "earlier": ti.xcom_pull(task_ids="mark", key="mark", include_prior_dates=True),
        "td": templates_dict,
        "prev": str(prev_data_interval_start_success),
        "next_day": ds_add(ds, 1),
    }


def mark(ti, ds):
    ti.xcom_push(key="mark", value=ds)


with DAG(
    "templ_xcom",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    template_searchpath="@TMP@/scripts",
    user_defined_macros={"team": "data"},
    user_defined_filters={"shout": lambda text: text.upper()},
) as dag:
    parts = split()
    greet = BashOperator(task_id="greet", bash_command="greet.sh")
    parts >> greet  # a pull inside a template adds no dependency, as in Airflow
    loud = shout(greet.output)
    count = PythonOperator(
        task_id="count", python_callable=lambda n: n * 2, op_args=[parts["rows"]]
    )
    quiet_bash = BashOperator(task_id="quiet_bash", bash_command="echo hidden", do_xcom_push=False)
    quiet_py = PythonOperator(task_id="quiet_py", python_callable=lambda: 1, do_xcom_push=False)
    gather = PythonOperator(
        task_id="collect",
        python_callable=collect,
        templates_dict={
            "day": "{{ ds }}",
            "rows": "{{ ti.xcom_pull(task_ids='split', key='rows') }}",
        },
    )
    marker = PythonOperator(task_id="mark", python_callable=mark)
    [loud, count, quiet_bash, quiet_py, silent()] >> gather >> marker


with DAG("templ_bad", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
    PythonOperator(task_id="not_json", python_callable=lambda: {1, 2})
    BashOperator(task_id="no_file", bash_command="missing.sh")
"""

GREET_SH = "echo hello {{ ti.xcom_pull(task_ids='split', key='name') }} {{ team | shout }} \
{{ macros.ds_add(ds, 1) }} {{ task_instance_key_str }}\n"

DAY1 = datetime(2024, 1, 5, tzinfo=UTC)
DAY2 = datetime(2024, 1, 6, tzinfo=UTC)


@pytest.fixture
def compat_harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    harness = Harness(
        config, database, {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}, tmp_path
    )
    try:
        yield harness
    finally:
        harness.stop()


def _xcoms(h: Harness, dag_id: str, run_id: str) -> dict[tuple[str, str], Any]:
    with h.db.session() as session:
        rows = session.execute(
            select(XCom.task_id, XCom.key, XCom.value).where(
                XCom.dag_id == dag_id, XCom.run_id == run_id
            )
        ).all()
    return {(row.task_id, row.key): row.value for row in rows}


def _finish(h: Harness, dag_id: str, run_id: str, expected: str) -> None:
    state = h.wait_run(dag_id, run_id, timeout=90)
    assert state == expected, (dag_id, h.states(dag_id, run_id), h.scheduler_log()[-3000:])


@pytest.mark.slow
def test_templates_and_xcom_under_a_scheduler(compat_harness: Harness) -> None:
    h = compat_harness
    (h.tmp / "scripts").mkdir()
    (h.tmp / "scripts" / "greet.sh").write_text(GREET_SH)
    h.add_dag("templ_xcom", DAG_FILE)
    h.sync()
    h.start()
    first = h.trigger("templ_xcom", run_id="first", execution_date=DAY1)
    bad = h.trigger("templ_bad", run_id="bad")
    _finish(h, "templ_xcom", first, "success")
    second = h.trigger("templ_xcom", run_id="second", execution_date=DAY2)
    _finish(h, "templ_xcom", second, "success")
    _finish(h, "templ_bad", bad, "failed")

    xcoms = _xcoms(h, "templ_xcom", second)
    greeting = "hello ada DATA 2024-01-07 templ_xcom__greet__20240106"
    assert xcoms[("greet", "return_value")] == greeting
    assert xcoms[("shout", "return_value")] == greeting.upper()
    assert xcoms[("split", "rows")] == 3 and xcoms[("split", "name")] == "ada"
    assert xcoms[("count", "return_value")] == 6
    assert ("quiet_bash", "return_value") not in xcoms
    assert ("quiet_py", "return_value") not in xcoms
    assert ("silent", "return_value") not in xcoms
    collected = xcoms[("collect", "return_value")]
    assert collected["both"] == [greeting, {"rows": 3, "name": "ada"}]
    assert collected["rows"] == 3
    assert collected["td"] == {"day": "2024-01-06", "rows": "3"}
    assert collected["earlier"] == "2024-01-05"  # the first run's mark
    assert collected["prev"].startswith("2024-01-05")  # the first run's data interval
    assert collected["next_day"] == "2024-01-07"
    assert collected["dags_folder"] == str(h.dags_folder)  # `conf` is the configuration
    first_collected = _xcoms(h, "templ_xcom", first)[("collect", "return_value")]
    assert (first_collected["earlier"], first_collected["prev"]) == (None, "None")

    shown = get_rendered_fields(h.db, "templ_xcom", second, "greet")
    assert shown == {"bash_command": f"echo {greeting}\n", "env": None, "cwd": None}
    shown = get_rendered_fields(h.db, "templ_xcom", second, "collect")
    assert shown == {"templates_dict": collected["td"], "op_args": [], "op_kwargs": {}}

    assert h.states("templ_bad", bad) == {"not_json": "failed", "no_file": "failed"}
    not_json = h.try_log("templ_bad", bad, "not_json")
    assert "return value of task 'not_json' is not JSON-serializable" in not_json
    assert "Object of type set" in not_json
    no_file = h.try_log("templ_bad", bad, "no_file")
    assert "TemplateNotFound" in no_file and "'missing.sh'" in no_file
    assert f"[{str(h.dags_folder)!r}]" in no_file  # the searched folders
    assert get_rendered_fields(h.db, "templ_bad", bad, "no_file") is None
