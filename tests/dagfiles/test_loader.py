from __future__ import annotations

from pathlib import Path

import pytest
from tests.dagfiles.dag_files import HEADER, dag_source, write

from tradewind.dagfiles.loader import load_dags_from_file
from tradewind.exceptions import DagCycleError, DagDefinitionError


def test_returns_module_level_dags_with_fileloc(tmp_path: Path) -> None:
    path = write(
        tmp_path, "two.py", dag_source("first") + dag_source("second").replace("dag:", "d2:")
    )
    dags = load_dags_from_file(str(path))
    assert sorted(dag.dag_id for dag in dags) == ["first", "second"]
    assert {dag.fileloc for dag in dags} == {str(path)}


def test_dag_decorator_called_without_assignment(tmp_path: Path) -> None:
    source = """
from datetime import datetime
from tradewind.decorators import dag, task

@dag(schedule=None, start_date=datetime(2024, 1, 1))
def decorated():
    @task
    def hello():
        return 1
    hello()

decorated()
"""
    dags = load_dags_from_file(str(write(tmp_path, "deco.py", source)))
    assert [dag.dag_id for dag in dags] == ["decorated"]
    assert dags[0].task_ids == ["hello"]


def test_same_file_name_in_two_folders_gives_two_modules(tmp_path: Path) -> None:
    one = write(tmp_path, "x/etl.py", dag_source("etl_x"))
    two = write(tmp_path, "y/etl.py", dag_source("etl_y"))
    assert [dag.dag_id for dag in load_dags_from_file(str(one))] == ["etl_x"]
    assert [dag.dag_id for dag in load_dags_from_file(str(two))] == ["etl_y"]


def test_errors_propagate_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", HEADER + "raise RuntimeError('nope')\n")
    with pytest.raises(RuntimeError, match="nope") as info:
        load_dags_from_file(str(path))
    assert any(str(path) in note for note in info.value.__notes__)

    syntax = write(tmp_path, "syntax.py", HEADER + "def (:\n")
    with pytest.raises(SyntaxError) as info:
        load_dags_from_file(str(syntax))
    assert info.value.filename == str(syntax)


def test_cycle_is_a_definition_error_naming_dag_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "cyc.py", dag_source("cyclic", ("a", "b", "c")) + "    c >> a\n")
    with pytest.raises(DagCycleError, match="cyclic") as info:
        load_dags_from_file(str(path))
    assert str(path) in str(info.value)


def test_two_dags_with_one_id_in_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.py", dag_source("same") + dag_source("same").replace("dag:", "d2:"))
    with pytest.raises(DagDefinitionError, match="more than once"):
        load_dags_from_file(str(path))


def test_warnings_while_importing_are_logged_with_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Python hides DeprecationWarning by default; an author must still see them at parse."""
    source = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import PythonOperator

with DAG("old_style", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="ctx", python_callable=lambda **kw: 1, provide_context=True)
    EmptyOperator(task_id="join", trigger_rule="none_failed_or_skipped")
"""
    path = write(tmp_path, "old_style.py", source)
    with caplog.at_level("WARNING", logger="tradewind.dagfiles.loader"):
        (dag,) = load_dags_from_file(str(path))
    messages = [r.getMessage() for r in caplog.records if r.name == "tradewind.dagfiles.loader"]
    assert any("provide_context of task 'ctx'" in m and str(path) in m for m in messages), messages
    assert any("'none_failed_or_skipped'" in m for m in messages), messages
    assert dag.task_dict["join"].trigger_rule == "none_failed_min_one_success"
