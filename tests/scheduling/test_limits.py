"""Limits make tasks wait, never fail: pools, max_active_tasks, max_active_runs, retries."""

from __future__ import annotations

import time

import pytest

from tests.scheduling.harness import RECORD_HELPER, Harness, max_overlap, read_intervals
from tradewind.db.models import Pool

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_pool_never_runs_more_than_its_slots(harness: Harness) -> None:
    with harness.db.session() as session:
        session.add(Pool(pool="small", slots=2, description="two"))
    harness.add_dag(
        "pooled",
        RECORD_HELPER
        + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("pooled", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for i in range(6):
        PythonOperator(task_id=f"t{i}", python_callable=record, op_args=[f"t{i}"], pool="small")
    PythonOperator(task_id="big", python_callable=record, op_args=["big"], pool="small",
                   pool_slots=2)
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("pooled")
    assert harness.wait_run("pooled", run_id) == "success"
    spans = read_intervals(harness.tmp / "spans")
    assert len(spans) == 7
    assert max_overlap(spans) <= 2
    assert max_overlap(spans) == 2  # the pool was used, not serialized by accident


def test_max_active_tasks_and_unknown_pool_wait(harness: Harness) -> None:
    harness.add_dag(
        "capped",
        RECORD_HELPER
        + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("capped", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=3) as dag:
    for i in range(6):
        PythonOperator(task_id=f"t{i}", python_callable=record, op_args=[f"t{i}"])
    PythonOperator(task_id="lost", python_callable=record, op_args=["lost"], pool="missing")
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("capped")
    harness.wait_for(
        lambda: sum(s == "success" for s in harness.states("capped", run_id).values()) == 6,
        what="six tasks",
    )
    assert max_overlap(read_intervals(harness.tmp / "spans")) <= 3
    assert harness.states("capped", run_id)["lost"] == "scheduled"
    assert harness.run_state("capped", run_id) == "running"
    with harness.db.session() as session:
        session.add(Pool(pool="missing", slots=1, description=""))
    from tradewind.db.wakeup import notify_scheduler

    notify_scheduler(harness.db, harness.config)
    assert harness.wait_run("capped", run_id) == "success"


CROWD = """
from datetime import datetime
import time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("crowd", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=@CAP@) as dag:
    for i in range(80):
        PythonOperator(task_id=f"c{i}", python_callable=lambda: time.sleep(0.2),
                       priority_weight=100, pool="@POOL@")

with DAG("other", start_date=datetime(2024, 1, 1), schedule=None) as other:
    PythonOperator(task_id="t", python_callable=lambda: "ran", priority_weight=1)
"""


@pytest.mark.parametrize("limit", ["pool", "max_active_tasks"])
def test_a_saturated_limit_does_not_hold_back_other_tasks(harness: Harness, limit: str) -> None:
    """80 waiting high-priority tasks behind a full pool or a capped DAG (more than one page
    of admission candidates) do not keep a low-priority task elsewhere from running."""
    with harness.db.session() as session:
        session.add(Pool(pool="one", slots=1, description="one slot"))
    pooled = limit == "pool"
    source = CROWD.replace("@CAP@", "16" if pooled else "1")
    harness.add_dag("crowd", source.replace("@POOL@", "one" if pooled else "default_pool"))
    harness.sync()
    harness.start()
    crowd = harness.trigger("crowd")
    harness.wait_for(
        lambda: "running" in harness.states("crowd", crowd).values(), what="the crowd to start"
    )
    other = harness.trigger("other")
    assert harness.wait_run("other", other, timeout=30) == "success"
    done = sum(s == "success" for s in harness.states("crowd", crowd).values())
    assert done < 40, f"the low-priority task waited for {done} of the crowd's 80 tasks"


def test_max_active_runs_keeps_extra_runs_queued(harness: Harness) -> None:
    harness.add_dag(
        "serial",
        RECORD_HELPER
        + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def rec(run_id):
    record(run_id.replace(":", "_"), 0.3)

with DAG("serial", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=1) as dag:
    PythonOperator(task_id="t", python_callable=rec, op_args=["{{ run_id }}"])
""",
    )
    harness.sync()
    harness.start()
    run_ids = [harness.trigger("serial", run_id=f"r{i}") for i in range(3)]
    for run_id in run_ids:
        assert harness.wait_run("serial", run_id) == "success"
    spans = read_intervals(harness.tmp / "spans")
    assert len(spans) == 3
    assert max_overlap(spans) == 1


@SQLITE_ONLY
def test_retry_waits_retry_delay_then_succeeds(harness: Harness) -> None:
    harness.add_dag(
        "flaky",
        """
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def flaky(ti):
    with open(os.path.join("@TMP@", "tries"), "a") as f:
        f.write(f"{ti.try_number} {time.time()}\\n")
    if ti.try_number < 3:
        raise RuntimeError(f"try {ti.try_number} fails")
    return "finally"

with DAG("flaky", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="flaky", python_callable=flaky, retries=2,
                   retry_delay=timedelta(seconds=1))
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("flaky")
    harness.wait_for(
        lambda: harness.states("flaky", run_id).get("flaky") == "up_for_retry", what="retry"
    )
    assert harness.wait_run("flaky", run_id) == "success"
    ti = harness.tis("flaky", run_id)["flaky"]
    assert ti.try_number == 3 and ti.state == "success"
    lines = (harness.tmp / "tries").read_text().split("\n")
    stamps = [float(line.split()[1]) for line in lines if line.startswith(("1 ", "2 ", "3 "))]
    assert stamps[1] - stamps[0] >= 1.0
    # each try has its own log file
    folder = harness.config.base_log_folder / "dag_id=flaky" / f"run_id={run_id}" / "task_id=flaky"
    assert sorted(p.name for p in folder.iterdir()) == [
        "attempt=1.log",
        "attempt=2.log",
        "attempt=3.log",
    ]
    assert "try 1 fails" in (folder / "attempt=1.log").read_text()


@SQLITE_ONLY
def test_retries_exhausted_fail_the_task(harness: Harness) -> None:
    harness.add_dag(
        "doomed",
        """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("doomed", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="exit 3", retries=1, retry_delay=timedelta(seconds=0.1))
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("doomed")
    assert harness.wait_run("doomed", run_id) == "failed"
    ti = harness.tis("doomed", run_id)["t"]
    assert (ti.state, ti.try_number, ti.max_tries) == ("failed", 2, 1)


@SQLITE_ONLY
def test_depends_on_past_waits_for_previous_run(harness: Harness) -> None:
    harness.add_dag(
        "past",
        """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("past", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="test {{ dag_run.conf.get('fail', 0) }} = 0",
                 depends_on_past=True)
""",
    )
    harness.sync()
    harness.start()
    first = harness.trigger("past", execution_date="2024-01-01T00:00:00+00:00", conf={"fail": 1})
    assert harness.wait_run("past", first) == "failed"
    second = harness.trigger("past", execution_date="2024-01-02T00:00:00+00:00")
    time.sleep(1.0)
    assert harness.states("past", second)["t"] is None
    assert harness.run_state("past", second) == "running"


@SQLITE_ONLY
def test_dagrun_timeout_fails_the_run(harness: Harness) -> None:
    harness.add_dag(
        "slowrun",
        """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("slowrun", start_date=datetime(2024, 1, 1), schedule=None,
         dagrun_timeout=timedelta(seconds=1)) as dag:
    BashOperator(task_id="slow", bash_command="sleep 3") >> BashOperator(
        task_id="after", bash_command="true")
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("slowrun")
    assert harness.wait_run("slowrun", run_id) == "failed"
    assert harness.states("slowrun", run_id) == {"slow": "skipped", "after": "skipped"}
