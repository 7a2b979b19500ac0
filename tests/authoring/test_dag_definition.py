from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, EmptyOperator
from tradewind.authoring.schedules import CronTimetable, DeltaTimetable, NullTimetable
from tradewind.authoring.trigger_rule import TriggerRule
from tradewind.exceptions import (
    DagCycleError,
    DagDefinitionError,
    DuplicateTaskIdError,
    TaskNotFound,
)

START = datetime(2024, 1, 1)


def test_tasks_created_in_context_attach_to_the_dag() -> None:
    with DAG("d1", start_date=START) as dag:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
    assert dag.task_ids == ["a", "b"]
    assert a.dag is dag and b.dag is dag
    assert dag.get_task("a") is a


def test_nested_contexts_restore_the_outer_dag() -> None:
    with DAG("outer", start_date=START) as outer:
        EmptyOperator(task_id="o1")
        with DAG("inner", start_date=START) as inner:
            EmptyOperator(task_id="i1")
        EmptyOperator(task_id="o2")
    assert outer.task_ids == ["o1", "o2"]
    assert inner.task_ids == ["i1"]


def test_explicit_dag_argument() -> None:
    dag = DAG("explicit", start_date=START)
    task = EmptyOperator(task_id="t", dag=dag)
    assert dag.task_dict == {"t": task}


def test_default_args_fill_missing_operator_arguments() -> None:
    default_args = {"owner": "ana", "retries": 3, "retry_delay": timedelta(minutes=1)}
    with DAG("defaults", start_date=START, default_args=default_args):
        inherited = BashOperator(task_id="a", bash_command="true")
        explicit = EmptyOperator(task_id="b", retries=0)
    assert (inherited.owner, inherited.retries) == ("ana", 3)
    assert inherited.retry_delay == timedelta(minutes=1)
    assert explicit.retries == 0 and explicit.owner == "ana"


def test_default_args_start_date_and_params() -> None:
    dag = DAG("d", default_args={"start_date": START, "params": {"a": 1}}, params={"b": 2})
    assert dag.start_date == START.replace(tzinfo=UTC)
    assert dag.params == {"a": 1, "b": 2}


def test_operator_defaults() -> None:
    with DAG("defaults2", start_date=START):
        task = EmptyOperator(task_id="t")
    assert task.owner == "tradewind"
    assert task.retries == 0
    assert task.retry_delay == timedelta(seconds=300)
    assert task.pool == "default_pool"
    assert task.queue == "default"
    assert task.trigger_rule == "all_success"
    assert task.weight_rule == "downstream"
    assert task.start_date == START.replace(tzinfo=UTC)


def test_fileloc_is_the_file_that_created_the_dag() -> None:
    dag = DAG("where", start_date=START)
    assert dag.fileloc == __file__


def test_schedule_arguments() -> None:
    assert isinstance(DAG("a", schedule="@daily", start_date=START).timetable, CronTimetable)
    assert DAG("b", schedule_interval="0 5 * * *").schedule == "0 5 * * *"
    assert isinstance(DAG("c", schedule=None).timetable, NullTimetable)
    assert isinstance(DAG("d", schedule=timedelta(hours=2)).timetable, DeltaTimetable)
    # Airflow 2's default when no schedule is given.
    assert DAG("e").schedule == timedelta(days=1)
    with pytest.raises(DagDefinitionError, match="both schedule and schedule_interval"):
        DAG("f", schedule="@daily", schedule_interval="@daily")


def test_bad_cron_names_dag_and_value() -> None:
    with pytest.raises(DagDefinitionError, match=r"'not a cron'.*DAG 'badcron'"):
        DAG("badcron", schedule="not a cron")


def test_dates_are_coerced_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    dag = DAG("tz", start_date=datetime(2024, 1, 1, 2, tzinfo=plus_two), end_date=START)
    assert dag.start_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert dag.end_date == datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "x" * 251, "", "slash/id"])
def test_invalid_dag_id(bad: str) -> None:
    with pytest.raises(DagDefinitionError, match="dag_id"):
        DAG(bad)


def test_invalid_task_id_names_task_and_dag() -> None:
    with (
        DAG("ids", start_date=START),
        pytest.raises(DagDefinitionError, match=r"task_id 'bad id'.*DAG 'ids'"),
    ):
        EmptyOperator(task_id="bad id")


