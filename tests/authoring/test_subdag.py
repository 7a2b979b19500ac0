"""SubDagOperator: the sub-DAG's tasks inlined as a task group of the parent, a deprecation
warning, errors for a misnamed or reused sub-DAG, and the loader not registering it."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators.subdag import SubDagOperator
from tradewind.authoring.task_group import TaskGroup
from tradewind.authoring.unimplemented import UnimplementedArgumentWarning
from tradewind.dagfiles.loader import load_dag_file
from tradewind.exceptions import DagDefinitionError
from tradewind.operators.empty import EmptyOperator

START = datetime(2024, 1, 1, tzinfo=UTC)


def child(dag_id: str) -> DAG:
    with DAG(dag_id, start_date=START, schedule="@daily", default_args={"retries": 3}) as sub:
        a = EmptyOperator(task_id="a")
        with TaskGroup("inner"):
            b = EmptyOperator(task_id="b")
        a >> b
    return sub


def test_the_subdag_becomes_a_group_wired_where_the_operator_stands() -> None:
    with DAG("parent", start_date=START, schedule=None) as dag:
        start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
        with pytest.warns(DeprecationWarning, match="SubDagOperator 'section' is deprecated"):
            section = SubDagOperator(task_id="section", subdag=child("parent.section"))
        start >> section >> end
    assert section.task_id == "section"
    assert {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} == {
        "start": ["section.a"],
        "end": [],
        "section.a": ["section.inner.b"],
        "section.inner.b": ["end"],
    }
    assert dag.get_task("section.inner.b").retries == 3  # the sub-DAG's default_args
    assert [g.group_id for g in dag.task_group.iter_groups()] == ["section", "section.inner"]
    dag.validate()


def test_a_misnamed_or_reused_subdag_is_an_error() -> None:
    with DAG("parent", start_date=START, schedule=None):
        with pytest.raises(DagDefinitionError, match=r"must be .*'parent\.section'; got 'other'"):
            SubDagOperator(task_id="section", subdag=child("other"))
        sub = child("parent.one")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            SubDagOperator(task_id="one", subdag=sub)
            with pytest.raises(DagDefinitionError, match="already used"):
                SubDagOperator(task_id="one", subdag=sub)


def test_settings_of_the_operator_itself_are_warned_about() -> None:
    with DAG("parent", start_date=START, schedule=None), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.warns(UnimplementedArgumentWarning, match="pool, retries have no effect"):
            SubDagOperator(task_id="s", subdag=child("parent.s"), retries=1, pool="p")


def test_the_loader_registers_the_parent_only(tmp_path: Path) -> None:
    path = tmp_path / "with_subdag.py"
    path.write_text(
        "from datetime import datetime\n"
        "from tradewind import DAG\n"
        "from tradewind.operators.empty import EmptyOperator\n"
        "from tradewind.operators.subdag import SubDagOperator\n"
        "with DAG('p.s', start_date=datetime(2024, 1, 1), schedule=None) as sub:\n"
        "    EmptyOperator(task_id='x')\n"
        "with DAG('p', start_date=datetime(2024, 1, 1), schedule=None) as dag:\n"
        "    SubDagOperator(task_id='s', subdag=sub)\n"
    )
    loaded = load_dag_file(str(path))
    assert [dag.dag_id for dag in loaded.dags] == ["p"]
    assert loaded.dags[0].task_ids == ["s.x"]
    assert any("DeprecationWarning: SubDagOperator 's'" in line for line in loaded.warnings)


def test_values_passed_between_subdag_tasks_come_from_the_copies() -> None:
    from tradewind.decorators import task

    with DAG("parent.s", start_date=START, schedule=None) as sub:

        @task
        def make() -> int:
            return 21

        @task
        def double(value: int) -> int:
            return value * 2

        double(make())
    with DAG("parent", start_date=START, schedule=None) as dag, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        SubDagOperator(task_id="s", subdag=sub)
    (passed,) = dag.get_task("s.double").op_args  # type: ignore[attr-defined]
    assert passed.operator is dag.get_task("s.make")
    assert dag.get_task("s.make").downstream_task_ids == {"s.double"}
