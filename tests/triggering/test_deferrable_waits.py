"""Deferrable FileSensor, ExternalTaskSensor and TriggerDagRunOperator(wait_for_completion)
through a real scheduler and a real ``tradewind triggerer``, and trigger timeouts the
scheduler enforces when no triggerer runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tests.triggering.conftest import Triggerers
from tradewind.db.models import AuditLog

FILE_SENSOR = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import FileSensor

with DAG("file_wait", start_date=datetime(2024, 1, 1), schedule=None):
    FileSensor(task_id="wait", filepath=os.path.join("@TMP@", "landing", "*.csv"),
               poke_interval=0.2, deferrable=True)
"""


def _deferred(harness: Harness, dag_id: str, run_id: str, task_id: str) -> None:
    harness.wait_for(
        lambda: harness.states(dag_id, run_id)[task_id] == "deferred",
        60,
        f"{task_id} to defer",
    )


def test_a_deferrable_file_sensor_waits_in_the_triggerer(
    harness: Harness, triggerers: Triggerers
) -> None:
    (harness.tmp / "landing").mkdir()
    harness.add_dag("file_wait", FILE_SENSOR)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("file_wait")
    _deferred(harness, "file_wait", run_id, "wait")
    (harness.tmp / "landing" / "today.csv").write_text("a,b\n")
    assert harness.wait_run("file_wait", run_id, timeout=60) == "success", triggerers.log()
    log = harness.try_log("file_wait", run_id, "wait")
    assert "Pausing task as DEFERRED" in log and "the trigger saw it" in log


UPSTREAM = """
import time
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.operators.python import PythonOperator

def work(outcome):
    time.sleep(1.5)  # the watcher defers meanwhile
    if outcome == "fail":
        raise RuntimeError("upstream broke")

with DAG("upstream", start_date=datetime(2024, 1, 1), schedule=None,
         params={"outcome": "ok"}):
    PythonOperator(task_id="produce", python_callable=work,
                   op_args=["{{ params.outcome }}"])
"""

WATCHER = """
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import ExternalTaskSensor

with DAG("watcher", start_date=datetime(2024, 1, 1), schedule=None):
    ExternalTaskSensor(task_id="on_task", external_dag_id="upstream",
                       external_task_id="produce", failed_states=["failed"],
                       deferrable=True, poll_interval=0.2)
    ExternalTaskSensor(task_id="on_run", external_dag_id="upstream",
                       failed_states=["failed"], deferrable=True, poll_interval=0.2,
                       soft_fail=True)
"""


def test_a_deferrable_external_task_sensor_follows_the_other_dag(
    harness: Harness, triggerers: Triggerers
) -> None:
    harness.add_dag("upstream", UPSTREAM)
    harness.add_dag("watcher", WATCHER)
    harness.sync()
    harness.start()
    triggerers.start()
    ok_date, bad_date = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)
    watch_ok = harness.trigger("watcher", execution_date=ok_date)
    watch_bad = harness.trigger("watcher", execution_date=bad_date)
    _deferred(harness, "watcher", watch_ok, "on_task")
    _deferred(harness, "watcher", watch_bad, "on_run")
    up_ok = harness.trigger("upstream", execution_date=ok_date)
    up_bad = harness.trigger("upstream", execution_date=bad_date, conf={"outcome": "fail"})
    assert harness.wait_run("upstream", up_ok, timeout=60) == "success"
    assert harness.wait_run("upstream", up_bad, timeout=60) == "failed"
    assert harness.wait_run("watcher", watch_ok, timeout=60) == "success", triggerers.log()
    assert harness.wait_run("watcher", watch_bad, timeout=60) == "failed"
    # The failed upstream fails the sensor on its task; soft_fail skips the one on its run.
    assert harness.states("watcher", watch_bad) == {"on_task": "failed", "on_run": "skipped"}
    log = harness.try_log("watcher", watch_bad, "on_task")
    assert "Pausing task as DEFERRED" in log
    assert "tasks ['produce'] of DAG upstream failed (in one of ['failed'])" in log


CONTROLLER = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.trigger_dagrun import TriggerDagRunOperator

