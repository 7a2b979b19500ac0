"""An Airflow-syntax DAG with every sensor, ``@task.sensor``, a marker and a
TriggerDagRunOperator runs unchanged under a real scheduler (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401  (fixture)
from tests.scheduling.harness import Harness

AIRFLOW_SENSORS_DAG = """
import os
from datetime import time, timedelta
import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowSensorTimeout
from airflow.operators.python import PythonOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sensors.base import BaseSensorOperator, PokeReturnValue
from airflow.sensors.bash import BashSensor
from airflow.sensors.date_time import DateTimeSensor
from airflow.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from airflow.sensors.filesystem import FileSensor
from airflow.sensors.python import PythonSensor
from airflow.sensors.time_delta import TimeDeltaSensor
from airflow.sensors.time_sensor import TimeSensor
from airflow.sensors.weekday import DayOfWeekSensor
from airflow.providers.standard.sensors.python import PythonSensor as StandardPythonSensor

COUNTER = "@TMP@/second_poke"

def second_poke():
    if os.path.exists(COUNTER):
        return True
    open(COUNTER, "w").close()
    return False

def touch():
    open("@TMP@/made.txt", "w").close()

class CountingSensor(BaseSensorOperator):
    template_fields = ("path",)

    def __init__(self, *, path, **kwargs):
        super().__init__(**kwargs)
        self.path = path

    def poke(self, context):
        count = int(open(self.path).read()) + 1 if os.path.exists(self.path) else 1
        with open(self.path, "w") as f:
            f.write(str(count))
        return count >= 3

@task.sensor(poke_interval=0.1, timeout=10)
def ready():
    return PokeReturnValue(is_done=True, xcom_value="payload")

@task
def use(value):
    assert value == "payload", value

with DAG("airflow_target", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=None) as target:
    PythonOperator(task_id="t", python_callable=lambda: 1)

with DAG("airflow_sensors", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=None, default_args={"poke_interval": 0.1, "timeout": 30}) as dag:
    make = PythonOperator(task_id="make", python_callable=touch)
    files = FileSensor(task_id="file", filepath="@TMP@/made.txt", fs_conn_id="fs_default")
    make >> files
    PythonSensor(task_id="resched", python_callable=second_poke, mode="reschedule")
    StandardPythonSensor(task_id="std", python_callable=lambda: True)
    BashSensor(task_id="bash", bash_command="test -d /")
    TimeDeltaSensor(task_id="delta", delta=timedelta(seconds=0))
    DateTimeSensor(task_id="datetime", target_time="{{ data_interval_end }}")
    TimeSensor(task_id="time", target_time=time(0, 0))
    DayOfWeekSensor(task_id="weekday", week_day={"Monday", "Tuesday", "Wednesday",
        "Thursday", "Friday", "Saturday", "Sunday"})
    use(ready())
    CountingSensor(task_id="custom", path="@TMP@/{{ ds }}.count", mode="reschedule",
                   exponential_backoff=True, max_wait=0.3)
    go = TriggerDagRunOperator(task_id="go", trigger_dag_id="airflow_target",
        logical_date="{{ logical_date }}", wait_for_completion=True, poke_interval=0.2)
    done = ExternalTaskSensor(task_id="done", external_dag_id="airflow_target",
        external_task_id="t")
    go >> done >> ExternalTaskMarker(task_id="mark", external_dag_id="airflow_target",
        external_task_id="t")
"""


@pytest.mark.slow
def test_an_airflow_syntax_sensor_dag_runs_to_success(compat_harness: Harness) -> None:  # noqa: F811
    h = compat_harness
    h.add_dag("airflow_sensors", AIRFLOW_SENSORS_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("airflow_sensors", run_id="compat")
    assert h.wait_run("airflow_sensors", run_id, timeout=90) == "success", (
        h.states("airflow_sensors", run_id),
        h.scheduler_log()[-3000:],
    )
    assert set(h.states("airflow_sensors", run_id).values()) == {"success"}
    tis = h.tis("airflow_sensors", run_id)
    assert tis["resched"].try_number == 1
    assert "Rescheduling the task" in h.try_log("airflow_sensors", run_id, "resched")
    assert tis["custom"].try_number == 1
    assert (
        h.tmp / f"{h.runs('airflow_sensors')[0].execution_date:%Y-%m-%d}.count"
    ).read_text() == "3"
    (target,) = h.runs("airflow_target")
    assert target.state == "success"
    assert target.execution_date == h.runs("airflow_sensors")[0].execution_date
