"""The triggerer's metrics and the scheduled run's delays, from real processes.

A real ``tradewind scheduler`` and ``tradewind triggerer`` share one home. A scheduled DAG
defers two tasks: one trigger fires after blocking the event loop (a ``time.sleep``, the
mistake the watchdog is there to catch), the other raises. StatsD packets arrive on a
socket the test opens; the Prometheus side is a scrape of ``/metrics`` on a real webserver
in the same home.
"""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx

from tests.auth.webserver import TRADEWIND, webserver
from tests.observability.test_metrics_live import (
    StatsdListener,
    home_env,
    samples,
    scheduler,
    value,
)

TRIGGERS = """
import asyncio, time
from tradewind.authoring.triggers import BaseTrigger, TriggerEvent

class BlockingTrigger(BaseTrigger):
    def serialize(self):
        return ("metric_triggers.BlockingTrigger", {})

    async def run(self):
        time.sleep(0.6)  # blocks the triggerer's event loop
        yield TriggerEvent("done")

class BrokenTrigger(BaseTrigger):
    def serialize(self):
        return ("metric_triggers.BrokenTrigger", {})

    async def run(self):
        await asyncio.sleep(0)
        raise RuntimeError("this trigger is broken")
        yield TriggerEvent("never")
"""

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from metric_triggers import BlockingTrigger, BrokenTrigger

class Waits(BaseOperator):
    def __init__(self, trigger, **kwargs):
        super().__init__(**kwargs)
        self.trigger = trigger

    def execute(self, context):
        self.defer(trigger=self.trigger(), method_name="resumed")

    def resumed(self, context, event):
        return event

with DAG("deferring", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    Waits(task_id="fires", trigger=BlockingTrigger)
    Waits(task_id="breaks", trigger=BrokenTrigger)
"""

FAST_TRIGGERER = {
    "TRADEWIND__TRIGGERER__JOB_HEARTBEAT_SEC": "0.2",
    "TRADEWIND__TRIGGERER__CAPACITY": "50",
}


def test_triggerer_and_run_delay_metrics_reach_statsd_and_prometheus(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    listener = StatsdListener()
    env = home_env(
        tmp_path,
        _sqlite_template,
        TRADEWIND__CORE__AIRFLOW_COMPAT="True",
        TRADEWIND__METRICS__STATSD_ON="True",
        TRADEWIND__METRICS__STATSD_HOST="127.0.0.1",
        TRADEWIND__METRICS__STATSD_PORT=str(listener.port),
        TRADEWIND__METRICS__PUBLIC="True",
        **FAST_TRIGGERER,
    )
    dags = tmp_path / "home" / "dags"
    (dags / "metric_triggers.py").write_text(TRIGGERS)
    (dags / "deferring.py").write_text(DAG_FILE)
    host = socket.getfqdn().replace(":", "_")
    triggerer = subprocess.Popen(
        [*TRADEWIND, "triggerer"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with webserver(env) as server, scheduler(env):
            wanted = {
                "airflow.triggerer_heartbeat",
                f"airflow.triggers.running.{host}",
                f"airflow.triggerer.capacity_left.{host}",
                "airflow.triggers.succeeded",
                "airflow.triggers.failed",
                "airflow.triggers.blocked_main_thread",
                "airflow.dagrun.schedule_delay.deferring",
                "airflow.dagrun.deferring.first_task_scheduling_delay",
            }
            missing = listener.receive_until(wanted, timeout=90)
            scraped = samples(httpx.get(f"{server.url}/metrics", timeout=10).text)
    finally:
        triggerer.send_signal(signal.SIGTERM)
        output, _ = triggerer.communicate(timeout=30)
    assert not missing, (sorted(listener.names()), output[-3000:])
    assert "event loop was blocked" in output

    kinds = {line.split(":", 1)[0]: line.rsplit("|", 1)[-1] for line in listener.lines}
    assert kinds["airflow.triggers.succeeded"] == "c"
    assert kinds[f"airflow.triggers.running.{host}"] == "g"
    assert kinds["airflow.dagrun.schedule_delay.deferring"] == "ms"
    # The run was due at midnight (the end of yesterday's interval): hours, not zero.
    delays = {
        line.split(":", 1)[0]: float(line.split(":", 1)[1].split("|")[0])
        for line in listener.lines
        if "deferring" in line
    }
    schedule_ms = delays["airflow.dagrun.schedule_delay.deferring"]
    first_task_ms = delays["airflow.dagrun.deferring.first_task_scheduling_delay"]
    assert 0 < schedule_ms <= first_task_ms < 86_400_000

    assert value(scraped, "tradewind_triggers_succeeded_total") == 1
    assert value(scraped, "tradewind_triggers_failed_total") == 1
    assert (value(scraped, "tradewind_triggers_blocked_main_thread_total") or 0) >= 1
    assert (value(scraped, "tradewind_triggerer_heartbeats_total") or 0) >= 1
    running = value(scraped, "tradewind_triggers_running", hostname=socket.getfqdn())
    left = value(scraped, "tradewind_triggerer_capacity_left", hostname=socket.getfqdn())
    assert running is not None and left is not None and running + left == 50
    assert value(scraped, "tradewind_dag_run_schedule_delay_seconds_count", dag_id="deferring") == 1
    assert (
        value(scraped, "tradewind_dag_run_first_task_delay_seconds_count", dag_id="deferring") == 1
    )
