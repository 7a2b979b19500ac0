"""retry_exponential_backoff through a real scheduler: each retry waits longer, up to the cap."""

from __future__ import annotations

from datetime import timedelta

from tests.scheduling.harness import Harness

BASE = 1.0  # retry_delay, seconds
CAP = 1.5  # max_retry_delay, seconds


def test_exponential_backoff_waits_longer_each_retry_up_to_max_retry_delay(
    harness: Harness,
) -> None:
    harness.add_dag(
        "backoff",
        f"""
from datetime import datetime, timedelta
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def flaky(ti):
    with open(os.path.join("@TMP@", "tries"), "a") as f:
        f.write(f"{{ti.try_number}} {{time.time()}}\\n")
    if ti.try_number < 3:
        raise RuntimeError(f"try {{ti.try_number}} fails")
    return "third time lucky"

with DAG("backoff", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="flaky", python_callable=flaky, retries=2,
                   retry_delay=timedelta(seconds={BASE}), retry_exponential_backoff=True,
                   max_retry_delay=timedelta(seconds={CAP}))
""",
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("backoff")

    # The wait the scheduler chose after each failed try, read while the TI waits for it.
    waits: dict[int, timedelta] = {}

    def record_wait() -> bool:
        ti = harness.tis("backoff", run_id)["flaky"]
        if ti.state == "up_for_retry" and ti.next_retry_at and ti.end_date:
            waits.setdefault(ti.try_number, ti.next_retry_at - ti.end_date)
        return ti.state in ("success", "failed")

    harness.wait_for(record_wait, timeout=60, what="the third try to end")
    assert harness.wait_run("backoff", run_id) == "success"
    ti = harness.tis("backoff", run_id)["flaky"]
    assert (ti.state, ti.try_number, ti.max_tries) == ("success", 3, 2)

    # Try 1 failed: retry_delay * 2**0 plus at most 10% jitter.
    assert timedelta(seconds=BASE) <= waits[1] <= timedelta(seconds=BASE * 1.1)
    # Try 2 failed: retry_delay * 2**1 = 2 s would be more than max_retry_delay.
    assert waits[2] == timedelta(seconds=CAP)

    stamps = {}
    for line in (harness.tmp / "tries").read_text().splitlines():
        number, stamp = line.split()
        stamps[int(number)] = float(stamp)
    assert sorted(stamps) == [1, 2, 3]  # each try ran once
    # Lower bounds only: a try starts no sooner than its predecessor's end plus the wait.
    assert stamps[2] - stamps[1] >= BASE
    assert stamps[3] - stamps[2] >= CAP
