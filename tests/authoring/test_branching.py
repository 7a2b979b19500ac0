"""Branching and short-circuiting decided without a run: which tasks a branch skips, the
day-of-week, datetime and latest-only choices, and the TaskFlow forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.context import build_template_context
from tradewind.authoring.dag import DAG
from tradewind.authoring.operators.datetime_branch import BranchDateTimeOperator, window_around
from tradewind.authoring.operators.empty import EmptyOperator
from tradewind.authoring.operators.latest_only import LatestOnlyOperator
from tradewind.authoring.skipping import decide_branch, short_circuit_skips
from tradewind.authoring.taskflow import task
from tradewind.authoring.weekday import WeekDay
from tradewind.exceptions import AirflowException, DagDefinitionError, TaskSkipped
from tradewind.operators.branch import BaseBranchOperator, BranchPythonOperator
from tradewind.operators.python import ShortCircuitOperator
from tradewind.operators.weekday import BranchDayOfWeekOperator

START = datetime(2024, 1, 1, tzinfo=UTC)
TUESDAY = datetime(2024, 3, 5, tzinfo=UTC)


class SkipRecorder:
    """The runner's task instance as far as skipping goes: remembers what it was asked."""

    def __init__(self) -> None:
        self.skipped: list[str] = []
        self.xcoms: dict[str, Any] = {}

    def skip_tasks(self, task_ids: Iterable[str]) -> None:
        self.skipped.extend(task_ids)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", **_: Any) -> Any:
        return None


def run(
    op: BaseOperator,
    *,
    logical_date: datetime = TUESDAY,
    interval_end: datetime | None = None,
    run_type: str = "scheduled",
) -> tuple[Any, list[str]]:
    """Execute ``op`` as the runner would; (its return value, the tasks it skipped)."""
    ti = SkipRecorder()
    end = interval_end or logical_date + timedelta(days=1)
    dag_run = type(
        "Run",
        (),
        {
            "run_type": run_type,
            "external_trigger": run_type == "manual",
            "conf": {},
            "logical_date": logical_date,
            "data_interval_start": logical_date,
            "data_interval_end": end,
        },
    )()
    context = build_template_context(
        dag=op.dag,
        task=op,
        run_id="r",
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=end,
        conf=None,
        ti=ti,
        dag_run=dag_run,
    )
    op.render_template_fields(context)
    return op.execute(context), sorted(ti.skipped)


def diamond(dag_id: str) -> dict[str, BaseOperator]:
    """branch >> [a, b, c]; a >> a2; [a2, b, c] >> join; branch >> join (an empty branch)."""
    with DAG(dag_id, start_date=START, schedule=None):
        tasks = {tid: EmptyOperator(task_id=tid) for tid in ("branch", "a", "a2", "b", "c")}
        tasks["join"] = EmptyOperator(task_id="join")
        tasks["branch"] >> [tasks["a"], tasks["b"], tasks["c"], tasks["join"]]
        tasks["a"] >> tasks["a2"] >> tasks["join"]
        [tasks["b"], tasks["c"]] >> tasks["join"]
    return tasks


# --- the pure decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "followed", "skipped"),
    [
        ("a", ["a", "join"], ["b", "c"]),  # join lies below a: not skipped, its rule decides
        (["b", "c"], ["b", "c", "join"], ["a"]),
        ({"c"}, ["c", "join"], ["a", "b"]),
        (None, [], ["a", "b", "c", "join"]),
        ([], [], ["a", "b", "c", "join"]),
        ("join", ["join"], ["a", "b", "c"]),
        ("a2", ["join"], ["a", "b", "c"]),  # not direct downstream: accepted, as in Airflow
    ],
)
def test_a_branch_follows_what_was_chosen_and_what_lies_below_it(
    chosen: Any, followed: list[str], skipped: list[str]
) -> None:
    decision = decide_branch(diamond("d")["branch"], chosen)
    assert (decision.followed, decision.skipped) == (followed, skipped)


