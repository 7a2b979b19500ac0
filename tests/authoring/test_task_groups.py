"""Task groups at definition time: ids, dependencies, default_args, nesting and errors."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import pytest

from tradewind import DAG, TaskGroup
from tradewind.authoring.dependencies import chain, cross_downstream
from tradewind.authoring.operators import EmptyOperator
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.decorators import task, task_group
from tradewind.exceptions import DagDefinitionError, DuplicateTaskIdError

START = datetime(2024, 1, 1)


def _ups(dag: DAG, task_id: str) -> set[str]:
    return dag.get_task(task_id).upstream_task_ids


def test_task_ids_are_prefixed_by_every_enclosing_group() -> None:
    with DAG("ids", start_date=START) as dag:
        EmptyOperator(task_id="start")
        with TaskGroup("outer") as outer:
            EmptyOperator(task_id="a")
            with TaskGroup("inner") as inner:
                b = EmptyOperator(task_id="b")
    assert dag.task_ids == ["start", "outer.a", "outer.inner.b"]
    assert inner.group_id == "outer.inner" and inner.label == "inner"
    assert b.label == "b" and b.task_group is inner
    assert outer.get_child_by_label("inner") is inner and inner.get_child_by_label("b") is b
    assert [t.task_id for t in outer] == ["outer.a", "outer.inner.b"]
    assert dag.get_task("start").task_group is dag.task_group


def test_prefix_group_id_false_keeps_ids_as_written() -> None:
    with DAG("noprefix", start_date=START) as dag, TaskGroup("g", prefix_group_id=False):
        EmptyOperator(task_id="a")
        with TaskGroup("inner"):
            EmptyOperator(task_id="b")
    assert dag.task_ids == ["a", "inner.b"]


def test_group_passed_as_task_group_argument() -> None:
    with DAG("passed", start_date=START) as dag:
        group = TaskGroup("g", tooltip="a tip", ui_color="#abcdef", ui_fgcolor="#fff")
    EmptyOperator(task_id="a", task_group=group)  # the group brings its DAG
    assert dag.task_ids == ["g.a"]
    assert (group.tooltip, group.ui_color, group.ui_fgcolor) == ("a tip", "#abcdef", "#fff")


def test_group_given_its_dag_works_outside_the_dags_with_block() -> None:
    @task
    def step() -> int:
        return 1

    dag = DAG("explicit", start_date=START, default_args={"retries": 4})
    with TaskGroup("g", dag=dag, default_args={"queue": "q"}):
        plain = EmptyOperator(task_id="plain")
        step()
        step()
    assert dag.task_ids == ["g.plain", "g.step", "g.step__1"]
    assert (plain.retries, plain.queue) == (4, "q")


def test_group_to_group_links_leaves_to_roots() -> None:
    with DAG("g2g", start_date=START) as dag:
        with TaskGroup("g1") as g1:
            a1, a2, a3 = (EmptyOperator(task_id=i) for i in ("a1", "a2", "a3"))
            a1 >> [a2, a3]
        with TaskGroup("g2") as g2:
            b1, b2 = EmptyOperator(task_id="b1"), EmptyOperator(task_id="b2")
            b1 >> b2
        assert (g1 >> g2) is g2
    assert _ups(dag, "g2.b1") == {"g1.a2", "g1.a3"}
    assert _ups(dag, "g2.b2") == {"g2.b1"}
    assert _ups(dag, "g1.a1") == set()


def test_group_and_task_in_both_directions_and_lists() -> None:
    with DAG("mixed", start_date=START) as dag:
        start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
        other = EmptyOperator(task_id="other")
        with TaskGroup("g") as g:
            a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
            a >> b
        start >> g >> end
        g << other
        [g, other] >> EmptyOperator(task_id="after")
    assert _ups(dag, "g.a") == {"start", "other"}
    assert _ups(dag, "end") == {"g.b"}
    assert _ups(dag, "after") == {"g.b", "other"}


def test_chain_and_cross_downstream_with_groups() -> None:
    with DAG("chained", start_date=START) as dag:
        start = EmptyOperator(task_id="start")
        groups = []
        for name in ("g1", "g2"):
            with TaskGroup(name) as group:
                EmptyOperator(task_id="x") >> EmptyOperator(task_id="y")
            groups.append(group)
        end = EmptyOperator(task_id="end")
        chain(start, groups[0], groups[1], end)
        z1, z2 = EmptyOperator(task_id="z1"), EmptyOperator(task_id="z2")
        cross_downstream([groups[0], groups[1]], [z1, z2])
    assert _ups(dag, "g1.x") == {"start"}
    assert _ups(dag, "g2.x") == {"g1.y"}
    assert _ups(dag, "end") == {"g2.y"}
    assert _ups(dag, "z1") == _ups(dag, "z2") == {"g1.y", "g2.y"}


def test_group_default_args_merge_over_the_dags() -> None:
    dag_defaults = {"retries": 1, "owner": "dag-owner", "retry_delay": timedelta(seconds=5)}
    with DAG("defaults", start_date=START, default_args=dag_defaults) as dag:
        with TaskGroup("g", default_args={"retries": 3, "queue": "fast"}):
            EmptyOperator(task_id="a")
            EmptyOperator(task_id="b", retries=7)
            EmptyOperator(task_id="c", default_args={"queue": "slow"})
            with TaskGroup("inner", default_args={"owner": "inner-owner"}):
                EmptyOperator(task_id="d")
        EmptyOperator(task_id="outside")
    a, b, c, d = (dag.get_task(i) for i in ("g.a", "g.b", "g.c", "g.inner.d"))
    assert (a.retries, a.owner, a.queue, a.retry_delay) == (
        3,
        "dag-owner",
        "fast",
        timedelta(seconds=5),
    )
    assert b.retries == 7
    assert c.queue == "slow" and c.retries == 3
    assert (d.retries, d.owner, d.queue) == (3, "inner-owner", "fast")
    assert dag.get_task("outside").retries == 1 and dag.get_task("outside").queue == "default"


def test_taskflow_tasks_in_groups_get_prefixed_unique_ids() -> None:
    @task
    def step(value: int) -> int:
        return value

    with DAG("flow", start_date=START) as dag:
        first = step(1)
        with TaskGroup("g"):
            inside = step(first)
            step(inside)
    assert dag.task_ids == ["step", "g.step", "g.step__1"]
    assert _ups(dag, "g.step") == {"step"} and _ups(dag, "g.step__1") == {"g.step"}


def test_task_group_decorator_returns_its_result_or_the_group() -> None:
    @task
    def extract() -> int:
        return 1

    @task
    def load(value: int) -> None:
        return None

    @task_group
    def etl(value: int) -> object:
        """Extract then load."""
        return load(value)

    @task_group(group_id="side")
    def side_work() -> None:
        EmptyOperator(task_id="x")

    with DAG("decorated", start_date=START) as dag:
        start = extract()
        first = etl(start)
        second = etl(start)
        start >> side_work() >> EmptyOperator(task_id="end")
        first >> second
    assert dag.task_ids == ["extract", "etl.load", "etl__1.load", "side.x", "end"]
    assert _ups(dag, "etl__1.load") == {"extract", "etl.load"}
    assert _ups(dag, "side.x") == {"extract"} and _ups(dag, "end") == {"side.x"}
    groups = {g.group_id: g for g in dag.task_group.iter_groups()}
    assert groups["etl"].tooltip == "Extract then load."


def test_duplicate_group_ids_fail_unless_suffixed() -> None:
    with DAG("dupes", start_date=START):
        TaskGroup("g")
        with pytest.raises(DuplicateTaskIdError, match="group_id 'g' has already been added"):
            TaskGroup("g")
        assert TaskGroup("g", add_suffix_on_collision=True).group_id == "g__1"
        assert TaskGroup("g", add_suffix_on_collision=True).group_id == "g__2"
        EmptyOperator(task_id="t")
        with pytest.raises(DuplicateTaskIdError, match="'t'"):
            TaskGroup("t")


def test_task_named_like_a_group_is_refused() -> None:
    with DAG("clash", start_date=START), TaskGroup("g", prefix_group_id=False):
        TaskGroup("inner")
        with pytest.raises(DuplicateTaskIdError, match="already the id of a task group"):
            EmptyOperator(task_id="inner")


@pytest.mark.parametrize("bad", ["has.dot", "has space", "", "ünï", "x" * 201])
def test_invalid_group_ids_are_refused(bad: str) -> None:
    with DAG("invalid", start_date=START), pytest.raises(DagDefinitionError, match="group_id"):
        TaskGroup(bad)


def test_tooltip_and_colours_must_be_strings() -> None:
    with DAG("colours", start_date=START), pytest.raises(DagDefinitionError, match="ui_color"):
        TaskGroup("g", ui_color=(255, 0, 0))  # type: ignore[arg-type]


def test_group_outside_a_dag_is_refused() -> None:
    with pytest.raises(DagDefinitionError, match="not in a DAG"):
        TaskGroup("lonely")


def test_empty_group_in_a_dependency_warns() -> None:
    with DAG("empty", start_date=START):
        start = EmptyOperator(task_id="start")
        group = TaskGroup("g")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start >> group
    assert any("has no tasks yet" in str(w.message) for w in caught)


def test_unknown_task_group_decorator_argument_is_refused() -> None:
    with pytest.raises(DagDefinitionError, match="unknown arguments"):

        @task_group(colour="red")
        def misspelt() -> None:
            return None


def test_serialized_dag_carries_the_group_tree() -> None:
    with DAG("tree", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="start")
        with TaskGroup("outer", tooltip="Outer", ui_color="#123456", ui_fgcolor="#fff"):
            EmptyOperator(task_id="a")
            with TaskGroup("inner"):
                EmptyOperator(task_id="b")
    data = serialize_dag(dag)
    rebuilt = SerializedDAG.from_dict(data)
    tree = rebuilt.task_groups
    assert list(tree.groups) == ["outer", "outer.inner"]
    outer = tree.groups["outer"]
    assert (outer.tooltip, outer.ui_color, outer.ui_fgcolor) == ("Outer", "#123456", "#fff")
    assert outer.task_ids == ("outer.a",) and tree.groups["outer.inner"].parent_group_id == "outer"
    assert tree.member_task_ids("outer") == ["outer.a", "outer.inner.b"]
    assert tree.task_ancestors("outer.inner.b") == ["outer", "outer.inner"]
    assert tree.group_of("start") is None
    assert rebuilt.to_dict()["task_groups"] == data["task_groups"]  # round trip


def test_dag_without_groups_serializes_as_before() -> None:
    with DAG("flat", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="a")
    assert "task_groups" not in serialize_dag(dag)


def test_a_mapped_group_maps_every_task_inside_and_follows_its_input() -> None:
    @task
    def make() -> list[int]:
        return [1, 2]

    @task
    def double(x: int) -> int:
        return x * 2

    @task
    def show(value: int, unit: str) -> str:
        return f"{value}{unit}"

    @task_group
    def per_item(x: int, unit: str) -> object:
        EmptyOperator(task_id="plain")
        return show(double(x), unit)

    with DAG("mapped", start_date=START, schedule=None) as dag:
        shown = per_item.partial(unit="kb").expand(x=make())
        after = EmptyOperator(task_id="after")
        shown >> after
    # The task making the group's input runs before every root of the group.
    assert _ups(dag, "per_item.double") == {"make"}
    assert _ups(dag, "per_item.plain") == {"make"}
    assert _ups(dag, "per_item.show") == {"per_item.double"}
    sdag = SerializedDAG.from_dict(serialize_dag(dag))
    spec = {"kind": "kwargs", "sources": {"x": {"xcom": "make"}}, "group": "per_item"}
    for task_id in ("per_item.double", "per_item.plain", "per_item.show"):
        assert sdag.tasks[task_id].mapped == spec
    assert sdag.tasks["after"].mapped is None and sdag.tasks["make"].mapped is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda g: g.expand(y=[1]), "has no parameter 'y'"),
        (lambda g: g.partial(x=1).expand(x=[1]), "given to both partial"),
        (lambda g: g.expand(), "at least one argument"),
        (lambda g: g.expand(x=3), "must be a list, a dict or a task's output"),
        (lambda g: g.expand_kwargs([1, 2]), "must be a list of dicts"),
        (lambda g: g.partial(nope=1), "bad arguments for task group function"),
    ],
)
def test_a_mapped_group_with_bad_arguments_says_what_is_wrong(build: object, message: str) -> None:
    @task_group
    def per_item(x: int) -> None:
        EmptyOperator(task_id="a")

    with DAG("bad", start_date=START), pytest.raises(DagDefinitionError, match=message):
        build(per_item)  # type: ignore[operator]


def test_mapping_within_a_mapped_group_is_refused_clearly() -> None:
    @task
    def work(x: int) -> int:
        return x

    @task_group
    def inner(y: int) -> None:
        work(y)

    @task_group
    def nested(x: int) -> None:
        inner.expand(y=[1, 2])

    @task_group
    def expanding(x: int) -> None:
        work.expand(x=[1, 2])

    inside_message = r"mapped task group 'nested\.inner' is inside"
    with DAG("nested", start_date=START), pytest.raises(DagDefinitionError, match=inside_message):
        nested.expand(x=[1])
    refused = "inside mapped task group 'expanding'"
    with DAG("inside", start_date=START), pytest.raises(DagDefinitionError, match=refused):
        expanding.expand(x=[1])
