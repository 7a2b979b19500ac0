"""Airflow's task-facing exceptions and ``get_current_context()`` under a real scheduler.

One DAG file written as an Airflow user writes it (Airflow's exception names, the context
fetched rather than passed), run by a real scheduler on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from tests.scheduling.harness import Harness

EXCEPTIONS_DAG = """
import json, os
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.decorators import task
from tradewind.exceptions import (
    AirflowException, AirflowFailException, AirflowSkipException, NoTaskContext,
)
from tradewind.operators.python import PythonOperator, get_current_context

try:
    get_current_context()
except NoTaskContext as exc:
    with open(os.path.join("@TMP@", "outside.txt"), "w") as f:
        f.write(str(exc))

def save(name):
    context = get_current_context()
    seen = {
        "task_id": context["ti"].task_id,
        "try_number": context["ti"].try_number,
        "ds": context["ds"],
        "logical_date": context["logical_date"].isoformat(),
        "run_id": context["dag_run"].run_id,
        "params": context["params"],
    }
    with open(os.path.join("@TMP@", name + ".json"), "w") as f:
        json.dump(seen, f)

def skip_me():
    raise AirflowSkipException("nothing to do today")

def fail_fast():
    save("fail_fast")
    raise AirflowFailException("the input is broken; retrying will not help")

def flaky():
    save("flaky")
    if get_current_context()["ti"].try_number == 1:
        raise AirflowException("a passing outage")

def classic():
    save("classic")

with DAG("airflow_exceptions", start_date=datetime(2024, 1, 1), schedule=None,
         params={"size": 3}) as dag:
    skipper = PythonOperator(task_id="skipper", python_callable=skip_me)
    after_success = PythonOperator(task_id="after_success", python_callable=classic)
    after_done = PythonOperator(task_id="after_done", python_callable=lambda: save("after_done"),
                                trigger_rule="all_done")
    after_none_failed = PythonOperator(task_id="after_none_failed", python_callable=lambda: None,
                                       trigger_rule="none_failed")
    skipper >> [after_success, after_done, after_none_failed]

    PythonOperator(task_id="fail_fast", python_callable=fail_fast, retries=3,
                   retry_delay=timedelta(seconds=0))
    PythonOperator(task_id="flaky", python_callable=flaky, retries=1,
                   retry_delay=timedelta(seconds=0))
    PythonOperator(task_id="classic", python_callable=classic)

    @task
    def taskflow():
        save("taskflow")

    taskflow()
"""


def test_airflow_exceptions_and_current_context_under_a_real_scheduler(harness: Harness) -> None:
    harness.add_dag("airflow_exceptions", EXCEPTIONS_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("airflow_exceptions", execution_date="2024-03-05T06:00:00+00:00")
    assert harness.wait_run("airflow_exceptions", run_id, timeout=60) == "failed"
    tis = harness.tis("airflow_exceptions", run_id)
    outcome = {task_id: (ti.state, ti.try_number) for task_id, ti in tis.items()}

    # AirflowSkipException: skipped, not failed; all_success downstream is skipped, while
    # all_done and none_failed downstream run.
    assert outcome["skipper"] == ("skipped", 1)
    assert outcome["after_success"][0] == "skipped"
    assert outcome["after_done"] == ("success", 1)
    assert outcome["after_none_failed"] == ("success", 1)
    # AirflowFailException: failed at the first try although three retries remain.
    assert outcome["fail_fast"] == ("failed", 1)
    assert tis["fail_fast"].max_tries == 3
    assert "not retrying" in harness.try_log("airflow_exceptions", run_id, "fail_fast", 1)
    # A plain AirflowException is an ordinary failure: retried, and the retry succeeds.
    assert outcome["flaky"] == ("success", 2)

    # get_current_context() in a PythonOperator callable and in a @task function.
    for name in ("classic", "taskflow"):
        seen = json.loads((harness.tmp / f"{name}.json").read_text())
        assert seen == {
            "task_id": name,
            "try_number": 1,
            "ds": "2024-03-05",
            "logical_date": "2024-03-05T06:00:00+00:00",
            "run_id": run_id,
            "params": {"size": 3},
        }
    assert json.loads((harness.tmp / "flaky.json").read_text())["try_number"] == 2
    # At parse time no task runs: the call fails with an error that says why.
    assert "outside a running task" in (harness.tmp / "outside.txt").read_text()
