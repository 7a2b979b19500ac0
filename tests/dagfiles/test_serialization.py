from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, EmptyOperator
from tradewind.authoring.schedules import CronTimetable, DataInterval
from tradewind.dagfiles.serialization import SerializedDAG, dag_hash, serialize_dag
from tradewind.decorators import task
from tradewind.exceptions import DagCycleError

START = datetime(2024, 1, 1, tzinfo=UTC)


def build_dag() -> DAG:
    with DAG(
        "etl",
        description="nightly load",
        schedule="@daily",
        start_date=START,
        catchup=False,
        default_args={"owner": "ana", "retries": 2, "retry_delay": timedelta(minutes=1)},
        max_active_runs=3,
        dagrun_timeout=timedelta(hours=2),
        tags=["prod", "etl"],
        doc_md="# ETL",
        params={"day": "today", "when": START, "obj": object},
        is_paused_upon_creation=True,
    ) as dag:
        start = EmptyOperator(task_id="start", owner="bob")
        load = BashOperator(
            task_id="load",
            bash_command="load.py --day {{ ds }}",
            env={"A": "1"},
            pool="db",
            pool_slots=2,
            priority_weight=5,
            execution_timeout=timedelta(minutes=30),
            retry_exponential_backoff=True,
            max_retry_delay=timedelta(minutes=10),
            trigger_rule="all_done",
            outlets=["warehouse.table"],
        )

        @task
        def report(value: str) -> str:
            return value

        start >> load
        report(load.output)
    return dag


def test_serialized_dag_is_json_and_has_the_dag_fields() -> None:
    data = serialize_dag(build_dag())
    json.dumps(data)  # JSON-safe
    assert data["__version"] == 1
    dag = SerializedDAG.from_dict(json.loads(json.dumps(data)))
    assert dag.dag_id == "etl"
    assert dag.fileloc == __file__
    assert dag.description == "nightly load"
    assert dag.schedule == "0 0 * * *"
    assert dag.timetable == CronTimetable("0 0 * * *")
    assert dag.start_date == START and dag.end_date is None
    assert dag.catchup is False
    assert (dag.max_active_runs, dag.max_active_tasks) == (3, None)
    assert dag.dagrun_timeout == timedelta(hours=2)
    assert dag.tags == ["prod", "etl"]
    assert dag.params["day"] == "today"
    assert dag.params["when"] == "2024-01-01T00:00:00+00:00"
    assert dag.params["obj"] == "<class 'object'>"
    assert dag.owners == ["ana", "bob"]
    assert dag.doc_md == "# ETL"
    assert dag.is_paused_upon_creation is True


def test_serialized_tasks() -> None:
    dag = SerializedDAG.from_dict(serialize_dag(build_dag()))
    assert dag.task_ids == ["start", "load", "report"]
    assert dag.topological_order() == ["start", "load", "report"]
    assert [t.task_id for t in dag.roots] == ["start"]
    assert [t.task_id for t in dag.leaves] == ["report"]
    load = dag.get_task("load")
    assert load.operator_name == "BashOperator"
    assert load.owner == "ana"
    assert load.retries == 2 and load.retry_delay == timedelta(minutes=1)
    assert load.retry_exponential_backoff is True
    assert load.max_retry_delay == timedelta(minutes=10)
    assert load.execution_timeout == timedelta(minutes=30)
    assert (load.pool, load.pool_slots, load.queue) == ("db", 2, "default")
    assert load.priority_weight == 5 and load.weight_rule == "downstream"
    assert load.priority_weight_total == 6
    assert load.trigger_rule == "all_done"
    assert load.start_date == START
    assert load.outlets == ["warehouse.table"]
    assert load.upstream_task_ids == {"start"}
    assert load.downstream_task_ids == {"report"}
    assert load.template_fields == ("bash_command", "env", "cwd")
    assert load.rendered_preview["bash_command"] == "load.py --day {{ ds }}"
    assert load.rendered_preview["env"] == "{'A': '1'}"
    report = dag.get_task("report")
    assert report.operator_name == "DecoratedPythonOperator"
    assert report.rendered_preview["op_args"] == "[XComArg(task_id='load', key='return_value')]"


def test_round_trip_and_hash_stability() -> None:
    data = serialize_dag(build_dag())
    restored = SerializedDAG.from_dict(data)
    assert restored.to_dict() == data
    assert dag_hash(restored.to_dict()) == dag_hash(data)
    assert dag_hash(serialize_dag(build_dag())) == dag_hash(data)
    changed = build_dag()
    changed.get_task("load").retries = 5
    assert dag_hash(serialize_dag(changed)) != dag_hash(data)


def test_hash_is_stable_across_processes(tmp_path: Path) -> None:
    dag_file = tmp_path / "stable_dag.py"
    dag_file.write_text(
        textwrap.dedent(
            """
            from datetime import datetime
            from tradewind.authoring.dag import DAG
            from tradewind.operators.bash import BashOperator
            from tradewind.dagfiles.serialization import dag_hash, serialize_dag

            with DAG("stable", start_date=datetime(2024, 1, 1), tags=["x"],
                     params={"s": {1, 2, 3}}) as dag:
                a = BashOperator(task_id="a", bash_command="echo 1")
                b = BashOperator(task_id="b", bash_command="echo 2")
                c = BashOperator(task_id="c", bash_command="echo 3")
                a >> [c, b]
            print(dag_hash(serialize_dag(dag)))
            """
        )
    )
    hashes = {
        subprocess.run(
            [sys.executable, str(dag_file)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(hashes) == 1


def test_serialize_rejects_cycles() -> None:
    with DAG("cycle", start_date=START) as dag:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        a >> b >> a
    with pytest.raises(DagCycleError):
        serialize_dag(dag)


def test_unknown_format_version() -> None:
    data = serialize_dag(build_dag())
    data["__version"] = 99
    with pytest.raises(ValueError, match="format version 99"):
        SerializedDAG.from_dict(data)


def test_scheduler_can_ask_for_next_run() -> None:
    dag = SerializedDAG.from_dict(serialize_dag(build_dag()))
    now = datetime(2024, 3, 10, 5, tzinfo=UTC)
    info = dag.next_dagrun_info(last_automated_data_interval=None, now=now)
    assert info is not None
    assert info.data_interval == DataInterval(
        datetime(2024, 3, 9, tzinfo=UTC), datetime(2024, 3, 10, tzinfo=UTC)
    )
