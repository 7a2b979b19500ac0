"""Param and ParamsDict: JSON Schema checks, merging, parse-time rules, run-time values."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from tests.authoring.conftest import LOGICAL_DATE, FakeTaskInstance

from tradewind.authoring.context import build_template_context
from tradewind.authoring.dag import DAG
from tradewind.authoring.dag_decorator import dag as dag_decorator
from tradewind.authoring.operators import BashOperator, PythonOperator
from tradewind.authoring.params import NOTSET, Param, ParamsDict
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.exceptions import ParamValidationError

START = datetime(2024, 1, 1)


def _problem(param: Param, value: Any) -> str:
    with pytest.raises(ParamValidationError) as caught:
        param.resolve(value)
    return str(caught.value)


def test_param_checks_its_schema() -> None:
    param = Param(5, type="integer", minimum=1, maximum=10)
    assert param.resolve() == 5
    assert param.resolve(7) == 7
    assert _problem(param, 0) == "0 is less than the minimum of 1"
    assert _problem(param, "7") == "'7' is not of type 'integer'"
    assert Param("b", enum=["a", "b"]).resolve() == "b"
    assert _problem(Param("a", enum=["a", "b"]), "c") == "'c' is not one of ['a', 'b']"
    assert "is too short" in _problem(Param("abc", type="string", minLength=3), "ab")
    assert _problem(Param(None, type=["null", "string"]), 3) == "3 is not of type 'null', 'string'"


def test_formats_are_checked_and_nested_errors_say_where() -> None:
    assert _problem(Param(type="string", format="date"), "2024-13-01") == (
        "'2024-13-01' is not a 'date'"
    )
    assert Param(type="string", format="date").resolve("2024-02-29") == "2024-02-29"
    listing = Param({"ids": [1]}, type="object", properties={"ids": {"items": {"type": "integer"}}})
    assert _problem(listing, {"ids": [1, "x"]}) == "'x' is not of type 'integer' (at ['ids'][1])"


def test_a_param_without_default_is_required() -> None:
    param = Param(type="string")
    assert not param.has_value
    assert _problem(param, NOTSET) == "No value passed and Param has no default value"
    assert param.resolve("given") == "given"
    assert param.resolve(suppress_exception=True) is None


def test_schema_errors_and_misspelt_keywords_are_said_at_parse() -> None:
    with pytest.raises(ParamValidationError, match="invalid JSON schema"):
        Param(1, type="int")
    with pytest.warns(UserWarning, match=r"\['minimun'\] are not JSON Schema keywords"):
        Param(1, type="integer", minimun=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Airflow's form keywords are known, not warned about
        Param("a", enum=["a"], title="A", values_display={"a": "Alpha"}, examples=["a"])


def test_params_dict_reads_values_and_validates_what_is_set() -> None:
    params = ParamsDict({"x": Param(5, type="integer", minimum=1), "y": "abc"})
    assert params["x"] == 5 and params["y"] == "abc" and dict(params) == {"x": 5, "y": "abc"}
    assert params.get_param("x").schema == {"type": "integer", "minimum": 1}
    params["x"] = 3
    assert params["x"] == 3
    with pytest.raises(ParamValidationError, match="Invalid input for param x: 0 is less"):
        params["x"] = 0
    params["y"] = 42  # a plain param checks nothing
    assert params.validate() == {"x": 3, "y": 42}


def test_resolve_conf_merges_over_defaults_and_names_the_bad_param() -> None:
    params = ParamsDict({"x": Param(5, type="integer"), "who": Param(type="string")})
    assert params.resolve_conf({"who": "ana", "extra": [1]}) == {"x": 5, "who": "ana", "extra": [1]}
    with pytest.raises(ParamValidationError) as missing:
        params.resolve_conf({})
    assert str(missing.value) == (
        "Invalid input for param who: No value passed and Param has no default value"
    )
    with pytest.raises(ParamValidationError, match="param x: 'five' is not of type 'integer'"):
        params.resolve_conf({"x": "five", "who": "ana"})
    assert params.get_param("x").value == 5  # the DAG's own params are left alone


def test_task_params_merge_over_dag_params_and_conf_over_both(
    run_task: Callable[..., Any],
) -> None:
    seen: dict[str, Any] = {}
    with DAG(
        "merge", start_date=START, schedule=None, params={"a": Param(1, type="integer"), "b": 2}
    ):
        task = PythonOperator(
            task_id="t",
            params={"b": "task", "c": Param(3, type="integer")},
            python_callable=lambda params: seen.update(params),
        )
    run_task(task)
    assert seen == {"a": 1, "b": "task", "c": 3}
    run_task(task, conf={"a": 10, "c": 30, "d": "extra"})
    assert seen == {"a": 10, "b": "task", "c": 30, "d": "extra"}
    with pytest.raises(ParamValidationError, match="param a: 'x' is not of type 'integer'"):
        run_task(task, conf={"a": "x"})


def test_templates_see_the_resolved_params(run_task: Callable[..., Any]) -> None:
    with DAG("tpl", start_date=START, schedule=None, params={"n": Param(5, type="integer")}):
        task = BashOperator(task_id="t", bash_command="echo {{ params.n + 1 }}")
    rendered = task.prepare_for_execution()
    context = build_template_context(
        dag=task.dag,
        task=rendered,
        run_id="r",
        logical_date=LOGICAL_DATE,
        data_interval_start=None,
        data_interval_end=None,
        conf={"n": 41},
        ti=FakeTaskInstance({}, "t"),
    )
    rendered.render_template_fields(context)
    assert rendered.bash_command == "echo 42"
    constant = build_template_context(
        dag=task.dag,
        task=rendered,
        run_id="r",
        logical_date=LOGICAL_DATE,
        data_interval_start=None,
        data_interval_end=None,
        conf={"n": 41},
        ti=FakeTaskInstance({}, "t"),
        conf_overrides_params=False,
    )
    assert constant["params"] == {"n": 5}


def test_scheduled_dag_needs_valid_defaults_at_parse() -> None:
    with DAG("bad_default", start_date=START, schedule="@daily") as bad:
        pass
    bad.params["n"] = Param("banana", type="integer")
    with pytest.raises(ParamValidationError, match="invalid default for param 'n': 'banana'"):
        bad.validate()
    required = DAG("required", start_date=START, schedule="@daily", params={"n": Param()})
    with pytest.raises(ParamValidationError, match="param 'n' has no default value"):
        required.validate()
    # schedule=None: checked when triggered, so an author can force a value to be given.
    DAG("unscheduled", start_date=START, schedule=None, params={"n": Param()}).validate()
    nullable = {"n": Param(type=["null", "string"])}
    DAG("nullable", start_date=START, schedule="@daily", params=nullable).validate()


def test_params_survive_serialization_in_order_with_schemas() -> None:
    with DAG(
        "ser",
        start_date=START,
        schedule=None,
        params={
            "z": Param(5, type="integer", minimum=1, title="Zed", description="How many"),
            "a": "plain",
            "must": Param(type="string"),
        },
    ) as dag:
        BashOperator(task_id="t", bash_command="true", params={"p": Param(1, type="integer")})
    data = json.loads(json.dumps(serialize_dag(dag)))
    restored = SerializedDAG.from_dict(data)
    assert list(restored.params) == ["z", "a", "must"]
    assert restored.params.get_param("z").schema["title"] == "Zed"
    assert restored.params.get_param("z").description == "How many"
    assert restored.params.dump() == {"z": 5, "a": "plain", "must": None}
    with pytest.raises(ParamValidationError, match="param z: 0 is less than the minimum of 1"):
        restored.params.resolve_conf({"z": 0, "must": "x"})
    assert restored.tasks["t"].params.get_param("p").schema == {"type": "integer"}
    assert SerializedDAG.from_dict(restored.to_dict()) == restored


def test_dag_decorator_arguments_are_checked_against_declared_params() -> None:
    @dag_decorator(schedule=None, start_date=START, params={"n": Param(1, type="integer")})
    def decorated(n: Any = 2) -> None:
        pass

    assert decorated().params.get_param("n").value == 2

    @dag_decorator(schedule=None, start_date=START, params={"n": Param(1, type="integer")})
    def wrong(n: Any = "two") -> None:
        pass

    with pytest.raises(ParamValidationError, match="param n: 'two' is not of type 'integer'"):
        wrong()


def test_plain_params_do_not_pay_for_importing_jsonschema() -> None:
    """jsonschema takes hundreds of milliseconds to import: only schemas need it."""
    import subprocess
    import sys

    code = (
        "import sys; from tradewind import DAG, Param; "
        "DAG('d', schedule=None, params={'a': 1, 'b': Param('x')}).validate(); "
        "assert 'jsonschema' not in sys.modules, 'imported'; "
        "Param(1, type='integer').resolve(); assert 'jsonschema' in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
