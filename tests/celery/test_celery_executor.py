"""CeleryExecutor end to end: real schedulers, real workers, PostgreSQL, Redis or RabbitMQ."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.server import free_port, serve
from tests.celery.cluster import Cluster
from tests.processes import running
from tests.services import in_ci, port_open
from tradewind.db.models import DagRun, Job, TaskInstance, XCom

POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
BOTH_BROKERS = pytest.mark.parametrize("broker", ["redis", "rabbitmq"], indirect=True)

RUNS = 200
DAILY_RUNS = 30

LINES_DAGS = """
from datetime import datetime
import os
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def record(ti):
    with open(os.path.join("@TMP@", "lines.txt"), "a") as f:
        f.write(f"{ti.run_id} {ti.task_id} {ti.try_number} {os.environ['TEST_WORKER']}\\n")

with DAG("lines", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=64,
         max_active_tasks=64) as dag:
    first = PythonOperator(task_id="first", python_callable=record)
    first >> [PythonOperator(task_id="left", python_callable=record),
              PythonOperator(task_id="right", python_callable=record)]

with DAG("daily", start_date=datetime.fromisoformat("@START@"), schedule="@daily",
         catchup=True, max_active_runs=64) as daily:
    PythonOperator(task_id="only", python_callable=record)
"""


def _finished(cluster: Cluster) -> Counter[tuple[str, str]]:
    with cluster.db.read_session() as session:
        rows = session.execute(
            select(DagRun.dag_id, DagRun.state, func.count()).group_by(DagRun.dag_id, DagRun.state)
        ).all()
    return Counter({(dag_id, state): count for dag_id, state, count in rows})


@POSTGRES
@BOTH_BROKERS
def test_two_schedulers_two_workers_run_every_task_exactly_once(cluster: Cluster) -> None:
    """200 triggered runs and 30 catch-up runs; one scheduler is SIGKILLed a third of the way."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = (midnight - timedelta(days=DAILY_RUNS)).replace(tzinfo=None).isoformat()
    cluster.add_dag("lines", LINES_DAGS.replace("@START@", start))
    cluster.sync()
    cluster.start_scheduler("scheduler_a")
    cluster.start_scheduler("scheduler_b")
    cluster.start_worker("worker_1")
    cluster.start_worker("worker_2")
    run_ids = [cluster.trigger("lines", run_id=f"run_{i:03d}") for i in range(RUNS)]

    cluster.wait_for(
        lambda: _finished(cluster)["lines", "success"] >= RUNS // 3, 120, "a third of the runs"
    )
    cluster.kill_tree("scheduler_a")
    cluster.wait_for(
        lambda: (
            _finished(cluster)["lines", "success"] == RUNS
            and _finished(cluster)["daily", "success"] == DAILY_RUNS
        ),
        240,
        "every run to succeed",
    )

    finished = _finished(cluster)
    assert finished == Counter({("lines", "success"): RUNS, ("daily", "success"): DAILY_RUNS})
    lines = [line.split() for line in (cluster.tmp / "lines.txt").read_text().splitlines()]
    per_task = Counter((run_id, task_id) for run_id, task_id, _, _ in lines)
    expected = {(run_id, task) for run_id in run_ids for task in ("first", "left", "right")}
    assert expected <= set(per_task)
    assert len(per_task) == RUNS * 3 + DAILY_RUNS
    ran_twice = {key: n for key, n in per_task.items() if n != 1}
    assert not ran_twice, f"tasks ran more than once: {ran_twice}"
    assert {try_number for _, _, try_number, _ in lines} == {"1"}
    assert {worker for *_, worker in lines} == {"worker_1", "worker_2"}
    with cluster.db.read_session() as session:
        queued_by = set(session.scalars(select(TaskInstance.queued_by_job_id).distinct()))
        schedulers = set(session.scalars(select(Job.id).where(Job.job_type == "SchedulerJob")))
    assert schedulers <= queued_by, "both schedulers should have queued work"


VICTIM_DAG = """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def slow_first_try(ti):
    with open(os.path.join("@TMP@", "tries.txt"), "a") as f:
        f.write(f"{ti.try_number} {os.environ['TEST_WORKER']}\\n")
    if ti.try_number == 1:
        time.sleep(120)

with DAG("victim", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=slow_first_try, retries=1,
                   retry_delay=timedelta(seconds=0.1))
"""


@POSTGRES
def test_task_of_a_sigkilled_worker_is_retried_on_the_other(cluster: Cluster) -> None:
    cluster.add_dag("victim", VICTIM_DAG)
    cluster.sync()
    cluster.start_scheduler("scheduler", TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD="3")
    cluster.start_worker("worker_1", concurrency=1)
    cluster.start_worker("worker_2", concurrency=1)
    run_id = cluster.trigger("victim")
    tries = cluster.tmp / "tries.txt"
    cluster.wait_for(tries.exists, 60, "the first try to start")
    first_worker = tries.read_text().split()[1]
    cluster.kill_tree(first_worker)

    assert cluster.wait_run("victim", run_id, timeout=90) == "success"
    other = ({"worker_1", "worker_2"} - {first_worker}).pop()
    assert [line.split() for line in tries.read_text().splitlines()] == [
        ["1", first_worker],
        ["2", other],
    ]
    ti = cluster.tis("victim", run_id)["t"]
    assert (ti.state, ti.try_number) == ("success", 2)
    first_log = cluster.try_log("victim", run_id, "t")
    # On another machine its heartbeat going stale says so; here, on the same machine, the
    # scheduler may first see that the try's process is gone (recovery.fail_dead_tries).
    assert "No heartbeat from the task" in first_log or "is gone" in first_log
    assert "up_for_retry" in first_log


