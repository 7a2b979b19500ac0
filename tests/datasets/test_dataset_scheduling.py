"""Datasets end to end: producers' successes trigger consumer DAGs, under a real scheduler
on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import DatasetDagRunQueue, DatasetEvent, DatasetModel

PRODUCERS = """
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.datasets import Dataset
from tradewind.operators.python import PythonOperator

A = Dataset("s3://bucket/a.csv")
B = Dataset("s3://bucket/b.csv")

def produce(outlet_events=None, **context):
    outlet_events[A].extra = {"rows": 42}

with DAG("make_a", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="write_a", python_callable=produce, outlets=[A])

with DAG("make_b", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="write_b", python_callable=lambda: None, outlets=[B])
"""

CONSUMERS = """
import json
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.datasets import Dataset
from tradewind.operators.python import PythonOperator

A = Dataset("s3://bucket/a.csv")
B = Dataset("s3://bucket/b.csv")

def report(name):
    def inner(triggering_dataset_events=None, dag_run=None, **context):
        seen = {uri: [e.extra for e in events] for uri, events in triggering_dataset_events.items()}
        with open("@TMP@/" + name + "-" + dag_run.run_id.replace(":", "_") + ".json", "w") as f:
            json.dump({"events": seen, "run_type": dag_run.run_type}, f)
    return inner

with DAG("needs_a", start_date=datetime(2024, 1, 1), schedule=[A]):
    PythonOperator(task_id="read", python_callable=report("needs_a"))

with DAG("needs_both", start_date=datetime(2024, 1, 1), schedule=[A, B]):
    PythonOperator(task_id="read", python_callable=report("needs_both"))

with DAG("needs_either", start_date=datetime(2024, 1, 1), schedule=(A | B)):
    PythonOperator(task_id="read", python_callable=report("needs_either"))
"""


def _setup(harness: Harness) -> None:
    harness.add_dag("producers", PRODUCERS)
    harness.add_dag("consumers", CONSUMERS)
    harness.sync()
    harness.start()


def _produce(harness: Harness, dag_id: str) -> None:
    run_id = harness.trigger(dag_id)
    assert harness.wait_run(dag_id, run_id) == "success"


def _finished_runs(harness: Harness, dag_id: str) -> list[str]:
    return [run.run_id for run in harness.runs(dag_id) if run.state == "success"]


def test_and_or_and_single_dataset_consumers(harness: Harness) -> None:
    _setup(harness)
    _produce(harness, "make_a")
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_a")) == 1, what="needs_a run")
    harness.wait_for(
        lambda: len(_finished_runs(harness, "needs_either")) == 1, what="needs_either run"
    )
    assert harness.runs("needs_both") == []  # only A was updated: AND waits for B

    _produce(harness, "make_b")
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_both")) == 1, what="needs_both run")
    harness.wait_for(
        lambda: len(_finished_runs(harness, "needs_either")) == 2, what="second needs_either"
    )
    assert len(harness.runs("needs_a")) == 1  # B does not concern needs_a

    run = harness.runs("needs_both")[0]
    assert run.run_type == "dataset_triggered"
    assert run.run_id.startswith("dataset_triggered__")
    seen = json.loads((harness.tmp / f"needs_both-{run.run_id.replace(':', '_')}.json").read_text())
    assert seen["run_type"] == "dataset_triggered"
    assert seen["events"] == {"s3://bucket/a.csv": [{"rows": 42}], "s3://bucket/b.csv": [{}]}
    # The queue is emptied by each run: nothing is waiting any more.
    with harness.db.session() as session:
        assert session.scalars(select(DatasetDagRunQueue)).all() == []
        events = session.execute(
            select(DatasetModel.uri, DatasetEvent.source_dag_id, DatasetEvent.source_task_id)
            .join(DatasetModel, DatasetModel.id == DatasetEvent.dataset_id)
            .order_by(DatasetEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("s3://bucket/a.csv", "make_a", "write_a"),
        ("s3://bucket/b.csv", "make_b", "write_b"),
    ]


def test_and_needs_both_updated_since_the_last_run(harness: Harness) -> None:
    _setup(harness)
    _produce(harness, "make_a")
    _produce(harness, "make_b")
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_both")) == 1, what="first run")
    _produce(harness, "make_a")  # A again, B not since the run: no second run
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_a")) == 2, what="needs_a twice")
    assert len(harness.runs("needs_both")) == 1
    _produce(harness, "make_b")
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_both")) == 2, what="second run")


def test_paused_consumer_keeps_its_queue_and_runs_once_unpaused(harness: Harness) -> None:
    from tradewind.operations.dags import set_paused

    _setup(harness)
    set_paused(harness.db, "needs_a", True, actor="test", config=harness.config)
    _produce(harness, "make_a")
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_either")) == 1, what="either")
    assert harness.runs("needs_a") == []
    set_paused(harness.db, "needs_a", False, actor="test", config=harness.config)
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_a")) == 1, what="needs_a run")


def test_deleting_a_consumer_drops_its_references_and_queue(harness: Harness) -> None:
    from tradewind.db.models import DagScheduleDatasetReference
    from tradewind.operations.dags import delete_dag

    harness.add_dag("producers", PRODUCERS)
    harness.add_dag("consumers", CONSUMERS)
    harness.sync()
    harness.start()
    _produce(harness, "make_a")  # needs_both now waits, with A queued
    harness.wait_for(lambda: len(_finished_runs(harness, "needs_a")) == 1, what="needs_a")
    delete_dag(harness.db, "needs_both", actor="test")
    with harness.db.session() as session:
        refs = session.scalars(
            select(DagScheduleDatasetReference.dag_id).where(
                DagScheduleDatasetReference.dag_id == "needs_both"
            )
        ).all()
        queued = session.scalars(
            select(DatasetDagRunQueue.target_dag_id).where(
                DatasetDagRunQueue.target_dag_id == "needs_both"
            )
        ).all()
    assert refs == [] and queued == []
