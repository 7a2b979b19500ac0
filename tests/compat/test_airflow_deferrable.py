"""An Airflow-syntax DAG with deferrable tasks runs unchanged: its sensors and its own
operator defer, ``tradewind triggerer`` runs the triggers, and the tasks resume."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tests.triggering.conftest import Triggerers
from tradewind.config import Config
from tradewind.db.engine import Database

AIRFLOW_DEFERRABLE_DAG = """
import pendulum
from datetime import timedelta
from airflow import DAG
from airflow.exceptions import TaskDeferred
from airflow.models.baseoperator import BaseOperator
from airflow.sensors.date_time import DateTimeSensorAsync
from airflow.sensors.external_task import ExternalTaskSensor
from airflow.sensors.time_delta import TimeDeltaSensorAsync
from airflow.triggers.base import TriggerEvent
from airflow.triggers.temporal import TimeDeltaTrigger
from airflow.triggers.external_task import DagStateTrigger, WorkflowTrigger

class CountdownOperator(BaseOperator):
    def execute(self, context):
        self.defer(
            trigger=TimeDeltaTrigger(timedelta(seconds=1)),
            method_name="execute_complete",
            kwargs={"label": "liftoff"},
        )

    def execute_complete(self, context, event=None, label=None):
        print(f"{label} at {event}")
        return label

with DAG(
    dag_id="airflow_deferrable",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    catchup=False,
) as dag:
    at = DateTimeSensorAsync(
        task_id="at", target_time="{{ macros.datetime.utcnow().isoformat() }}+00:00"
    )
    after = TimeDeltaSensorAsync(task_id="after", delta=timedelta(seconds=0))
    countdown = CountdownOperator(task_id="countdown")
    [at, after] >> countdown
    # Waits, deferred, for countdown in this same run (a WorkflowTrigger in the triggerer).
    ExternalTaskSensor(task_id="watch", external_dag_id="airflow_deferrable",
                       external_task_id="countdown", deferrable=True, poll_interval=0.5)
"""


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


@pytest.mark.slow
def test_an_airflow_deferrable_dag_runs_with_a_triggerer(compat_harness: Harness) -> None:
    h = compat_harness
    triggerers = Triggerers(h)
    h.add_dag("airflow_deferrable", AIRFLOW_DEFERRABLE_DAG)
    h.sync()
    h.start()
    triggerers.start()
    try:
        run_id = h.trigger("airflow_deferrable")
        assert h.wait_run("airflow_deferrable", run_id, timeout=90) == "success", (
            h.states("airflow_deferrable", run_id),
            triggerers.log(),
        )
    finally:
        triggerers.stop_all()
    log = h.try_log("airflow_deferrable", run_id, "countdown")
    assert "Pausing task as DEFERRED" in log and "liftoff at " in log
    assert "Pausing task as DEFERRED" in h.try_log("airflow_deferrable", run_id, "after")
    watch = h.try_log("airflow_deferrable", run_id, "watch")
    assert "Pausing task as DEFERRED" in watch and "reached one of ['success']" in watch