def test_a_branch_into_a_task_the_dag_lacks_names_it() -> None:
    with pytest.raises(AirflowException) as caught:
        decide_branch(diamond("d")["branch"], ["a", "nope", "missing"])
    message = str(caught.value)
    assert "'branch_task_ids' must contain only valid task_ids" in message
    assert "['missing', 'nope']" in message
    assert "'branch'" in message and "['a', 'b', 'c', 'join']" in message


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (5, "must be either None, a task ID, or an Iterable of IDs, but got 'int'"),
        (["a", 3], "expected all task IDs are strings. Invalid tasks found: ['3 (int)']"),
    ],
)
def test_a_branch_returning_something_else_than_ids_is_an_error(chosen: Any, expected: str) -> None:
    with pytest.raises(AirflowException, match=re.escape(expected)):
        decide_branch(diamond("d")["branch"], chosen)


def test_short_circuit_skips_everything_below_or_only_direct_downstream() -> None:
    tasks = diamond("d")
    assert short_circuit_skips(tasks["branch"], ignore_downstream_trigger_rules=True) == [
        "a",
        "a2",
        "b",
        "c",
        "join",
    ]
    assert short_circuit_skips(tasks["branch"], ignore_downstream_trigger_rules=False) == [
        "a",
        "b",
        "c",
        "join",
    ]


# --- operators, run as the runner runs them -------------------------------------------------


def test_branch_python_operator_skips_the_other_direct_downstream_tasks() -> None:
    with DAG("bpo", start_date=START, schedule=None):
        pick = BranchPythonOperator(
            task_id="pick", python_callable=lambda ds: "weekday" if ds == "2024-03-05" else "x"
        )
        pick >> [EmptyOperator(task_id="weekday"), EmptyOperator(task_id="x")]
    assert run(pick) == ("weekday", ["x"])


def test_a_branch_returns_a_set_as_a_list_for_xcom() -> None:
    with DAG("bset", start_date=START, schedule=None):
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: {"a"})
        pick >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    assert run(pick) == (["a"], ["b"])


def test_base_branch_operator_subclass_chooses() -> None:
    class EvenDay(BaseBranchOperator):
        def choose_branch(self, context: Any) -> list[str]:
            return ["even"] if context["logical_date"].day % 2 == 0 else ["odd"]

    class Forgetful(BaseBranchOperator):
        pass

    with DAG("bbo", start_date=START, schedule=None):
        pick = EvenDay(task_id="pick")
        forgot = Forgetful(task_id="forgot")
        pick >> [EmptyOperator(task_id="even"), EmptyOperator(task_id="odd")]
    assert run(pick, logical_date=datetime(2024, 3, 6, tzinfo=UTC)) == (["even"], ["odd"])
    with pytest.raises(NotImplementedError, match=r"Forgetful .*'forgot'.* choose_branch"):
        run(forgot)


@pytest.mark.parametrize(
    ("condition", "ignore", "skipped"),
    [
        (True, True, []),
        ("non-empty", True, []),
        (False, True, ["a", "b"]),
        (0, False, ["a"]),
    ],
)
def test_short_circuit_operator(condition: Any, ignore: bool, skipped: list[str]) -> None:
    with DAG("sc", start_date=START, schedule=None):
        check = ShortCircuitOperator(
            task_id="check",
            python_callable=lambda: condition,
            ignore_downstream_trigger_rules=ignore,
        )
        check >> EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    assert run(check) == (condition, skipped)


def test_day_of_week_branch_by_name_enum_or_several() -> None:
    with DAG("dow", start_date=START, schedule=None):
        by_name = BranchDayOfWeekOperator(
            task_id="by_name",
            follow_task_ids_if_true="yes",
            follow_task_ids_if_false="no",
            week_day="tuesday",
            use_task_logical_date=True,
        )
        by_enum = BranchDayOfWeekOperator(
            task_id="by_enum",
            follow_task_ids_if_true="yes",
            follow_task_ids_if_false="no",
            week_day={WeekDay.SATURDAY, WeekDay.SUNDAY},
            use_task_logical_date=True,
        )
        yes, no = EmptyOperator(task_id="yes"), EmptyOperator(task_id="no")
        by_name >> [yes, no]
        by_enum >> [yes, no]
    assert run(by_name) == ("yes", ["no"])
    assert run(by_enum) == ("no", ["yes"])
    assert run(by_enum, logical_date=datetime(2024, 3, 10, tzinfo=UTC)) == ("yes", ["no"])


