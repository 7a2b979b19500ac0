from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, PythonOperator

START = datetime(2024, 1, 1)


def test_bash_command_renders_dates_params_and_conf(run_task: Callable[..., Any]) -> None:
    with DAG("tpl", start_date=START, params={"who": "world", "n": 1}):
        task = BashOperator(
            task_id="t",
            bash_command=(
                "echo {{ ds }} {{ ds_nodash }} {{ params.who }} {{ params.n }} "
                "{{ dag_run.conf.get('extra', 'none') }} {{ run_id }} {{ task.task_id }}"
            ),
            params={"n": 2},
        )
    result = run_task(task, conf={"extra": "x"})
    assert result == "2024-03-05 20240305 world 2 x manual__2024-03-05 t"


def test_conf_overrides_params_like_airflow(run_task: Callable[..., Any]) -> None:
    with DAG("tpl2", start_date=START, params={"who": "default"}):
        task = BashOperator(task_id="t", bash_command="echo {{ params.who }}")
    assert run_task(task, conf={"who": "conf"}) == "conf"


def test_macros_and_data_interval(run_task: Callable[..., Any]) -> None:
    with DAG("tpl3", start_date=START):
        task = BashOperator(
            task_id="t",
            bash_command=(
                "echo {{ macros.ds_add(ds, 7) }} "
                "{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }} "
                "{{ data_interval_end | ds }} {{ ts }}"
            ),
        )
    assert run_task(task) == "2024-03-12 05/03/2024 2024-03-06 2024-03-05T00:00:00+00:00"


def test_nested_values_are_rendered(run_task: Callable[..., Any]) -> None:
    seen: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> None:
        seen["args"], seen["kwargs"] = args, kwargs

    with DAG("tpl4", start_date=START):
        task = PythonOperator(
            task_id="t",
            python_callable=capture,
            op_args=["{{ ds }}", ("{{ ds_nodash }}", 3)],
            op_kwargs={"d": {"nested": ["{{ params.p }}"]}},
            params={"p": "P"},
        )
    run_task(task)
    assert seen["args"] == ("2024-03-05", ("20240305", 3))
    assert seen["kwargs"]["d"] == {"nested": ["P"]}


def test_template_file_next_to_the_dag(tmp_path: Path, run_task: Callable[..., Any]) -> None:
    (tmp_path / "hello.sh").write_text("echo from file {{ ds }}\n")
    with DAG("tplfile", start_date=START, fileloc=str(tmp_path / "dag.py")):
        task = BashOperator(task_id="t", bash_command="hello.sh")
    assert run_task(task) == "from file 2024-03-05"


def test_user_defined_macros_and_filters(run_task: Callable[..., Any]) -> None:
    with DAG(
        "tplmacros",
        start_date=START,
        user_defined_macros={"project": "tw"},
        user_defined_filters={"shout": str.upper},
    ):
        task = BashOperator(task_id="t", bash_command="echo {{ project | shout }}")
    assert run_task(task) == "TW"


def test_plain_fields_pass_through_and_a_later_template_still_renders(
    run_task: Callable[..., Any],
) -> None:
    """Fields without markup skip Jinja; the first field that has some still gets rendered,
    and text Jinja would change (Windows line endings) goes through Jinja as before."""
    seen: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> None:
        seen["args"], seen["kwargs"] = args, kwargs

    with DAG("tpl_plain", start_date=START):
        task = PythonOperator(
            task_id="t",
            python_callable=capture,
            op_args=["plain text", "50% done; no {{ markup | default('') }} here? {{ ds }}"],
            op_kwargs={"crlf": "a\r\nb", "n": 1, "none": None},
            templates_dict={"when": "{{ ds_nodash }}"},
        )
    run_task(task)
    assert seen["args"] == ("plain text", "50% done; no  here? 2024-03-05")
    assert seen["kwargs"]["crlf"] == "a\nb"
    assert (seen["kwargs"]["n"], seen["kwargs"]["none"]) == (1, None)
    assert seen["kwargs"]["templates_dict"] == {"when": "20240305"}
