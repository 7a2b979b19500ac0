"""A try process never imports SQLAlchemy (unless its task uses XCom).

Tries are forked from a zygote; what the zygote has imported, every fork pays for in page
tables and copy-on-write faults (``benchmarks/try_cost.py``). SQLAlchemy and the database
code are the biggest part of Tradewind, so they stay out of zygotes and tries: the runner
host, a separate process, claims and records for them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.scheduling.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DATABASE_MODULES = ("sqlalchemy", "psycopg", "alembic", "tradewind.db")

#: Each task writes which database modules its own process has loaded.
REPORTS_ITS_MODULES = """
from datetime import datetime
import json, os, sys
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def report(name):
    loaded = sorted(
        module for module in sys.modules
        if module.startswith(@MODULES@)
    )
    with open(os.path.join("@TMP@", name + ".json"), "w") as f:
        json.dump(loaded, f)
    return name  # a return value: the host records the XCom, not the try

with DAG("modules", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    first = PythonOperator(task_id="first", python_callable=report, op_args=["first"])
    second = PythonOperator(task_id="second", python_callable=report, op_args=["second"])
    first >> second
"""


@SQLITE_ONLY
def test_tries_run_by_the_local_executor_do_not_load_the_database_code(
    harness: Harness,
) -> None:
    harness.add_dag("modules", REPORTS_ITS_MODULES.replace("@MODULES@", repr(DATABASE_MODULES)))
    harness.sync()
    harness.start()
    run_id = harness.trigger("modules")
    assert harness.wait_run("modules", run_id) == "success"
    for name in ("first", "second"):  # the second is forked from a zygote that ran one
        assert json.loads((harness.tmp / f"{name}.json").read_text()) == [], name


ZYGOTE_WARM_UP = """
import sys
from tradewind.execution.zygote import Zygote, rehearsed
from tradewind.execution import try_process, zygote_messages
rehearsed()
print(sorted(m for m in sys.modules if m.startswith(@MODULES@)))
"""


def test_a_warm_zygote_has_not_imported_the_database_code() -> None:
    """What a zygote imports and runs before its first fork (a quicker, narrower check)."""
    script = ZYGOTE_WARM_UP.replace("@MODULES@", repr(DATABASE_MODULES))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