def test_day_of_week_names_a_bad_day_at_parse_time() -> None:
    with (
        DAG("dowbad", start_date=START, schedule=None),
        pytest.raises(DagDefinitionError, match=r"'pick'.*Invalid Week Day passed: \"Funday\""),
    ):
        BranchDayOfWeekOperator(
            task_id="pick",
            follow_task_ids_if_true="a",
            follow_task_ids_if_false="b",
            week_day="Funday",
        )
    assert WeekDay.validate_week_day(["Monday", WeekDay.FRIDAY]) == {1, 5}
    with pytest.raises(TypeError, match="Unsupported Type for week_day parameter: int"):
        WeekDay.validate_week_day(3)


@pytest.mark.parametrize(
    ("lower", "upper", "at", "inside"),
    [
        (time(9), time(17), datetime(2024, 3, 5, 12, tzinfo=UTC), True),
        (time(9), time(17), datetime(2024, 3, 5, 18, tzinfo=UTC), False),
        (time(22), time(2), datetime(2024, 3, 5, 23, tzinfo=UTC), True),  # spans midnight
        (None, time(6), datetime(2024, 3, 5, 7, tzinfo=UTC), False),
        (datetime(2024, 3, 1), None, datetime(2024, 3, 5, tzinfo=UTC), True),
        (datetime(2024, 3, 6), datetime(2024, 3, 7), datetime(2024, 3, 5, tzinfo=UTC), False),
    ],
)
def test_datetime_branch_window(lower: Any, upper: Any, at: datetime, inside: bool) -> None:
    with DAG("dt", start_date=START, schedule=None):
        pick = BranchDateTimeOperator(
            task_id="pick",
            follow_task_ids_if_true="in",
            follow_task_ids_if_false="out",
            target_lower=lower,
            target_upper=upper,
            use_task_logical_date=True,
        )
        pick >> [EmptyOperator(task_id="in"), EmptyOperator(task_id="out")]
    chosen, skipped = run(pick, logical_date=at)
    assert (chosen, skipped) == (("in", ["out"]) if inside else ("out", ["in"]))


def test_datetime_branch_needs_a_bound() -> None:
    with (
        DAG("dtbad", start_date=START, schedule=None),
        pytest.raises(DagDefinitionError, match="Both target_upper and target_lower of task 'p'"),
    ):
        BranchDateTimeOperator(
            task_id="p",
            follow_task_ids_if_true="a",
            follow_task_ids_if_false="b",
            target_lower=None,
            target_upper=None,
        )
    low, high = window_around(TUESDAY, time(23), time(1))
    assert high is not None and low is not None and high - low == timedelta(hours=2)


def test_latest_only_goes_on_for_the_newest_interval_and_manual_runs() -> None:
    with DAG("latest", start_date=START, schedule="@daily") as dag:
        latest = LatestOnlyOperator(task_id="latest")
        latest >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    assert dag.timetable is not None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    newest = today - timedelta(days=1)  # its interval ended at midnight; the next one is on
    assert run(latest, logical_date=newest) == (["a", "b"], [])
    old = today - timedelta(days=5)
    assert run(latest, logical_date=old) == ([], ["a", "b"])
    assert run(latest, logical_date=old, run_type="manual") == (["a", "b"], [])


def test_latest_only_goes_on_when_the_schedule_has_no_next_run() -> None:
    with DAG("latest_none", start_date=START, schedule=None):
        latest = LatestOnlyOperator(task_id="latest")
        latest >> EmptyOperator(task_id="a")
    assert run(latest, logical_date=START) == (["a"], [])


