"""Airflow 2's templating surface: native rendering, template files and their search path,
the macros module, the context variables, nested template fields, ``multiple_outputs`` and
``do_xcom_push``."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest

from tradewind.authoring import macros
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.context import PriorSuccess, build_template_context
from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, PythonOperator
from tradewind.authoring.templating import MAX_SHOWN_FIELD_LENGTH, shown_field_values
from tradewind.decorators import task
from tradewind.exceptions import DagDefinitionError, XComNotFound

START = datetime(2024, 1, 1)


def _capture(seen: dict[str, Any]) -> Callable[..., None]:
    def capture(*args: Any, **kwargs: Any) -> None:
        seen["args"], seen["kwargs"] = args, kwargs

    return capture


def test_native_rendering_gives_python_objects(run_task: Callable[..., Any]) -> None:
    seen: dict[str, Any] = {}
    with DAG("native", start_date=START, render_template_as_native_obj=True):
        native = PythonOperator(
            task_id="t",
            python_callable=_capture(seen),
            op_args=["{{ [1, 2] }}", "{{ {'k': ds} }}", "plain {{ 1 + 1 }}"],
        )
    run_task(native)
    assert seen["args"] == ([1, 2], {"k": "2024-03-05"}, "plain 2")


def test_text_rendering_is_the_default(run_task: Callable[..., Any]) -> None:
    seen: dict[str, Any] = {}
    with DAG("text", start_date=START):
        text = PythonOperator(task_id="t", python_callable=_capture(seen), op_args=["{{ [1, 2] }}"])
    run_task(text)
    assert seen["args"] == ("[1, 2]",)


def test_native_rendering_is_still_sandboxed(run_task: Callable[..., Any]) -> None:
    with DAG("native_sandbox", start_date=START, render_template_as_native_obj=True):
        unsafe = PythonOperator(
            task_id="t", python_callable=print, op_args=["{{ ds.__class__.__mro__ }}"]
        )
    with pytest.raises(jinja2.exceptions.SecurityError):
        run_task(unsafe)


def test_template_searchpath_list_and_the_dag_folder(
    tmp_path: Path, run_task: Callable[..., Any]
) -> None:
    first, second, dag_folder = tmp_path / "one", tmp_path / "two", tmp_path / "dags"
    for folder in (first, second, dag_folder):
        folder.mkdir()
    (second / "in_path.sh").write_text("echo path {{ ds_nodash }}\n")
    (dag_folder / "beside.bash").write_text("echo beside {{ macros.ds_add(ds, 1) }}\n")
    (dag_folder / "both.sh").write_text("echo from the dag folder\n")
    (first / "both.sh").write_text("echo from the search path\n")
    with DAG(
        "searchpath",
        start_date=START,
        template_searchpath=[str(first), str(second)],
        fileloc=str(dag_folder / "dag.py"),
    ):
        in_path = BashOperator(task_id="in_path", bash_command="in_path.sh")
        beside = BashOperator(task_id="beside", bash_command="beside.bash")
        both = BashOperator(task_id="both", bash_command="both.sh")
    assert run_task(in_path) == "path 20240305"
    assert run_task(beside) == "beside 2024-03-06"
    assert run_task(both) == "from the dag folder"  # the DAG's folder is searched first


def test_template_searchpath_as_one_string(tmp_path: Path, run_task: Callable[..., Any]) -> None:
    (tmp_path / "q.sql").write_text("select '{{ ds }}'")
    seen: dict[str, Any] = {}
    with DAG("searchpath_str", start_date=START, template_searchpath=str(tmp_path)):
        query = PythonOperator(
            task_id="t",
            python_callable=_capture(seen),
            templates_dict={"query": "q.sql"},
            templates_exts=[".sql"],
        )
    run_task(query)
    assert seen["kwargs"]["templates_dict"] == {"query": "select '2024-03-05'"}


def test_a_missing_template_file_names_the_file_and_the_search_path(
    tmp_path: Path, run_task: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    with DAG(
        "missing",
        start_date=START,
        template_searchpath=str(tmp_path / "sql"),
        fileloc=str(tmp_path / "dag.py"),
    ):
        missing = BashOperator(task_id="t", bash_command="nowhere.sh")
    with caplog.at_level(logging.ERROR), pytest.raises(jinja2.TemplateNotFound) as raised:
        run_task(missing)
    message = str(raised.value)
    assert "'nowhere.sh'" in message
    assert str(tmp_path / "sql") in message and repr(str(tmp_path)) in message
    assert "field 'bash_command'" in caplog.text and "task 't'" in caplog.text


def test_a_trailing_space_is_text_not_a_file(run_task: Callable[..., Any]) -> None:
    with DAG("space", start_date=START):
        inline = BashOperator(task_id="t", bash_command="echo inline.sh ")
    assert run_task(inline) == "inline.sh"


def test_user_macros_and_filters_with_native_rendering(run_task: Callable[..., Any]) -> None:
    seen: dict[str, Any] = {}
    with DAG(
        "udm",
        start_date=START,
        user_defined_macros={"limits": {"rows": 10}},
        user_defined_filters={"double": lambda n: n * 2},
        render_template_as_native_obj=True,
    ):
        op = PythonOperator(
            task_id="t", python_callable=_capture(seen), op_args=["{{ limits.rows | double }}"]
        )
    run_task(op)
    assert seen["args"] == (20,)


def test_the_macros_module(run_task: Callable[..., Any]) -> None:
    with DAG("macros", start_date=START):
        op = BashOperator(
            task_id="t",
            bash_command=(
                "echo {{ macros.ds_add(ds, -5) }} "
                "{{ macros.ds_format(ds, '%Y-%m-%d', '%Y/%m/%d') }} "
                "{{ (macros.datetime(2024, 1, 1) + macros.timedelta(days=2)).day }} "
                "{{ (logical_date + macros.dateutil.relativedelta.relativedelta(months=1)) | ds }} "
                "{{ macros.json.dumps({'a': 1}) | replace(' ', '') }} "
                "{{ macros.uuid.UUID(int=1).hex[-1] }} "
                "{{ (macros.random() < 1) and (macros.time.time() > 0) }}"
            ),
        )
    assert (
        run_task(op) == "2024-02-29 2024/03/05 3 2024-04-05 {a:1} 1 True"
    )  # bash drops the quotes
    assert macros.random is random.random and macros.json is json


def test_datetime_diff_for_humans() -> None:
    pytest.importorskip("pendulum")
    day = datetime(2024, 1, 1, tzinfo=UTC)
    assert macros.datetime_diff_for_humans(day, datetime(2024, 1, 3, tzinfo=UTC)) == (
        "2 days before"
    )
    assert macros.datetime_diff_for_humans(datetime.now(UTC)) == "a few seconds ago"


def test_context_variables(run_task: Callable[..., Any]) -> None:
    with DAG("ctx", start_date=START, schedule="@daily"):
        op = BashOperator(
            task_id="t",
            bash_command=(
                "echo {{ task_instance_key_str }} {{ yesterday_ds }} {{ tomorrow_ds_nodash }} "
                "{{ next_ds }} {{ next_execution_date | ts }} {{ test_mode }} "
                "{{ ts_nodash_with_tz }} {{ prev_start_date_success }} {{ prev_ds }} "
                "{{ prev_execution_date | ts_nodash }}"
            ),
        )
    assert run_task(op) == (
        "ctx__t__20240305 2024-03-04 20240306 2024-03-06 2024-03-06T00:00:00+00:00 False "
        "20240305T000000+0000 None 2024-03-04 20240304T000000"
    )


def _context(
    op: BaseOperator,
    when: datetime = datetime(2024, 3, 5, tzinfo=UTC),
    end: datetime | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    return build_template_context(
        dag=op.dag,
        task=op,
        run_id="r",
        logical_date=when,
        data_interval_start=when,
        data_interval_end=end or when,
        conf=None,
        ti=None,  # type: ignore[arg-type]
        **kwargs,
    )


def test_a_manual_run_is_its_own_next_run() -> None:
    with DAG("manual_next", start_date=START, schedule="@daily"):
        op = BashOperator(task_id="t", bash_command="true")
    manual = type("Run", (), {"run_type": "manual"})()
    context = _context(op, dag_run=manual)
    assert (context["next_ds"], context["prev_ds_nodash"]) == ("2024-03-05", "20240305")


def test_prev_and_next_of_cron_and_unscheduled_dags() -> None:
    with DAG("cron_ctx", start_date=START, schedule="30 6 * * 1-5"):
        cron = BashOperator(task_id="t", bash_command="true")
    with DAG("none_ctx", start_date=START, schedule=None):
        unscheduled = BashOperator(task_id="t", bash_command="true")
    monday = datetime(2024, 3, 4, 6, 30, tzinfo=UTC)
    context = _context(cron, monday, datetime(2024, 3, 5, 6, 30, tzinfo=UTC))
    assert context["prev_execution_date"] == datetime(2024, 3, 1, 6, 30, tzinfo=UTC)  # Friday
    assert context["next_execution_date"] == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    nothing = _context(unscheduled)
    assert not nothing["prev_ds"] and not nothing["next_ds"]  # lazy stand-ins for None
    assert (str(nothing["prev_ds"]), str(nothing["next_execution_date"])) == ("None", "None")


def test_prior_success_is_looked_up_once_and_only_when_read() -> None:
    with DAG("prior", start_date=START):
        op = BashOperator(task_id="t", bash_command="true")
    calls: list[int] = []
    earlier = datetime(2024, 3, 4, tzinfo=UTC)

    def lookup() -> PriorSuccess:
        calls.append(1)
        return PriorSuccess(earlier, earlier, earlier, None)

    context = _context(op, prior_success=lookup)
    assert calls == []
    assert context["prev_data_interval_start_success"] == earlier
    assert context["prev_start_date_success"].isoformat() == earlier.isoformat()
    assert not context["prev_end_date_success"]
    assert calls == [1]


class Query:
    """A value object with its own template fields (like Airflow's nested templating)."""

    template_fields = ("sql",)

    def __init__(self, sql: str, label: str) -> None:
        self.sql = sql
        self.label = label


class Loader(BaseOperator):
    template_fields = ("target", "options")
    template_fields_renderers = {"options": "json"}

    def __init__(self, *, target: str, options: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.options = options

    def execute(self, context: Any) -> Any:
        query = self.options["queries"][0]
        return [self.target, self.options["when"], query.sql, query.label]


def test_custom_operator_nested_fields(run_task: Callable[..., Any]) -> None:
    raw = Query("select '{{ ds }}'", "{{ not rendered }}")
    with DAG("custom", start_date=START):
        op = Loader(
            task_id="t",
            target="table_{{ ds_nodash }}",
            options={"when": ["{{ ts }}", ("{{ run_id }}",)], "queries": [raw]},
        )
    assert run_task(op) == [
        "table_20240305",
        ["2024-03-05T00:00:00+00:00", ("manual__2024-03-05",)],
        "select '2024-03-05'",
        "{{ not rendered }}",
    ]
    assert raw.sql == "select '{{ ds }}'"  # the DAG's object keeps its template
    assert Loader.template_fields_renderers == {"options": "json"}


def test_do_xcom_push_false_keeps_multiple_outputs_to_itself(
    run_task: Callable[..., Any], xcom_store: dict[tuple[str, str], Any]
) -> None:
    @task(multiple_outputs=True, do_xcom_push=False)
    def quiet() -> dict[str, int]:
        return {"a": 1}

    @task(multiple_outputs=True)
    def loud() -> dict[str, int]:
        return {"a": 1}

    with DAG("quiet", start_date=START) as d:
        quiet()
        loud()
    run_task(d.get_task("quiet"))
    run_task(d.get_task("loud"))
    assert xcom_store == {("loud", "a"): 1, ("loud", "return_value"): {"a": 1}}


def test_shown_field_values_are_json_and_cut_when_long() -> None:
    with DAG("shown", start_date=START):
        op = Loader(
            task_id="t",
            target="x" * (MAX_SHOWN_FIELD_LENGTH + 10),
            options={"q": Query("select 1", "l"), "n": (1, 2.5, None)},
        )
    shown = shown_field_values(op)
    assert shown["target"].startswith("x" * MAX_SHOWN_FIELD_LENGTH)
    assert shown["target"].endswith(f"... (cut at {MAX_SHOWN_FIELD_LENGTH} characters)")
    assert shown["options"]["n"] == [1, 2.5, None]
    assert "Query object at" in shown["options"]["q"]
    assert json.loads(json.dumps(shown)) == shown


def test_a_missing_xcom_arg_is_none_or_xcom_not_found(run_task: Callable[..., Any]) -> None:
    @task(multiple_outputs=True)
    def parts() -> dict[str, int]:
        return {"a": 1}

    seen: dict[str, Any] = {}
    with DAG("missing_xcom", start_date=START) as d:
        produced = parts()
        quiet = BashOperator(task_id="quiet", bash_command="echo x", do_xcom_push=False)
        lenient = PythonOperator(
            task_id="lenient",
            python_callable=_capture(seen),
            op_args=[quiet.output, produced["nope"], produced["a"]],
        )
        strict = PythonOperator(
            task_id="strict", python_callable=print, op_args=[quiet.output["custom"]]
        )
    assert lenient.upstream_task_ids == {"quiet", "parts"}
    run_task(d.get_task("parts"))
    run_task(quiet)
    run_task(lenient)
    assert seen["args"] == (None, None, 1)
    with pytest.raises(XComNotFound, match='from quiet at missing_xcom with key="custom"'):
        run_task(strict)


def test_template_fields_must_name_attributes() -> None:
    class Sloppy(BaseOperator):
        template_fields = ("sql", "missing")

        def __init__(self, *, sql: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.sql = sql

    class NoComma(BaseOperator):
        template_fields = "sql"

        def __init__(self, *, sql: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.sql = sql

    with DAG("sloppy", start_date=START):
        with pytest.raises(DagDefinitionError, match=r"'missing' is configured as a template"):
            Sloppy(task_id="t", sql="select 1")
        lone = NoComma(task_id="lone", sql="{{ ds }}")
    assert lone.template_fields == ("sql",)


def test_an_undefined_name_is_an_error_unless_the_dag_allows_it(
    run_task: Callable[..., Any],
) -> None:
    with DAG("strict", start_date=START):
        strict = BashOperator(task_id="t", bash_command="echo [{{ typo_ds }}]")
    with pytest.raises(jinja2.UndefinedError, match="'typo_ds' is undefined"):
        run_task(strict)
    with DAG("lenient", start_date=START, template_undefined=jinja2.Undefined):
        lenient = BashOperator(task_id="t", bash_command="echo [{{ typo_ds }}]")
    assert run_task(lenient) == "[]"


def test_an_xcom_arg_in_text_is_a_template_that_pulls_it(
    run_task: Callable[..., Any],
) -> None:
    @task(multiple_outputs=True)
    def produce() -> dict[str, str]:
        return {"name": "ada"}

    with DAG("xcom_text", start_date=START) as d:
        produced = produce()
        echo = BashOperator(task_id="echo", bash_command=f"echo {produced['name']}")
        produced >> echo
    assert str(produced["name"]) == (
        "{{ task_instance.xcom_pull(task_ids='produce', dag_id='xcom_text', key='name') }}"
    )
    run_task(d.get_task("produce"))
    assert run_task(echo) == "ada"
