"""Setup and teardown under a real scheduler (SQLite and PostgreSQL), in Tradewind syntax.

Each setup makes a real resource (a file), each teardown removes it, so the test sees what
a user would: the resource is gone after the run whatever the work did, a failed teardown
does not fail the run unless it says so, and a failed setup runs neither work nor teardown.
Clearing a work task runs its setup and teardown again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.operations.clearing import clear_task_instances

SETUP_TEARDOWN = """
from datetime import datetime
from pathlib import Path

from tradewind import DAG
from tradewind.decorators import setup, task, teardown
from tradewind.operators.python import PythonOperator

TMP = Path("@TMP@")

def make(name):
    def create():
        (TMP / name).write_text("up")
        return str(TMP / name)
    return create

def remove(name):
    def delete():
        (TMP / name).unlink()
    return delete

def use(name):
    def work():
        assert (TMP / name).read_text() == "up"
    return work

def fail():
    raise RuntimeError("on purpose")

def op(task_id, fn):
    return PythonOperator(task_id=task_id, python_callable=fn)

# The work fails: the teardown still removes the resource; a failed setup runs nothing.
with DAG("st_work_fails", start_date=datetime(2024, 1, 1), schedule=None) as failing:
    create = op("create", make("fails_res"))
    create >> op("work", fail) >> op("delete", remove("fails_res")).as_teardown(setups=create)
    bad = op("bad_setup", fail).as_setup()
    bad >> op("never_work", use("never")) >> op("never_delete", remove("never")).as_teardown(
        setups=bad
    )

# TaskFlow and the `with` form; the teardown fails, which does not fail the run.
with DAG("st_teardown_fails", start_date=datetime(2024, 1, 1), schedule=None) as lenient:
    @setup
    def create_cluster():
        (TMP / "cluster").write_text("up")
        return "cluster"

    @teardown
    def delete_cluster(name):
        (TMP / name).unlink()
        raise RuntimeError("teardown failed after removing " + name)

    @task
    def query():
        assert (TMP / "cluster").read_text() == "up"

    @task
    def report():
        print("report ran")

    cluster = create_cluster()
    with cluster >> delete_cluster(cluster):
        query() >> report()

# The same failing teardown, marked on_failure_fail_dagrun: now the run fails.
with DAG("st_strict", start_date=datetime(2024, 1, 1), schedule=None) as strict:
    s = op("create", make("strict_res"))
    s >> op("work", use("strict_res")) >> op("delete", fail).as_teardown(
        setups=s, on_failure_fail_dagrun=True
    )
"""


@pytest.mark.slow
def test_setup_and_teardown_rules_under_a_scheduler(harness: Harness, tmp_path: Path) -> None:
    harness.add_dag("setup_teardown", SETUP_TEARDOWN)
    harness.sync()
    harness.start()
    runs = {
        dag_id: harness.trigger(dag_id, run_id="st")
        for dag_id in ("st_work_fails", "st_teardown_fails", "st_strict")
    }
    finals = {dag_id: harness.wait_run(dag_id, run, timeout=90) for dag_id, run in runs.items()}
    assert finals == {
        "st_work_fails": "failed",
        "st_teardown_fails": "success",
        "st_strict": "failed",
    }

    assert harness.states("st_work_fails", "st") == {
        "create": "success",
        "work": "failed",
        "delete": "success",  # ran although the work failed
        "bad_setup": "failed",
        "never_work": "upstream_failed",
        "never_delete": "upstream_failed",  # its setup never succeeded: not run
    }
    assert not (tmp_path / "fails_res").exists()

    assert harness.states("st_teardown_fails", "st") == {
        "create_cluster": "success",
        "query": "success",
        "report": "success",
        "delete_cluster": "failed",
    }
    assert not (tmp_path / "cluster").exists()
    assert "teardown failed after removing cluster" in harness.try_log(
        "st_teardown_fails", "st", "delete_cluster"
    )
    assert harness.states("st_strict", "st")["delete"] == "failed"

    # Clearing the work runs its setup and teardown again (a fresh resource, removed again).
    clear_task_instances(
        harness.db, harness.config, "st_work_fails", task_regex="^work$", run_id="st", actor="t"
    )
    assert harness.wait_run("st_work_fails", "st", timeout=90) == "failed"
    tis = harness.tis("st_work_fails", "st")
    assert {tid: ti.try_number for tid, ti in tis.items()} == {
        "create": 2,
        "work": 2,
        "delete": 2,
        "bad_setup": 1,
        "never_work": 0,
        "never_delete": 0,
    }
    assert not (tmp_path / "fails_res").exists()