# --- TaskFlow ---------------------------------------------------------------------------------


def test_task_branch_and_short_circuit_decorators() -> None:
    with DAG("tf", start_date=START, schedule=None) as dag:

        @task.branch
        def pick(n: int) -> str:
            return "big" if n > 5 else "small"

        @task.short_circuit(ignore_downstream_trigger_rules=False)
        def go_on() -> bool:
            return False

        chooser = pick(9)
        chooser >> [EmptyOperator(task_id="big"), EmptyOperator(task_id="small")]
        gate = go_on()
        gate >> EmptyOperator(task_id="after") >> EmptyOperator(task_id="later")
    assert run(dag.get_task("pick")) == ("big", ["small"])
    assert run(dag.get_task("go_on")) == (False, ["after"])
    assert type(dag.get_task("pick")).custom_operator_name == "@task.branch"


def test_task_bash_runs_the_returned_command(capsys: pytest.CaptureFixture[str]) -> None:
    with DAG("tfbash", start_date=START, schedule=None) as dag:

        @task.bash(env={"WHO": "world"})
        def hello(greeting: str) -> str:
            return f"echo {greeting} $WHO on {{{{ ds }}}}"

        @task.bash
        def nothing() -> str:
            return "  "

        @task.bash
        def skipper() -> str:
            return "exit 99"

        hello("hi")
        nothing()
        skipper()
    assert run(dag.get_task("hello"))[0] == "hi world on 2024-03-05"
    assert "hi world on 2024-03-05" in capsys.readouterr().out
    with pytest.raises(TypeError, match=r"@task\.bash task 'nothing' must return a non-empty"):
        run(dag.get_task("nothing"))
    with pytest.raises(TaskSkipped):
        run(dag.get_task("skipper"))


def test_task_decorators_are_reachable_from_the_public_modules() -> None:
    from tradewind.decorators import task as public_task

    factories: list[Callable[..., Any]] = [
        public_task.branch,
        public_task.short_circuit,
        public_task.bash,
    ]
    assert all(callable(f) for f in factories)
    with pytest.raises(DagDefinitionError, match=r"@task.branch must decorate a function"):
        public_task.branch(42)


def test_the_old_logical_date_switches_warn_and_still_work() -> None:
    with DAG("old", start_date=START, schedule=None):
        with pytest.warns(DeprecationWarning, match="use_task_execution_day of task 'dow'"):
            dow = BranchDayOfWeekOperator(
                task_id="dow",
                follow_task_ids_if_true="yes",
                follow_task_ids_if_false="no",
                week_day="Tuesday",
                use_task_execution_day=True,
            )
        with pytest.warns(DeprecationWarning, match="use_task_execution_date of task 'dt'"):
            dt = BranchDateTimeOperator(
                task_id="dt",
                follow_task_ids_if_true="yes",
                follow_task_ids_if_false="no",
                target_lower=datetime(2024, 3, 1),
                target_upper=datetime(2024, 3, 9),
                use_task_execution_date=True,
            )
        dow >> [EmptyOperator(task_id="yes"), EmptyOperator(task_id="no")]
        dt >> [dow.downstream_list[0], dow.downstream_list[1]]
    assert run(dow) == ("yes", ["no"])
    assert run(dt) == ("yes", ["no"])


def test_a_branch_into_a_task_group_follows_the_group_roots() -> None:
    """Runs once task groups are in (``tradewind.authoring.task_group``), skipped before."""
    task_group = pytest.importorskip("tradewind.authoring.task_group")
    with DAG("groups", start_date=START, schedule=None):
        pick = EmptyOperator(task_id="pick")
        with task_group.TaskGroup("grp") as grp:
            EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
        pick >> [grp, EmptyOperator(task_id="other")]
    decision = decide_branch(pick, "grp")
    assert (decision.followed, decision.skipped) == (["grp.first"], ["other"])
