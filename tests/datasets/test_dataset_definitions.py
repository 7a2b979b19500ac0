"""Datasets as DAG authors write them: URI rules, conditions, and what a DAG serializes."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind import DAG
from tradewind.authoring.datasets import (
    Asset,
    Dataset,
    DatasetAlias,
    DatasetAll,
    DatasetAny,
    evaluate,
)
from tradewind.authoring.schedules import CronTimetable, DatasetOrTimeSchedule
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.exceptions import DagDefinitionError
from tradewind.operators.python import PythonOperator


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "cannot be empty"),
        ("  \t", "just whitespace"),
        ("airflow://xcom/dag", "'airflow' is reserved"),
        ("s3://bücket/x", "ASCII"),
        ("a" * 3001, "at most 3000"),
    ],
)
def test_bad_uris_are_refused_with_the_reason(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dataset(uri)


def test_uri_with_credentials_warns() -> None:
    with pytest.warns(UserWarning, match="user info"):
        Dataset("ftp://user:secret@host/file")


def test_datasets_compare_by_uri_and_combine() -> None:
    a, b, c = Dataset("s3://a", extra={"k": 1}), Dataset("s3://b"), Dataset("s3://c")
    assert a == Dataset("s3://a") and len({a, Dataset("s3://a")}) == 1
    condition = (a & b) | c
    assert isinstance(condition, DatasetAny)
    assert condition.objects == (DatasetAll(a, b), c)
    data = condition.serialize()
    assert evaluate(data, {"s3://c"})
    assert not evaluate(data, {"s3://a"})
    assert evaluate(data, {"s3://a", "s3://b"})
    with pytest.raises(TypeError, match="only with another Dataset"):
        _ = a & "s3://b"  # type: ignore[operator]


def test_alias_holds_when_a_dataset_it_resolved_to_was_updated() -> None:
    data = DatasetAlias("files").serialize()
    assert not evaluate(data, {"s3://x"}, {})
    assert evaluate(data, {"s3://x"}, {"files": {"s3://x"}})


def test_asset_takes_a_name_or_a_uri() -> None:
    assert Asset("orders").uri == "orders"
    asset = Asset("orders", uri="s3://shop/orders")
    assert asset.name == "orders" and asset.uri == "s3://shop/orders"
    assert asset == Dataset("s3://shop/orders")


def test_dag_scheduled_on_datasets_serializes_its_condition_and_outlets() -> None:
    a, b = Dataset("s3://a"), Dataset("s3://b")
    with DAG("consumer", start_date=datetime(2024, 1, 1), schedule=[a, b]) as dag:
        PythonOperator(task_id="t", python_callable=lambda: None, outlets=[Dataset("s3://out")])
    data = serialize_dag(dag)
    assert data["schedule"] == "Dataset"
    sdag = SerializedDAG.from_dict(data)
    assert sdag.dataset_condition == DatasetAll(a, b).serialize()
    assert sdag.get_task("t").outlet_dataset_uris == ["s3://out"]
    assert not sdag.timetable.can_be_scheduled


def test_dataset_or_time_schedule_keeps_both_parts() -> None:
    schedule = DatasetOrTimeSchedule(
        timetable=CronTimetable("0 1 * * *"), datasets=Dataset("s3://a") | Dataset("s3://b")
    )
    with DAG("both", start_date=datetime(2024, 1, 1), schedule=schedule) as dag:
        PythonOperator(task_id="t", python_callable=lambda: None)
    sdag = SerializedDAG.from_dict(serialize_dag(dag))
    assert sdag.schedule == "Dataset or 0 1 * * *"
    assert sdag.timetable.can_be_scheduled
    assert sdag.dataset_condition is not None and sdag.dataset_condition["__type"] == "dataset_any"


def test_a_schedule_of_non_datasets_is_a_clear_error() -> None:
    with pytest.raises(DagDefinitionError, match="invalid schedule"):
        DAG("bad", start_date=datetime(2024, 1, 1), schedule=[Dataset("s3://a"), "s3://b"])
    with pytest.raises(DagDefinitionError, match="at least one Dataset"):
        DAG("empty", start_date=datetime(2024, 1, 1), schedule=[])


def _run_in_memory(python_callable: object, outlets: list[object]) -> object:
    """One try of a one-task DAG, in this process, without a database (as ``rehearse``)."""
    from tradewind.authoring.timezone import utcnow
    from tradewind.execution.try_process import MetadataDatabase, StartedTry, run_claimed

    now = utcnow()
    with DAG("in_memory", start_date=now, schedule=None) as dag:
        PythonOperator(task_id="t", python_callable=python_callable, outlets=outlets)
    started = StartedTry(
        dag_id="in_memory", run_id="r", task_id="t", try_number=1, max_tries=0, fileloc="-",
        logical_date=now, data_interval_start=now, data_interval_end=now, conf={},
        run_type="manual", start_date=now,
    )  # fmt: skip
    return run_claimed(MetadataDatabase(), started, loaded_dags={"in_memory": dag})


def test_a_successful_try_carries_its_outlet_events() -> None:
    a, alias = Dataset("s3://a"), DatasetAlias("al")

    def produce(outlet_events):
        outlet_events[a].extra = {"rows": 1}
        outlet_events[alias].add(Dataset("s3://b"), extra={"k": "v"})

    outcome = _run_in_memory(produce, [a, alias])
    assert outcome.state == "success"  # type: ignore[attr-defined]
    assert outcome.dataset_events == [  # type: ignore[attr-defined]
        {"uri": "s3://a", "extra": {"rows": 1}, "aliases": []},
        {"uri": "s3://b", "extra": {"k": "v"}, "aliases": ["al"]},
    ]


def test_an_extra_that_is_not_json_fails_the_try(caplog: pytest.LogCaptureFixture) -> None:
    a = Dataset("s3://a")

    def produce(outlet_events):
        outlet_events[a].extra = {"when": object()}

    outcome = _run_in_memory(produce, [a])
    assert outcome.state == "failed"  # type: ignore[attr-defined]
    assert "dataset event extra of task 't' is not JSON-serializable" in caplog.text
