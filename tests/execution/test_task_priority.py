"""Tries run at a lower CPU priority than the scheduler (``[core] task_niceness``)."""

from __future__ import annotations

import os

import pytest

from tests.scheduling.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DAG = """
from datetime import datetime
import os
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def record():
    with open(os.path.join("@TMP@", "nice.txt"), "w") as f:
        f.write(str(os.nice(0)))

with DAG("niceness", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=record)
"""


@SQLITE_ONLY
@pytest.mark.parametrize(("setting", "added"), [(None, 10), ("3", 3), ("0", 0)])
def test_tries_run_at_the_configured_niceness(
    harness: Harness, setting: str | None, added: int
) -> None:
    harness.add_dag("niceness", DAG)
    harness.sync()
    extra = {} if setting is None else {"TRADEWIND__CORE__TASK_NICENESS": setting}
    harness.start(**extra)
    run_id = harness.trigger("niceness")
    assert harness.wait_run("niceness", run_id) == "success"
    own = os.nice(0)  # the scheduler inherits the test's niceness
    assert int((harness.tmp / "nice.txt").read_text()) == min(own + added, 19)
