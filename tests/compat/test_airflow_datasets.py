"""A producer/consumer pair in Airflow 2's dataset syntax (and Airflow 3's Asset names) runs
unchanged under a real scheduler with ``[core] airflow_compat`` on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

AIRFLOW_PAIR = """
import json
import pendulum
from airflow import DAG
from airflow.datasets import Dataset
from airflow.datasets.metadata import Metadata
from airflow.decorators import task
from airflow.sdk import Asset

orders = Dataset("s3://shop/orders.parquet")
customers = Asset("customers", uri="s3://shop/customers.parquet")

with DAG("airflow_producer", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=None):

    @task(outlets=[orders])
    def write_orders(*, outlet_events):
        outlet_events[orders].extra = {"rows": 10}

    @task(outlets=[customers])
    def write_customers():
        yield Metadata(customers, {"rows": 2})

    write_orders() >> write_customers()

with DAG("airflow_consumer", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=(orders & customers), catchup=False):

    @task
    def summarize(*, triggering_dataset_events, dag_run):
        seen = {uri: [e.extra for e in events]
                for uri, events in triggering_dataset_events.items()}
        with open("@TMP@/airflow_consumer.json", "w") as f:
            json.dump({"seen": seen, "run_type": dag_run.run_type}, f)

    summarize()
"""


@pytest.fixture
def compat_harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    harness = Harness(
        config, database, {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}, tmp_path
    )
    try:
        yield harness
    finally:
        harness.stop()


def test_airflow_syntax_producer_triggers_consumer(compat_harness: Harness) -> None:
    harness = compat_harness
    harness.add_dag("airflow_pair", AIRFLOW_PAIR)
    harness.sync()
    harness.start()
    run_id = harness.trigger("airflow_producer")
    assert harness.wait_run("airflow_producer", run_id) == "success"
    harness.wait_for(
        lambda: [r.state for r in harness.runs("airflow_consumer")] == ["success"],
        what="the consumer's dataset-triggered run",
    )
    seen = json.loads((harness.tmp / "airflow_consumer.json").read_text())
    assert seen == {
        "run_type": "dataset_triggered",
        "seen": {
            "s3://shop/customers.parquet": [{"rows": 2}],
            "s3://shop/orders.parquet": [{"rows": 10}],
        },
    }
