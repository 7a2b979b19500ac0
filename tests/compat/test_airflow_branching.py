"""Airflow's branching and skipping names under compat: every path serves Tradewind's
object, and an Airflow-syntax DAG that branches, short-circuits and runs only for the latest
interval runs under a real scheduler (SQLite and PostgreSQL) as it would under Airflow."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401 (a fixture)
from tests.scheduling.harness import Harness
from tradewind import compat
from tradewind.authoring.operators.branch import BaseBranchOperator, BranchPythonOperator
from tradewind.authoring.operators.datetime_branch import BranchDateTimeOperator
from tradewind.authoring.operators.latest_only import LatestOnlyOperator
from tradewind.authoring.operators.short_circuit import ShortCircuitOperator
from tradewind.authoring.operators.weekday import BranchDayOfWeekOperator
from tradewind.authoring.taskflow import task
from tradewind.authoring.weekday import WeekDay
from tradewind.config import Config

SERVED = {
    "BranchPythonOperator": BranchPythonOperator,
    "ShortCircuitOperator": ShortCircuitOperator,
    "BaseBranchOperator": BaseBranchOperator,
    "LatestOnlyOperator": LatestOnlyOperator,
    "BranchDateTimeOperator": BranchDateTimeOperator,
    "BranchDayOfWeekOperator": BranchDayOfWeekOperator,
    "WeekDay": WeekDay,
}

PATHS = {
    "airflow.operators.python": ["BranchPythonOperator", "ShortCircuitOperator"],
    "airflow.operators.python_operator": ["BranchPythonOperator", "ShortCircuitOperator"],
    "airflow.operators.branch": ["BaseBranchOperator"],
    "airflow.operators.branch_operator": ["BaseBranchOperator"],
    "airflow.operators.latest_only": ["LatestOnlyOperator"],
    "airflow.operators.latest_only_operator": ["LatestOnlyOperator"],
    "airflow.operators.datetime": ["BranchDateTimeOperator"],
    "airflow.operators.weekday": ["BranchDayOfWeekOperator"],
    "airflow.utils.weekday": ["WeekDay"],
    "airflow.providers.standard.operators.python": [
        "BranchPythonOperator",
        "ShortCircuitOperator",
    ],
    "airflow.providers.standard.operators.branch": ["BaseBranchOperator"],
    "airflow.providers.standard.operators.latest_only": ["LatestOnlyOperator"],
    "airflow.providers.standard.operators.datetime": ["BranchDateTimeOperator"],
    "airflow.providers.standard.operators.weekday": ["BranchDayOfWeekOperator"],
    "airflow.providers.standard.utils.weekday": ["WeekDay"],
}


@pytest.fixture
def compat_on(config: Config) -> Iterator[Config]:
    on = config.with_overrides({("core", "airflow_compat"): "True"})
    compat.install(on)
    try:
        yield on
    finally:
        compat.uninstall()


def test_every_branching_path_serves_the_tradewind_object(compat_on: Config) -> None:
    for path, names in PATHS.items():
        module = importlib.import_module(path)
        for name in names:
            assert getattr(module, name) is SERVED[name], (path, name)
    for path in ("airflow.decorators", "airflow.sdk"):
        served = importlib.import_module(path).task
        assert served is task
        assert callable(served.branch) and callable(served.short_circuit)
        assert callable(served.bash)


AIRFLOW_BRANCHING_DAG = """
from datetime import time

from airflow import DAG
from airflow.decorators import task
from airflow.exceptions import AirflowSkipException
from airflow.operators.branch import BaseBranchOperator
from airflow.operators.datetime import BranchDateTimeOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.weekday import BranchDayOfWeekOperator
from airflow.utils.dates import days_ago
from airflow.utils.trigger_rule import TriggerRule
from airflow.utils.weekday import WeekDay


class OddOrEven(BaseBranchOperator):
    def choose_branch(self, context):
        return "even_day" if context["logical_date"].day % 2 == 0 else "odd_day"


