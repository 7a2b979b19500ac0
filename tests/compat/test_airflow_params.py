"""An Airflow-syntax DAG with params, run by a real scheduler (SQLite and PostgreSQL): the
trigger's conf overrides the defaults for templates, callables and get_current_context()."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind import compat
from tradewind.authoring.dag_decorator import DagParam
from tradewind.authoring.params import Param, ParamsDict
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.exceptions import BadRequest, ParamValidationError

AIRFLOW_PARAMS_DAG = """
import pendulum
from airflow import DAG
from airflow.models import Param as ModelsParam
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator, get_current_context
from airflow.sdk import Param as SdkParam

def report(params, **context):
    current = get_current_context()["params"]
    print(f"callable count={params['count']} who={params['who']} current={current['count']}")
    return params["count"] * 2

with DAG(
    dag_id="airflow_params",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    params={
        "count": Param(2, type="integer", minimum=1, title="Count"),
        "who": SdkParam("world", type="string"),
        "plain": ModelsParam("as is", type="string"),
    },
) as dag:
    say = BashOperator(
        task_id="say",
        bash_command="echo template count={{ params.count }} who={{ params.who }} "
        "{{ params.plain }}",
    )
    py = PythonOperator(task_id="py", python_callable=report)
    say >> py
"""


def test_airflow_param_paths_serve_tradewind_objects(config: Config) -> None:
    compat.install(config.with_overrides({("core", "airflow_compat"): "True"}))
    try:
        import airflow.models as models
        import airflow.models.param as param
        import airflow.sdk as sdk
        from airflow.exceptions import ParamValidationError as AirflowParamError
    finally:
        compat.uninstall()
    assert param.Param is models.Param is sdk.Param is Param
    assert (param.ParamsDict, param.DagParam, models.DagParam) == (ParamsDict, DagParam, DagParam)
    assert AirflowParamError is ParamValidationError


@pytest.fixture
def params_harness(
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


@pytest.mark.slow
def test_conf_overrides_params_in_templates_and_callables(params_harness: Harness) -> None:
    h = params_harness
    h.add_dag("airflow_params", AIRFLOW_PARAMS_DAG)
    h.sync()
    with pytest.raises(BadRequest, match="Invalid input for param count: 0 is less than"):
        h.trigger("airflow_params", run_id="refused", conf={"count": 0})
    assert h.runs("airflow_params") == []
    h.start()
    overridden = h.trigger("airflow_params", run_id="overridden", conf={"count": 7})
    defaults = h.trigger("airflow_params", run_id="defaults")
    for run_id in (overridden, defaults):
        assert h.wait_run("airflow_params", run_id, timeout=90) == "success", (
            h.states("airflow_params", run_id),
            h.scheduler_log()[-3000:],
        )
    assert "template count=7 who=world as is" in h.try_log("airflow_params", overridden, "say")
    assert "callable count=7 who=world current=7" in h.try_log("airflow_params", overridden, "py")
    assert "template count=2 who=world" in h.try_log("airflow_params", defaults, "say")
    assert "callable count=2 who=world current=2" in h.try_log("airflow_params", defaults, "py")


@pytest.mark.slow
def test_with_conf_overrides_off_params_are_constants(params_harness: Harness) -> None:
    h = params_harness
    h.add_dag("airflow_params", AIRFLOW_PARAMS_DAG)
    h.sync()
    h.start(TRADEWIND__CORE__DAG_RUN_CONF_OVERRIDES_PARAMS="False")
    run_id = h.trigger("airflow_params", run_id="constant", conf={"count": 7})
    assert h.wait_run("airflow_params", run_id, timeout=90) == "success", h.scheduler_log()[-3000:]
    assert "template count=2 who=world" in h.try_log("airflow_params", run_id, "say")
    assert "callable count=2 who=world current=2" in h.try_log("airflow_params", run_id, "py")
