"""What PythonVirtualenvOperator and ExternalPythonOperator refuse when the DAG is defined,
and how they run a function in another interpreter (executed here, without a database)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tradewind import DAG
from tradewind.authoring.context import build_template_context
from tradewind.authoring.operators.python_subprocess import PythonCallableFailed
from tradewind.decorators import task
from tradewind.exceptions import AirflowSkipException, DagDefinitionError
from tradewind.operators.python import ExternalPythonOperator, PythonVirtualenvOperator


class _TI:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def xcom_pull(self, *args: Any, **kwargs: Any) -> Any:
        return None


def _execute(dag: DAG, task_id: str) -> tuple[Any, _TI]:
    op = dag.get_task(task_id)
    ti = _TI()
    context = build_template_context(
        dag=dag,
        task=op,
        run_id="r1",
        logical_date=datetime(2024, 5, 6, 7, 8),
        data_interval_start=None,
        data_interval_end=None,
        conf={"k": "v"},
        ti=ti,
    )
    op.render_template_fields(context)
    return op.execute(context), ti


def greet(name, ds, params, *, punctuation="!"):  # type: ignore[no-untyped-def]
    import sys

    print("greeting from", sys.executable)
    return f"hello {name} on {ds}{punctuation} {params['k']}"


def wants_ti(ti):  # type: ignore[no-untyped-def]
    return ti


def test_external_python_runs_the_function_with_context_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with DAG("ext", start_date=datetime(2024, 1, 1)) as dag:
        ExternalPythonOperator(
            task_id="greet",
            python=sys.executable,
            python_callable=greet,
            op_args=["{{ run_id }}"],
            op_kwargs={"punctuation": "?"},
        )
    result, _ = _execute(dag, "greet")
    assert result == "hello r1 on 2024-05-06? v"
    assert f"greeting from {sys.executable}" in capsys.readouterr().out


def test_decorated_function_with_multiple_outputs_pushes_each_key() -> None:
    with DAG("deco", start_date=datetime(2024, 1, 1)) as dag:

        @task.external_python(python=sys.executable, multiple_outputs=True)
        def split(text):  # type: ignore[no-untyped-def]
            return {"head": text[:2], "tail": text[2:]}

        split("abcd")
    result, ti = _execute(dag, "split")
    assert result == {"head": "ab", "tail": "cd"}
    assert ti.pushed == {"head": "ab", "tail": "cd"}
    assert dag.get_task("split").custom_operator_name == "@task.external_python"


def test_failures_skips_and_unsendable_context_are_clear() -> None:
    with DAG("bad", start_date=datetime(2024, 1, 1)) as dag:

        @task.external_python(python=sys.executable)
        def fails():  # type: ignore[no-untyped-def]
            raise KeyError("missing thing")

        @task.external_python(python=sys.executable, skip_on_exit_code=[5])
        def skips():  # type: ignore[no-untyped-def]
            raise SystemExit(5)

        fails()
        skips()
        ExternalPythonOperator(task_id="ti", python=sys.executable, python_callable=wants_ti)
        ExternalPythonOperator(
            task_id="ti_as_arg", python=sys.executable, python_callable=wants_ti, op_args=[5]
        )
        ExternalPythonOperator(task_id="nowhere", python="/no/python", python_callable=greet)
    with pytest.raises(PythonCallableFailed, match=r"exit code 1\): KeyError: 'missing thing'"):
        _execute(dag, "fails")
    with pytest.raises(AirflowSkipException):
        _execute(dag, "skips")
    with pytest.raises(PythonCallableFailed, match=r"context key.*ti.*cannot be sent"):
        _execute(dag, "ti")
    assert _execute(dag, "ti_as_arg")[0] == 5  # an argument named like a key is no key
    with pytest.raises(PythonCallableFailed, match="'/no/python' of task 'nowhere' is not"):
        _execute(dag, "nowhere")


def test_what_cannot_run_elsewhere_is_refused_at_definition() -> None:
    factor = 3

    def closure(x):  # type: ignore[no-untyped-def]
        return x * factor

    with DAG("refusals", start_date=datetime(2024, 1, 1)):
        with pytest.raises(DagDefinitionError, match="lambda"):
            ExternalPythonOperator(task_id="a", python=sys.executable, python_callable=lambda: 1)
        with pytest.raises(DagDefinitionError, match=r"around it \(factor\).*self-contained"):
            ExternalPythonOperator(task_id="b", python=sys.executable, python_callable=closure)
        with pytest.raises(DagDefinitionError, match="serializer 'json' of task 'c'"):
            PythonVirtualenvOperator(task_id="c", python_callable=greet, serializer="json")
        with pytest.raises(DagDefinitionError, match="requirements of task 'd' must be"):
            PythonVirtualenvOperator(task_id="d", python_callable=greet, requirements=3)  # type: ignore[arg-type]
        if importlib.util.find_spec("dill") is None:
            with pytest.raises(DagDefinitionError, match="needs the 'dill' package"):
                PythonVirtualenvOperator(task_id="e", python_callable=greet, use_dill=True)
        with pytest.warns(UserWarning, match="expect_airflow=True of task 'f' changes nothing"):
            PythonVirtualenvOperator(task_id="f", python_callable=greet, expect_airflow=True)


def test_requirements_from_a_file_next_to_the_dag_and_the_serializer_added(
    tmp_path: Path,
) -> None:
    (tmp_path / "reqs.txt").write_text("# pinned\nsix==1.16.0\n\ntabulate\n")
    with DAG("reqs", start_date=datetime(2024, 1, 1), fileloc=str(tmp_path / "d.py")):
        from_file = PythonVirtualenvOperator(
            task_id="f", python_callable=greet, requirements="reqs.txt"
        )
        listed = PythonVirtualenvOperator(
            task_id="l",
            python_callable=greet,
            requirements=["six"],
            serializer="cloudpickle",
            pip_install_options=["--no-deps"],
            index_urls=["https://a.example/simple", "https://b.example/simple"],
        )
    assert from_file.requirement_lines() == ["six==1.16.0", "tabulate"]
    spec = listed.venv_spec()
    assert spec.requirements == ("six", "cloudpickle")
    assert spec.cache_key() != from_file.venv_spec().cache_key()
    assert spec.cache_key() == listed.venv_spec().cache_key()
