"""dag_display_name / task_display_name, and the doc* attributes as Airflow fills them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import EmptyOperator
from tradewind.authoring.taskflow import task
from tradewind.dagfiles.loader import load_dags_from_file
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.exceptions import DagDefinitionError

START = datetime(2024, 1, 1)


def test_display_names_default_to_the_ids() -> None:
    dag = DAG("plain", start_date=START)
    op = EmptyOperator(task_id="t", dag=dag)
    assert dag.dag_display_name == "plain" and op.task_display_name == "t"
    restored = SerializedDAG.from_dict(serialize_dag(dag))
    assert restored.display_name == "plain" and restored.tasks["t"].display_name == "t"


def test_display_names_are_stored_and_ids_stay_the_identity() -> None:
    with DAG("sales_v2", start_date=START, dag_display_name="Sales (v2) 🚀") as dag:
        EmptyOperator(task_id="load", task_display_name="Load the ledger")

        @task(task_display_name="Sum it up")
        def total() -> int:
            return 1

        total()
    assert dag.task_ids == ["load", "total"]
    data = serialize_dag(dag)
    assert (data["dag_id"], data["dag_display_name"]) == ("sales_v2", "Sales (v2) 🚀")
    restored = SerializedDAG.from_dict(data)
    assert restored.display_name == "Sales (v2) 🚀"
    assert restored.tasks["load"].display_name == "Load the ledger"
    assert restored.tasks["total"].display_name == "Sum it up"


def test_dag_decorator_passes_the_display_name_and_docstring() -> None:
    from tradewind.authoring.dag_decorator import dag

    @dag(schedule=None, start_date=START, dag_display_name="Shown name")
    def decorated_pipeline() -> None:
        """Pipeline *docs*."""
        EmptyOperator(task_id="only")

    built = decorated_pipeline()
    assert (built.dag_id, built.dag_display_name) == ("decorated_pipeline", "Shown name")
    assert built.doc_md == "Pipeline *docs*."


def test_display_name_must_be_text() -> None:
    with pytest.raises(DagDefinitionError, match=r"dag_display_name of DAG 'x'.*must be a string"):
        DAG("x", start_date=START, dag_display_name=5)  # type: ignore[arg-type]
    dag = DAG("y", start_date=START)
    with pytest.raises(DagDefinitionError, match="task_display_name must be a string"):
        EmptyOperator(task_id="t", dag=dag, task_display_name=["no"])  # type: ignore[arg-type]


def test_every_doc_kind_is_accepted_and_stored() -> None:
    dag = DAG("docs", start_date=START, doc_md="# Title", description="short words")
    EmptyOperator(
        task_id="t",
        dag=dag,
        doc="plain",
        doc_md="*md*",
        doc_rst="**rst**",
        doc_json='{"a": 1}',
        doc_yaml="a: 1",
    )
    data = serialize_dag(dag)
    assert (data["doc_md"], data["description"]) == ("# Title", "short words")
    stored = SerializedDAG.from_dict(data).tasks["t"]
    assert (stored.doc, stored.doc_md, stored.doc_rst, stored.doc_json, stored.doc_yaml) == (
        "plain",
        "*md*",
        "**rst**",
        '{"a": 1}',
        "a: 1",
    )


def test_task_docstring_becomes_doc_md_unless_a_doc_is_given() -> None:
    with DAG("docstrings", start_date=START) as dag:

        @task
        def documented() -> None:
            """Loads **everything**.

            Second paragraph.
            """

        @task(doc="given explicitly")
        def overridden() -> None:
            """Not used."""

        @task
        def bare() -> None:
            return None

        documented()
        overridden()
        bare()
    # Indentation removed, so the second paragraph is not a Markdown code block.
    assert dag.get_task("documented").doc_md == "Loads **everything**.\n\nSecond paragraph."
    assert dag.get_task("overridden").doc_md is None
    assert dag.get_task("overridden").doc == "given explicitly"
    assert dag.get_task("bare").doc_md is None


def test_doc_md_naming_a_file_reads_it_from_the_dag_folder(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "about.md").write_text("# About\n\nFrom a file.\n")
    (tmp_path / "with_file.py").write_text(
        "from datetime import datetime\n"
        "from tradewind import DAG\n"
        "dag = DAG('with_file', start_date=datetime(2024, 1, 1), doc_md='docs/about.md')\n"
    )
    (dag,) = load_dags_from_file(str(tmp_path / "with_file.py"))
    assert dag.doc_md == "# About\n\nFrom a file."


def test_doc_md_naming_a_missing_file_warns_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "missing.py").write_text(
        "from datetime import datetime\n"
        "from tradewind import DAG\n"
        "dag = DAG('missing', start_date=datetime(2024, 1, 1), doc_md='nowhere.md')\n"
    )
    with pytest.warns(UserWarning, match="doc_md names the file 'nowhere.md'"):
        (dag,) = dags_defined_in(tmp_path / "missing.py")
    assert "Not able to find the template file: `nowhere.md`" in dag.doc_md


def dags_defined_in(path: Path) -> list[DAG]:
    """Construct the file's DAGs in this process, so pytest sees the warnings it raises."""
    namespace: dict[str, object] = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return [value for value in namespace.values() if isinstance(value, DAG)]


def test_inline_doc_md_is_a_jinja_template_rendered_without_context() -> None:
    # Airflow renders doc_md once when the DAG is built; an unknown name renders empty.
    dag = DAG("jinja_doc", start_date=START, doc_md="{{ 1 + 1 }} steps{{ ds }}")
    assert dag.doc_md == "2 steps"
    with pytest.raises(DagDefinitionError, match=r"doc_md of DAG 'bad_doc'.*not a valid Jinja"):
        DAG("bad_doc", start_date=START, doc_md="{% if %}")
