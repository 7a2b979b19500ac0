"""Deferrable tasks through a real scheduler and a real ``tradewind triggerer``."""

from __future__ import annotations

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tests.triggering.conftest import Triggerers
from tradewind.db.models import Pool, Trigger, XCom

DEFERS_AND_RESUMES = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.triggers import TimeDeltaTrigger

class WaitThenReport(BaseOperator):
    def execute(self, context):
        context["ti"].xcom_push(key="before", value="pushed before deferring")
        self.defer(
            trigger=TimeDeltaTrigger(timedelta(seconds=1)),
            method_name="resume_here",
            kwargs={"note": "kept"},
        )

    def resume_here(self, context, event, note):
        return {"event": event.isoformat(), "note": note, "try": context["ti"].try_number}

with DAG("defers", start_date=datetime(2024, 1, 1), schedule=None):
    WaitThenReport(task_id="wait")
"""


def _xcom(harness: Harness, dag_id: str, run_id: str, task_id: str, key: str) -> object:
    with harness.db.session() as session:
        value = session.scalars(
            select(XCom.value).where(
                XCom.dag_id == dag_id,
                XCom.run_id == run_id,
                XCom.task_id == task_id,
                XCom.key == key,
            )
        ).one()
    return value


def test_a_deferred_task_resumes_in_its_method_with_the_event(
    harness: Harness, triggerers: Triggerers
) -> None:
    harness.add_dag("defers", DEFERS_AND_RESUMES)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("defers")
    harness.wait_for(
        lambda: harness.states("defers", run_id)["wait"] == "deferred", 30, "the task to defer"
    )
    ti = harness.tis("defers", run_id)["wait"]
    assert ti.trigger_id is not None and ti.next_method == "resume_here"
    assert harness.wait_run("defers", run_id) == "success", triggerers.log()
    result = _xcom(harness, "defers", run_id, "wait", "return_value")
    assert isinstance(result, dict)
    assert result["note"] == "kept" and result["try"] == 1
    assert result["event"].startswith("20")  # the DateTimeTrigger's moment
    # The XCom pushed before deferring survives the resumed part of the same try.
    assert _xcom(harness, "defers", run_id, "wait", "before") == "pushed before deferring"
    ti = harness.tis("defers", run_id)["wait"]
    assert ti.try_number == 1 and ti.next_method is None and ti.trigger_id is None
    log = harness.try_log("defers", run_id, "wait", 1)
    assert "Pausing task as DEFERRED" in log and "Resuming after deferral in resume_here" in log
    with harness.db.session() as session:
        assert session.scalars(select(Trigger)).all() == []


POOL_OF_ONE = """
import os, time
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.operators.python import PythonOperator

def stamp(name):
    with open(os.path.join("@TMP@", "spans", name), "w") as f:
        f.write(str(time.time()))

class Waiter(BaseOperator):
    def execute(self, context):
        self.defer(trigger=TimeDeltaTrigger(timedelta(seconds=4)), method_name="done")

    def done(self, context, event):
        stamp("waiter_resumed")

from tradewind.authoring.triggers import TimeDeltaTrigger

with DAG("one_slot", start_date=datetime(2024, 1, 1), schedule=None):
    Waiter(task_id="waiter", pool="single", priority_weight=10)
    PythonOperator(task_id="other", pool="single", python_callable=stamp, op_args=["other"])
"""


def test_a_deferred_task_frees_its_pool_slot(harness: Harness, triggerers: Triggerers) -> None:
    with harness.db.session() as session:
        session.add(Pool(pool="single", slots=1, description="one at a time"))
    harness.add_dag("one_slot", POOL_OF_ONE)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("one_slot")
    assert harness.wait_run("one_slot", run_id, timeout=60) == "success", triggerers.log()
    spans = harness.tmp / "spans"
    # The waiter took the only slot first (higher priority), deferred, and "other" ran in
    # that slot while the waiter waited; the waiter resumed afterwards.
    other, resumed = (float((spans / name).read_text()) for name in ("other", "waiter_resumed"))
    assert other < resumed
    tis = harness.tis("one_slot", run_id)
    assert tis["other"].start_date is not None and tis["waiter"].start_date is not None
    waiter_log = harness.try_log("one_slot", run_id, "waiter", 1)
    assert waiter_log.count("Starting try 1") == 2  # the first part, then the resumed part


TIMES_OUT = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.triggers import TimeDeltaTrigger

class Patient(BaseOperator):
    def execute(self, context):
        self.defer(
            trigger=TimeDeltaTrigger(timedelta(hours=1)),
            method_name="never",
            timeout=timedelta(seconds=1),
        )

    def never(self, context, event):
        raise AssertionError("the trigger cannot have fired")

with DAG("times_out", start_date=datetime(2024, 1, 1), schedule=None):
    Patient(task_id="patient")
"""


def test_a_trigger_timeout_fails_the_task(harness: Harness, triggerers: Triggerers) -> None:
    harness.add_dag("times_out", TIMES_OUT)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("times_out")
    assert harness.wait_run("times_out", run_id, timeout=60) == "failed"
    assert harness.states("times_out", run_id) == {"patient": "failed"}
    log = harness.try_log("times_out", run_id, "patient", 1)
    assert "TaskDeferralTimeout: Trigger timeout" in log
    assert "AssertionError" not in log