ONE_TASK_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="echo hello from a worker")
"""


def _redis_server() -> str:
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server is not installed (the broker-outage test starts its own)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@POSTGRES
def test_broker_outage_delays_tasks_but_never_blocks_the_scheduler(
    db_config, database, db_env, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    redis_server = _redis_server()
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    cluster = Cluster(db_config, database, db_env, tmp_path, broker)
    broker_proc = None
    try:
        cluster.add_dag("one", ONE_TASK_DAG)
        cluster.sync()
        cluster.start_scheduler("scheduler")
        first = cluster.trigger("one")
        cluster.wait_for(
            lambda: cluster.states("one", first).get("t") == "queued", 30, "the task to queue"
        )
        # The broker is down: the scheduler still heartbeats and handles new triggers.
        beat = _heartbeat(cluster)
        second = cluster.trigger("one")
        cluster.wait_for(lambda: _heartbeat(cluster) > beat, 10, "a scheduler heartbeat")
        cluster.wait_for(
            lambda: cluster.states("one", second).get("t") == "queued", 10, "the second run"
        )
        assert "Celery broker unreachable" in (tmp_path / "scheduler.log").read_text()
        health_config = db_config.with_overrides(
            {("core", "executor"): "CeleryExecutor", ("celery", "broker_url"): broker}
        )
        with serve(health_config, database) as server:
            down = httpx.get(f"{server.url}/health", timeout=10)
        assert down.status_code == 503
        assert down.json()["celery_broker"]["status"] == "unhealthy"
        assert down.json()["scheduler"]["status"] == "healthy"

        broker_proc = subprocess.Popen(
            [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        cluster.start_worker("worker_1")
        assert cluster.wait_run("one", first, timeout=60) == "success"
        assert cluster.wait_run("one", second, timeout=30) == "success"
        assert "reachable again" in (tmp_path / "scheduler.log").read_text()
        with serve(health_config, database) as server:
            up = httpx.get(f"{server.url}/health", timeout=10)
        assert up.status_code == 200, up.text
        assert up.json()["celery_broker"] == {"status": "healthy"}
        assert "hello from a worker" in cluster.try_log("one", first, "t")
    finally:
        cluster.stop_all()
        if broker_proc is not None:
            broker_proc.terminate()
            broker_proc.wait(10)


def _heartbeat(cluster: Cluster) -> datetime:
    with cluster.db.read_session() as session:
        return session.scalar(
            select(func.max(Job.latest_heartbeat)).where(Job.job_type == "SchedulerJob")
        )


BEHAVIOUR_DAG = """
from datetime import datetime, timedelta
import os, signal
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

def killed():
    os.kill(os.getpid(), signal.SIGKILL)

with DAG("behaviour", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="returns", python_callable=lambda: {"rows": 3})
    BashOperator(task_id="overruns", bash_command="echo $$ > @TMP@/bash.pid; sleep 60",
                 execution_timeout=timedelta(seconds=1))
    PythonOperator(task_id="killed", python_callable=killed)
"""


@POSTGRES
def test_tries_on_a_worker_behave_as_with_the_local_executor(cluster: Cluster) -> None:
    """XCom, execution_timeout and a try killed by a signal, reported through the result."""
    cluster.add_dag("behaviour", BEHAVIOUR_DAG)
    cluster.sync()
    cluster.start_scheduler("scheduler")
    cluster.start_worker("worker_1")
    run_id = cluster.trigger("behaviour")

    assert cluster.wait_run("behaviour", run_id, timeout=60) == "failed"
    assert cluster.states("behaviour", run_id) == {
        "returns": "success",
        "overruns": "failed",
        "killed": "failed",
    }
    with cluster.db.read_session() as session:
        value = session.scalar(
            select(XCom.value).where(XCom.run_id == run_id, XCom.task_id == "returns")
        )
    assert value == {"rows": 3}
    assert "timed out" in cluster.try_log("behaviour", run_id, "overruns").lower()
    assert "killed by signal 9" in cluster.try_log("behaviour", run_id, "killed")
    bash_pid = int((cluster.tmp / "bash.pid").read_text())
    cluster.wait_for(lambda: not running(bash_pid), 15, "the overrunning bash to be killed")


@POSTGRES
def test_a_lost_message_is_sent_again_after_task_queued_timeout(cluster: Cluster) -> None:
    """A broker restarted without persistence loses queued messages; the try still runs."""
    import redis

    cluster.add_dag("one", ONE_TASK_DAG)
    cluster.sync()
    cluster.start_scheduler("scheduler", TRADEWIND__SCHEDULER__TASK_QUEUED_TIMEOUT="3")
    run_id = cluster.trigger("one")
    broker = redis.Redis.from_url(cluster.env["TRADEWIND__CELERY__BROKER_URL"])
    try:
        cluster.wait_for(lambda: broker.llen(cluster.queue) == 1, 30, "the message")
        broker.delete(cluster.queue)  # what a restart without persistence does to it
    finally:
        broker.close()
    assert cluster.states("one", run_id)["t"] == "queued"

    cluster.start_worker("worker_1")
    assert cluster.wait_run("one", run_id, timeout=60) == "success"
    assert cluster.tis("one", run_id)["t"].try_number == 1
    scheduler_log = (cluster.tmp / "scheduler.log").read_text()
    assert "without starting (its message may be lost)" in scheduler_log
