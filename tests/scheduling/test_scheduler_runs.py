"""A real scheduler process runs DAG files to their end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import XCom

EXAMPLE_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

def extract():
    print("extracting")
    return [1, 2, 3]

with DAG("example", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    start = BashOperator(
        task_id="start", bash_command="echo start {{ dag_run.conf.get('who', 'nobody') }}"
    )
    get = PythonOperator(task_id="extract", python_callable=extract)

    @task
    def total(values):
        return sum(values)

    @task
    def report(value):
        print("total is", value)
        return {"total": value}

    branches = [BashOperator(task_id=f"branch_{i}", bash_command=f"echo {i}") for i in range(3)]
    start >> get
    result = report(total(get.output))
    get >> branches
"""


def test_example_shaped_dag_runs_to_success(harness: Harness) -> None:
    harness.add_dag("example", EXAMPLE_DAG)
    harness.sync()
    harness.start()
    run_id = harness.trigger("example", conf={"who": "alice"})
    assert harness.wait_run("example", run_id) == "success"
    states = harness.states("example", run_id)
    assert set(states.values()) == {"success"}, states
    assert len(states) == 7
    with harness.db.session() as session:
        values = {
            x.task_id: x.value for x in session.scalars(select(XCom).where(XCom.run_id == run_id))
        }
    assert values["extract"] == [1, 2, 3]
    assert values["total"] == 6
    assert values["report"] == {"total": 6}
    log = (
        harness.config.base_log_folder
        / "dag_id=example"
        / f"run_id={run_id}"
        / "task_id=start"
        / "attempt=1.log"
    ).read_text()
    assert "start alice" in log
    ti = harness.tis("example", run_id)["extract"]
    assert ti.try_number == 1 and ti.hostname and ti.pid and ti.duration is not None
    assert ti.start_date is not None and ti.end_date is not None


def test_failing_task_fails_run_and_blocks_downstream(harness: Harness) -> None:
    harness.add_dag(
        "failing",
        """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.python import PythonOperator

        def boom():
            raise ValueError("no good")

        with DAG("failing", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            a = PythonOperator(task_id="a", python_callable=boom)
            b = PythonOperator(task_id="b", python_callable=lambda: 1)
            a >> b
        """,
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("failing")
    assert harness.wait_run("failing", run_id) == "failed"
    assert harness.states("failing", run_id) == {"a": "failed", "b": "upstream_failed"}


def test_paused_dag_keeps_manual_run_queued_until_unpaused(harness: Harness) -> None:
    from tradewind.operations.dags import set_paused

    harness.add_dag(
        "pausable",
        """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.bash import BashOperator

        with DAG("pausable", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(task_id="t", bash_command="true")
        """,
    )
    harness.sync(unpause=False)
    harness.start()
    run_id = harness.trigger("pausable")
    import time

    time.sleep(1.0)
    assert harness.run_state("pausable", run_id) == "queued"
    set_paused(harness.db, "pausable", False, actor="test", config=harness.config)
    assert harness.wait_run("pausable", run_id) == "success"


def test_new_task_gets_instance_and_removed_task_is_marked(harness: Harness) -> None:
    """A running run picks up a task added to the DAG; a task that left it is ``removed``."""
    harness.add_dag(
        "changing",
        """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.bash import BashOperator

        with DAG("changing", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(task_id="stays", bash_command="sleep 2")
            BashOperator(task_id="goes", bash_command="true", pool="nowhere")
        """,
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("changing")
    harness.wait_for(lambda: harness.states("changing", run_id).get("stays") == "running")
    harness.add_dag(
        "changing",
        """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.bash import BashOperator

        with DAG("changing", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(task_id="stays", bash_command="sleep 2")
            BashOperator(task_id="added", bash_command="true")
        """,
    )
    harness.sync()
    assert harness.wait_run("changing", run_id) == "success"
    assert harness.states("changing", run_id) == {
        "stays": "success",
        "goes": "removed",
        "added": "success",
    }


def test_scheduled_runs_catchup_true_creates_every_missed_interval(harness: Harness) -> None:
    _daily_dag(harness, catchup=True)
    harness.start()
    harness.wait_for(
        lambda: (
            len(harness.runs("daily")) == 3
            and all(r.state == "success" for r in harness.runs("daily"))
        ),
        what="three scheduled runs",
    )
    runs = harness.runs("daily")
    assert all(r.run_type == "scheduled" and not r.external_trigger for r in runs)
    assert all(r.run_id == f"scheduled__{r.execution_date.isoformat()}" for r in runs)
    for r in runs:
        assert r.data_interval_end - r.data_interval_start == _one_day()


def test_scheduled_runs_catchup_false_creates_only_the_latest(harness: Harness) -> None:
    _daily_dag(harness, catchup=False)
    harness.start()
    harness.wait_for(
        lambda: [r.state for r in harness.runs("daily")] == ["success"], what="one run"
    )
    import time

    time.sleep(0.5)
    assert len(harness.runs("daily")) == 1
    from tradewind.db.models import DagModel

    with harness.db.session() as session:
        dag = session.get(DagModel, "daily")
        assert dag.next_dagrun is not None and dag.next_dagrun_create_after is not None


def test_catchup_by_default_false_applies_to_a_dag_that_does_not_say(
    harness: Harness,
) -> None:
    setting = {("scheduler", "catchup_by_default"): "False"}
    harness.config = harness.config.with_overrides(setting)
    _daily_dag(harness, catchup=None)
    harness.start(TRADEWIND__SCHEDULER__CATCHUP_BY_DEFAULT="False")
    harness.wait_for(
        lambda: [r.state for r in harness.runs("daily")] == ["success"], what="one run"
    )
    import time

    time.sleep(0.5)
    assert len(harness.runs("daily")) == 1


def _one_day():  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(days=1)


def _daily_dag(harness: Harness, *, catchup: bool | None) -> None:
    """A daily DAG started three days ago; ``catchup=None`` leaves the argument out."""
    catchup_arg = "" if catchup is None else f", catchup={catchup}"
    harness.add_dag(
        "daily",
        f"""
        from datetime import datetime, timedelta, timezone
        from tradewind import DAG
        from tradewind.operators.bash import BashOperator

        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        with DAG("daily", start_date=today - timedelta(days=3), schedule="@daily"{catchup_arg}
                 ) as dag:
            BashOperator(task_id="t", bash_command="echo {{{{ ds }}}}")
        """,
    )
    harness.sync()


def test_run_conf_reaches_templates(harness: Harness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "conf.json"
    harness.add_dag(
        "conf",
        f"""
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.bash import BashOperator

        with DAG("conf", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(task_id="t", bash_command="echo '{{{{ dag_run.conf | tojson }}}}' > {out}")
        """,
    )
    harness.sync()
    harness.start()
    run_id = harness.trigger("conf", conf={"a": 1})
    assert harness.wait_run("conf", run_id) == "success"
    assert json.loads(out.read_text()) == {"a": 1}