EXECUTION_TIMEOUT_SPANS_THE_WAIT = """
import time
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.triggers import TimeDeltaTrigger

class Waits(BaseOperator):
    def __init__(self, wait, work, **kwargs):
        super().__init__(**kwargs)
        self.wait, self.work = wait, work

    def execute(self, context):
        self.defer(trigger=TimeDeltaTrigger(timedelta(seconds=self.wait)), method_name="resume")

    def resume(self, context, event):
        time.sleep(self.work)
        return "finished"

with DAG("limited", start_date=datetime(2024, 1, 1), schedule=None):
    # Waits an hour with no timeout of its own: the 2 s execution_timeout ends the wait.
    Waits(task_id="long_wait", wait=3600, work=0, execution_timeout=timedelta(seconds=2))
    # Waits 1 s (and however late the triggerer is), then works 7 s: each part within 8 s,
    # the whole try over.
    Waits(task_id="wait_then_work", wait=1, work=7, execution_timeout=timedelta(seconds=8))
    # Waits 1 s, works 1 s: well within 30 s for the whole try.
    Waits(task_id="in_time", wait=1, work=1, execution_timeout=timedelta(seconds=30))
"""


def test_execution_timeout_counts_the_time_deferred(
    harness: Harness, triggerers: Triggerers
) -> None:
    """Airflow's rule: ``execution_timeout`` is the whole try's, waits included."""
    harness.add_dag("limited", EXECUTION_TIMEOUT_SPANS_THE_WAIT)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("limited")
    assert harness.wait_run("limited", run_id, timeout=60) == "failed", triggerers.log()
    assert harness.states("limited", run_id) == {
        "long_wait": "failed",
        "wait_then_work": "failed",
        "in_time": "success",
    }
    long_wait = harness.try_log("limited", run_id, "long_wait", 1)
    assert "TaskDeferralTimeout: Trigger timeout" in long_wait
    wait_then_work = harness.try_log("limited", run_id, "wait_then_work", 1)
    assert "Resuming after deferral in resume" in wait_then_work
    assert "ran longer than its execution_timeout" in wait_then_work


USERS_TRIGGER_MODULE = """
import asyncio, os
from tradewind.authoring.triggers import BaseTrigger, TriggerEvent

class FlagTrigger(BaseTrigger):
    def __init__(self, path, **kwargs):
        super().__init__(**kwargs)
        self.path = path

    def serialize(self):
        return ("flag_triggers.FlagTrigger", {"path": self.path})

    async def run(self):
        while not os.path.exists(self.path):
            await asyncio.sleep(0.1)
        with open(self.path) as f:
            yield TriggerEvent({"flag": f.read()})
"""

USES_USERS_TRIGGER = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from flag_triggers import FlagTrigger

class WaitForFlag(BaseOperator):
    def execute(self, context):
        self.defer(trigger=FlagTrigger(os.path.join("@TMP@", "flag")), method_name="seen")

    def seen(self, context, event):
        return event["flag"]

with DAG("custom_trigger", start_date=datetime(2024, 1, 1), schedule=None):
    WaitForFlag(task_id="wait_for_flag")
"""


def test_a_users_own_trigger_from_the_dag_folder(harness: Harness, triggerers: Triggerers) -> None:
    (harness.dags_folder / "flag_triggers.py").write_text(USERS_TRIGGER_MODULE)
    harness.add_dag("custom_trigger", USES_USERS_TRIGGER)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("custom_trigger")
    harness.wait_for(
        lambda: harness.states("custom_trigger", run_id)["wait_for_flag"] == "deferred",
        30,
        "the task to defer",
    )
    (harness.tmp / "flag").write_text("raised")
    assert harness.wait_run("custom_trigger", run_id, timeout=30) == "success", triggerers.log()
    assert _xcom(harness, "custom_trigger", run_id, "wait_for_flag", "return_value") == "raised"


DEFERRABLE_SENSORS = """
from datetime import datetime, timedelta, timezone
from tradewind import DAG
from tradewind.sensors import DateTimeSensor, TimeDeltaSensor, TimeSensorAsync

SOON = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()

with DAG("deferrable_sensors", start_date=datetime(2024, 1, 1), schedule=None):
    TimeDeltaSensor(task_id="after_delta", delta=timedelta(seconds=2), deferrable=True)
    DateTimeSensor(task_id="at_time", target_time=SOON, deferrable=True)
    TimeSensorAsync(task_id="at_clock", target_time=(datetime.now(timezone.utc)
                                                     + timedelta(seconds=2)).time())
"""


def test_deferrable_sensors_wait_in_the_triggerer(harness: Harness, triggerers: Triggerers) -> None:
    harness.add_dag("deferrable_sensors", DEFERRABLE_SENSORS)
    harness.sync()
    harness.start()
    triggerers.start()
    run_id = harness.trigger("deferrable_sensors")
    assert harness.wait_run("deferrable_sensors", run_id) == "success", triggerers.log()
    for task_id in ("after_delta", "at_time", "at_clock"):
        log = harness.try_log("deferrable_sensors", run_id, task_id, 1)
        assert "Pausing task as DEFERRED" in log, log
        assert "Resuming after deferral in execute_complete" in log, log
