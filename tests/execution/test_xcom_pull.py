"""``ti.xcom_pull`` against the metadata database, with Airflow 2's answers: one value for a
task id, a list in the asked order for several, ``include_prior_dates``, ``key=None``,
``default`` and ``prev_*_success``; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.execution.try_process import MetadataDatabase, RuntimeTaskInstance, StartedTry
from tradewind.execution.xcoms import push_xcom

DAY1 = datetime(2024, 5, 1, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def _run(database: Database, run_id: str, when: datetime, state: str = "success") -> None:
    with database.session() as session:
        session.add(
            DagRun(
                dag_id="d",
                run_id=run_id,
                execution_date=when,
                data_interval_start=when,
                data_interval_end=when + timedelta(days=1),
                state=state,
                run_type="scheduled",
                queued_at=when,
            )
        )
        session.add(
            TaskInstance(
                dag_id="d",
                run_id=run_id,
                task_id="pull",
                state=state,
                try_number=1,
                max_tries=0,
                start_date=when + timedelta(hours=1),
                end_date=when + timedelta(hours=2),
            )
        )


def _ti(
    database: Database, run_id: str, when: datetime, map_index: int = -1
) -> RuntimeTaskInstance:
    started = StartedTry(
        map_index=map_index,
        dag_id="d",
        run_id=run_id,
        task_id="pull",
        try_number=1,
        max_tries=0,
        fileloc="-",
        logical_date=when,
        data_interval_start=when,
        data_interval_end=when,
        conf={},
        run_type="scheduled",
        start_date=when,
    )
    return RuntimeTaskInstance(MetadataDatabase(database), started, task=None)


@pytest.fixture
def pulled(database: Database) -> RuntimeTaskInstance:
    _run(database, "day1", DAY1)
    _run(database, "day2", DAY2, state="running")
    for run_id, task_id, key, value in [
        ("day1", "a", "return_value", "a1"),
        ("day1", "old", "return_value", "only on day 1"),
        ("day2", "a", "return_value", "a2"),
        ("day2", "b", "return_value", {"b": [2]}),
        ("day2", "b", "extra", 3),
    ]:
        push_xcom(database, "d", run_id, task_id, key, value)
    return _ti(database, "day2", DAY2)


def test_one_task_id_gives_its_value(pulled: RuntimeTaskInstance) -> None:
    assert pulled.xcom_pull(task_ids="a") == "a2"
    assert pulled.xcom_pull("b", key="extra") == 3
    assert pulled.xcom_pull(task_ids="old") is None
    assert pulled.xcom_pull(task_ids="old", default="none yet") == "none yet"


def test_several_task_ids_give_a_list_in_their_order(pulled: RuntimeTaskInstance) -> None:
    assert pulled.xcom_pull(task_ids=["b", "a"]) == [{"b": [2]}, "a2"]
    assert pulled.xcom_pull(task_ids=("a", "b")) == ["a2", {"b": [2]}]
    # Airflow 2 leaves out a task that pushed nothing.
    assert pulled.xcom_pull(task_ids=["old", "a"]) == ["a2"]


def test_no_task_ids_gives_the_latest_value_of_the_key(pulled: RuntimeTaskInstance) -> None:
    assert pulled.xcom_pull(task_ids=None, key="extra") == 3
    assert pulled.xcom_pull(task_ids="b", key=None) in (3, {"b": [2]})


def test_include_prior_dates(pulled: RuntimeTaskInstance, database: Database) -> None:
    assert pulled.xcom_pull(task_ids="old", include_prior_dates=True) == "only on day 1"
    assert pulled.xcom_pull(task_ids="a", include_prior_dates=True) == "a2"  # latest first
    assert pulled.xcom_pull(task_ids=["a"], include_prior_dates=True) == ["a2", "a1"]
    day1 = _ti(database, "day1", DAY1)
    assert day1.xcom_pull(task_ids="b", include_prior_dates=True) is None  # nothing later


def test_another_dag_id(pulled: RuntimeTaskInstance, database: Database) -> None:
    assert pulled.xcom_pull(task_ids="a", dag_id="other") is None
    assert pulled.xcom_pull("a", "d") == "a2"  # Airflow's positional order: task_ids, dag_id
    with database.session() as session:  # another DAG, whose runs have other ids
        session.add(
            DagRun(
                dag_id="other",
                run_id="earlier",
                execution_date=DAY1,
                state="success",
                run_type="scheduled",
                queued_at=DAY1,
            )
        )
    push_xcom(database, "other", "earlier", "x", "return_value", "from other")
    assert pulled.xcom_pull(task_ids="x", dag_id="other") is None  # not run "day2"
    assert pulled.xcom_pull(task_ids="x", dag_id="other", include_prior_dates=True) == (
        "from other"  # logically before the puller's run
    )


def test_push_refuses_what_json_cannot_hold(pulled: RuntimeTaskInstance) -> None:
    with pytest.raises(TypeError, match=r"XCom 'k' of task 'pull' is not JSON-serializable"):
        pulled.xcom_push(key="k", value={1, 2})
    with pytest.raises(TypeError, match=r"Out of range float values are not JSON compliant"):
        pulled.xcom_push(key="k", value=[float("nan")])
    assert pulled.xcom_pull(task_ids="pull", key="k") is None  # nothing half-written


def test_prior_success(pulled: RuntimeTaskInstance, database: Database) -> None:
    prior: Any = pulled.prior_success()
    assert prior.data_interval_start == DAY1
    assert prior.data_interval_end == DAY2
    assert prior.task_start_date == DAY1 + timedelta(hours=1)
    assert prior.task_end_date == DAY1 + timedelta(hours=2)
    assert prior.logical_date == DAY1
    assert _ti(database, "day1", DAY1).prior_success() is None


def test_prior_success_of_a_mapped_instance_is_its_own_index(database: Database) -> None:
    _run(database, "day1", DAY1)
    _run(database, "day2", DAY2, state="running")
    with database.session() as session:
        for map_index in (0, 1):
            session.add(
                TaskInstance(
                    dag_id="d",
                    run_id="day1",
                    task_id="pull",
                    map_index=map_index,
                    state="success",
                    try_number=1,
                    max_tries=0,
                    start_date=DAY1 + timedelta(hours=10 + map_index),
                    end_date=DAY1 + timedelta(hours=20 + map_index),
                )
            )
    prior: Any = _ti(database, "day2", DAY2, map_index=1).prior_success()
    assert prior.task_start_date == DAY1 + timedelta(hours=11)
    assert prior.task_end_date == DAY1 + timedelta(hours=21)
    newcomer: Any = _ti(database, "day2", DAY2, map_index=2).prior_success()
    assert newcomer.logical_date == DAY1 and newcomer.task_start_date is None


def test_push_with_an_execution_date_warns_and_keeps_to_its_run(
    pulled: RuntimeTaskInstance,
) -> None:
    with pytest.warns(DeprecationWarning, match=r"execution_date=\.\.\.\) of task 'pull'"):
        pulled.xcom_push(key="when", value=1, execution_date=DAY1)
    assert pulled.xcom_pull(task_ids="pull", key="when") == 1  # in run "day2"