def test_duplicate_task_id_names_dag_and_task() -> None:
    with (
        DAG("dups", start_date=START),
        pytest.raises(DuplicateTaskIdError, match=r"'t'.*DAG 'dups'"),
    ):
        EmptyOperator(task_id="t")
        EmptyOperator(task_id="t")


def test_error_message_includes_fileloc() -> None:
    with DAG("dups2", start_date=START), pytest.raises(DuplicateTaskIdError) as info:
        EmptyOperator(task_id="t")
        EmptyOperator(task_id="t")
    assert __file__ in str(info.value)


def test_unknown_trigger_rule_lists_valid_rules() -> None:
    with (
        DAG("rules", start_date=START),
        pytest.raises(DagDefinitionError, match=r"'sometimes'.*task 't'.*DAG 'rules'.*all_done"),
    ):
        EmptyOperator(task_id="t", trigger_rule="sometimes")


def test_unknown_operator_argument() -> None:
    with (
        DAG("args", start_date=START),
        pytest.raises(DagDefinitionError, match=r"EmptyOperator.*'t'.*\['colour'\]"),
    ):
        EmptyOperator(task_id="t", colour="red")


def test_positional_arguments_are_rejected() -> None:
    with pytest.raises(DagDefinitionError, match="keyword arguments only"):
        BashOperator("echo hi", task_id="t")  # type: ignore[misc]


def test_cycle_is_reported_with_dag_and_tasks() -> None:
    with DAG("cyclic", start_date=START) as dag:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        c = EmptyOperator(task_id="c")
        a >> b >> c >> a
    with pytest.raises(DagCycleError, match=r"DAG 'cyclic'.*'a' -> 'b' -> 'c' -> 'a'"):
        dag.topological_sort()
    with pytest.raises(DagCycleError):
        dag.validate()


def test_self_dependency_is_a_cycle() -> None:
    with DAG("selfloop", start_date=START) as dag:
        a = EmptyOperator(task_id="a")
        a >> a
    with pytest.raises(DagCycleError, match="'a' -> 'a'"):
        dag.validate()


def test_topological_sort_roots_and_leaves() -> None:
    with DAG("topo", start_date=START) as dag:
        d = EmptyOperator(task_id="d")
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        c = EmptyOperator(task_id="c")
        a >> [b, c]
        [b, c] >> d
    order = [t.task_id for t in dag.topological_sort()]
    assert order == ["a", "b", "c", "d"]
    assert [t.task_id for t in dag.roots] == ["a"]
    assert [t.task_id for t in dag.leaves] == ["d"]


def test_get_unknown_task() -> None:
    dag = DAG("unknown", start_date=START)
    with pytest.raises(TaskNotFound, match=r"'nope'.*DAG 'unknown'"):
        dag.get_task("nope")


def test_scheduled_dag_without_start_date_fails_validation() -> None:
    with DAG("nostart", schedule="@daily") as dag:
        EmptyOperator(task_id="t")
    with pytest.raises(DagDefinitionError, match=r"DAG 'nostart'.*no start_date"):
        dag.validate()
    DAG("manual", schedule=None).validate()


def test_task_start_date_counts_as_dag_start() -> None:
    with DAG("taskstart", schedule="@daily") as dag:
        EmptyOperator(task_id="t", start_date=START)
    dag.validate()
    assert dag.effective_start_date == START.replace(tzinfo=UTC)


def test_max_active_defaults_are_none() -> None:
    dag = DAG("limits")
    assert dag.max_active_runs is None and dag.max_active_tasks is None
    assert dag.catchup is None  # [scheduler] catchup_by_default decides, at sync time
    assert DAG("legacy", concurrency=4).max_active_tasks == 4


@pytest.mark.parametrize(
    ("old", "new"), [("dummy", "always"), ("none_failed_or_skipped", "none_failed_min_one_success")]
)
def test_airflows_old_trigger_rule_names_become_the_renamed_rules(old: str, new: str) -> None:
    with DAG("old_rules", start_date=START), pytest.warns(DeprecationWarning, match=new):
        task = EmptyOperator(task_id="t", trigger_rule=old)
    assert task.trigger_rule == new
    assert TriggerRule[old.upper()] == new