with DAG("controller", start_date=datetime(2024, 1, 1), schedule=None,
         params={"outcome": "ok"}):
    TriggerDagRunOperator(task_id="start_upstream", trigger_dag_id="upstream",
                          trigger_run_id="from_controller_{{ params.outcome }}",
                          conf={"outcome": "{{ params.outcome }}"},
                          wait_for_completion=True, deferrable=True, poke_interval=0.2)
"""


def test_trigger_dag_run_waits_deferred_for_the_run_it_started(
    harness: Harness, triggerers: Triggerers
) -> None:
    harness.add_dag("upstream", UPSTREAM)
    harness.add_dag("controller", CONTROLLER)
    harness.sync()
    harness.start()
    triggerers.start()
    ok = harness.trigger("controller")
    _deferred(harness, "controller", ok, "start_upstream")
    assert _wait_created_run(harness, "from_controller_ok") == "success"
    assert harness.wait_run("controller", ok, timeout=60) == "success", triggerers.log()
    log = harness.try_log("controller", ok, "start_upstream")
    assert "Pausing task as DEFERRED" in log and "upstream finished with allowed state" in log

    bad = harness.trigger("controller", conf={"outcome": "fail"})
    assert _wait_created_run(harness, "from_controller_fail") == "failed"
    assert harness.wait_run("controller", bad, timeout=60) == "failed"
    log = harness.try_log("controller", bad, "start_upstream")
    assert "upstream failed with failed states failed" in log

    # Each run it created is in the audit log, naming the triggering task, as the API's.
    with harness.db.session() as session:
        rows = session.scalars(
            select(AuditLog).where(AuditLog.dag_id == "upstream").order_by(AuditLog.id)
        ).all()
    assert [(r.event, r.owner, r.run_id) for r in rows] == [
        ("trigger", "controller.start_upstream", "from_controller_ok"),
        ("trigger", "controller.start_upstream", "from_controller_fail"),
    ]
    assert json.loads(rows[0].extra) == {
        "triggered_by": "TriggerDagRunOperator",
        "triggering_dag_id": "controller",
        "triggering_run_id": ok,
        "triggering_task_id": "start_upstream",
    }


def _wait_created_run(harness: Harness, run_id: str) -> str:
    harness.wait_for(
        lambda: any(r.run_id == run_id for r in harness.runs("upstream")), 60, f"run {run_id}"
    )
    return harness.wait_run("upstream", run_id, timeout=60)


TIMEOUTS = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.triggers import TimeDeltaTrigger
from tradewind.sensors import FileSensor

class Patient(BaseOperator):
    def execute(self, context):
        self.defer(trigger=TimeDeltaTrigger(timedelta(hours=1)), method_name="never",
                   timeout=timedelta(seconds=1))

    def never(self, context, event):
        raise AssertionError("the trigger cannot have fired")

with DAG("timeouts", start_date=datetime(2024, 1, 1), schedule=None):
    Patient(task_id="patient")
    FileSensor(task_id="soft", filepath="/nonexistent/never", deferrable=True, timeout=1,
               soft_fail=True)
    FileSensor(task_id="hard", filepath="/nonexistent/never", deferrable=True, timeout=1,
               retries=2)
"""


def test_trigger_timeouts_hold_with_no_triggerer_running(harness: Harness) -> None:
    harness.add_dag("timeouts", TIMEOUTS)
    harness.sync()
    harness.start()  # a scheduler, no triggerer
    run_id = harness.trigger("timeouts")
    assert harness.wait_run("timeouts", run_id, timeout=60) == "failed", harness.scheduler_log()
    # soft_fail skips; a sensor's timeout fails it without using its retries.
    assert harness.states("timeouts", run_id) == {
        "patient": "failed",
        "soft": "skipped",
        "hard": "failed",
    }
    assert "TaskDeferralTimeout: Trigger timeout" in harness.try_log("timeouts", run_id, "patient")
    assert "Sensor has timed out: Trigger timeout" in harness.try_log("timeouts", run_id, "hard")
    assert harness.tis("timeouts", run_id)["hard"].try_number == 1
    assert "passed their trigger timeout" in harness.scheduler_log()