@task.branch
def route(ds=None):
    return ["fast"] if ds else ["slow"]


@task.short_circuit
def worth_it():
    return "yes"


@task
def nothing_to_do():
    raise AirflowSkipException("no new files")


@task.bash
def stamp(ds=None):
    return "echo stamped " + ds + " {{ dag.dag_id }}"


with DAG(
    "airflow_branching",
    start_date=days_ago(3),
    schedule_interval="@daily",
    catchup=True,
    max_active_runs=3,
) as dag:
    latest = LatestOnlyOperator(task_id="latest_only")
    latest >> EmptyOperator(task_id="publish")

    weekend = BranchDayOfWeekOperator(
        task_id="weekend",
        week_day={WeekDay.SATURDAY, WeekDay.SUNDAY},
        follow_task_ids_if_true="rest",
        follow_task_ids_if_false="work",
        use_task_logical_date=True,
    )
    weekend >> [EmptyOperator(task_id="rest"), EmptyOperator(task_id="work")]

    window = BranchDateTimeOperator(
        task_id="window",
        target_lower=time(0, 0),
        target_upper=time(6, 0),
        follow_task_ids_if_true="early",
        follow_task_ids_if_false="late",
        use_task_logical_date=True,
    )
    window >> [EmptyOperator(task_id="early"), EmptyOperator(task_id="late")]

    parity = OddOrEven(task_id="parity")
    parity >> [EmptyOperator(task_id="even_day"), EmptyOperator(task_id="odd_day")]

    fast, slow = EmptyOperator(task_id="fast"), EmptyOperator(task_id="slow")
    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    route() >> [fast, slow] >> join
    worth_it() >> stamp()
    nothing_to_do() >> EmptyOperator(task_id="after_skip", trigger_rule=TriggerRule.NONE_FAILED)
"""


def expected_states(logical_date: datetime, newest: bool) -> dict[str, str]:
    weekend = logical_date.isoweekday() >= 6
    even = logical_date.day % 2 == 0
    ok, skipped = "success", "skipped"
    return {
        "latest_only": ok,
        "publish": ok if newest else skipped,
        "weekend": ok,
        "rest": ok if weekend else skipped,
        "work": skipped if weekend else ok,
        "window": ok,
        "early": ok,  # a scheduled daily run's logical date is midnight
        "late": skipped,
        "parity": ok,
        "even_day": ok if even else skipped,
        "odd_day": skipped if even else ok,
        "route": ok,
        "fast": ok,
        "slow": skipped,
        "join": ok,
        "worth_it": ok,
        "stamp": ok,
        "nothing_to_do": skipped,
        "after_skip": ok,
    }


@pytest.mark.slow
def test_an_airflow_dag_that_branches_runs_under_a_scheduler(
    compat_harness: Harness,  # noqa: F811 (the fixture imported above)
) -> None:
    h = compat_harness
    h.add_dag("airflow_branching", AIRFLOW_BRANCHING_DAG)
    h.sync()
    h.start()
    h.wait_for(
        lambda: (
            len(h.runs("airflow_branching")) == 3
            and all(r.state in ("success", "failed") for r in h.runs("airflow_branching"))
        ),
        timeout=120,
        what="three caught-up runs to finish",
    )
    runs = h.runs("airflow_branching")
    for index, run in enumerate(runs):
        newest = index == len(runs) - 1
        logical_date = run.execution_date.astimezone(UTC)
        assert run.state == "success", (run.run_id, h.states("airflow_branching", run.run_id))
        assert h.states("airflow_branching", run.run_id) == expected_states(logical_date, newest), (
            run.run_id
        )
    newest_run = runs[-1]
    ds = newest_run.execution_date.astimezone(UTC).strftime("%Y-%m-%d")
    assert f"stamped {ds} airflow_branching" in h.try_log(
        "airflow_branching", newest_run.run_id, "stamp"
    )
