"""The ``airflow`` import hook: what it serves, how it refuses, and that off means absent."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tradewind import compat
from tradewind.authoring.dag import DAG
from tradewind.authoring.dependencies import chain, cross_downstream
from tradewind.authoring.operators.bash import BashOperator
from tradewind.authoring.operators.empty import EmptyOperator
from tradewind.authoring.operators.python import PythonOperator
from tradewind.authoring.timezone import utcnow
from tradewind.authoring.trigger_rule import TriggerRule
from tradewind.compat.hook import AirflowCompatFinder
from tradewind.compat.table import AIRFLOW_MODULES
from tradewind.config import Config
from tradewind.dagfiles.discovery import looks_like_dag_file
from tradewind.exceptions import ConfigError


@pytest.fixture
def compat_on(config: Config) -> Iterator[Config]:
    on = config.with_overrides({("core", "airflow_compat"): "True"})
    compat.install(on)
    try:
        yield on
    finally:
        compat.uninstall()


def test_airflow_2_and_1_10_paths_serve_tradewind_objects(compat_on: Config) -> None:
    from airflow import DAG as AirflowDAG
    from airflow.models import BaseOperator
    from airflow.models.baseoperator import chain as airflow_chain
    from airflow.models.baseoperator import cross_downstream as airflow_cross
    from airflow.operators.bash import BashOperator as Bash2
    from airflow.operators.bash_operator import BashOperator as Bash110
    from airflow.operators.dummy_operator import DummyOperator
    from airflow.operators.empty import EmptyOperator as Empty2
    from airflow.operators.python_operator import PythonOperator as Python110
    from airflow.utils.trigger_rule import TriggerRule as AirflowTriggerRule

    assert AirflowDAG is DAG
    assert BaseOperator.__module__ == "tradewind.authoring.baseoperator"
    assert (airflow_chain, airflow_cross) == (chain, cross_downstream)
    assert Bash2 is Bash110 is BashOperator
    assert DummyOperator is Empty2 is EmptyOperator
    assert Python110 is PythonOperator
    assert AirflowTriggerRule.NONE_FAILED is TriggerRule.NONE_FAILED

    standard = importlib.import_module("airflow.providers.standard.operators.bash")
    assert standard.BashOperator is BashOperator  # Airflow 3's home of the core operators

    sdk = importlib.import_module("airflow.sdk")
    decorators = importlib.import_module("airflow.decorators")
    assert sdk.DAG is DAG and sdk.task is decorators.task and sdk.dag is decorators.dag


def test_days_ago_is_midnight_utc_n_days_back(compat_on: Config) -> None:
    from airflow.utils.dates import days_ago

    two_days_ago = days_ago(2)
    assert two_days_ago.utcoffset() == timedelta(0)
    assert (two_days_ago.hour, two_days_ago.minute, two_days_ago.second) == (0, 0, 0)
    assert (utcnow() - two_days_ago).days == 2


def test_conf_reads_the_loaded_configuration(compat_on: Config) -> None:
    from airflow.configuration import conf

    assert conf.get("core", "dags_folder") == str(compat_on.dags_folder)
    assert conf.getboolean("core", "airflow_compat") is True
    assert conf.getint("core", "parallelism") == compat_on.get("core", "parallelism")
    assert conf.has_option("core", "parallelism")
    assert not conf.has_option("core", "no_such_key")
    assert conf.get("core", "no_such_key", fallback="x") == "x"
    with pytest.raises(ConfigError, match="no_such_key"):
        conf.get("core", "no_such_key")


def test_an_unmapped_module_is_named_and_said_not_provided(compat_on: Config) -> None:
    with pytest.raises(ImportError) as caught:
        importlib.import_module("airflow.providers.amazon.aws.hooks.s3")
    assert not isinstance(caught.value, ModuleNotFoundError)
    assert str(caught.value) == (
        "airflow.providers.amazon.aws.hooks.s3 is not provided by Tradewind "
        "(airflow_compat maps Airflow's core DAG API and the providers the README lists)"
    )
    with pytest.raises(ImportError, match=r"^airflow\.providers\.slack\.operators\.slack is not"):
        exec("from airflow.providers.slack.operators.slack import SlackAPIPostOperator", {})


def test_an_unmapped_name_is_named_and_said_not_provided(compat_on: Config) -> None:
    with pytest.raises(ImportError) as caught:
        exec("from airflow.models import Nonexistent", {})
    assert str(caught.value).startswith(
        "Nonexistent (from airflow.models) is not provided by Tradewind"
    )
    assert not isinstance(caught.value, ModuleNotFoundError)


def test_off_leaves_import_airflow_alone(config: Config) -> None:
    compat.install(config)  # the default: off
    assert not any(isinstance(f, AirflowCompatFinder) for f in sys.meta_path)
    with pytest.raises(ModuleNotFoundError, match="No module named 'airflow'"):
        importlib.import_module("airflow")


def test_turning_it_off_forgets_the_served_modules(compat_on: Config, config: Config) -> None:
    importlib.import_module("airflow.operators.bash")
    compat.install(config)
    assert not [name for name in sys.modules if name.split(".")[0] == "airflow"]
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow")


def test_safe_mode_takes_airflow_files_only_with_compat_on() -> None:
    source = b"from airflow import DAG\nwith DAG('x') as dag: pass\n"
    assert looks_like_dag_file(source, airflow_compat=True)
    assert not looks_like_dag_file(source)
    assert not looks_like_dag_file(b"import airflow  # a helper", airflow_compat=True)


def test_exception_names_follow_what_tradewind_defines(compat_on: Config) -> None:
    """Mapped by name: each is Tradewind's own class, or "not provided" until it exists."""
    import tradewind.exceptions

    served = importlib.import_module("airflow.exceptions")
    for name in AIRFLOW_MODULES["airflow.exceptions"]:
        if hasattr(tradewind.exceptions, name):
            assert getattr(served, name) is getattr(tradewind.exceptions, name)
        else:
            with pytest.raises(ImportError, match=f"^{name} .* is not provided by Tradewind"):
                exec(f"from airflow.exceptions import {name}", {})


def test_private_names_are_plain_attribute_errors(compat_on: Config) -> None:
    """Libraries probe modules with getattr(module, "_x", default): that must not raise."""
    import airflow.models

    assert getattr(airflow.models, "_private_probe", None) is None


def test_is_venv_installed_says_whether_virtualenv_tasks_can_be_built(
    compat_on: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Airflow's example DAGs add their virtualenv tasks only when this answers True.
    from airflow.operators.python import is_venv_installed

    assert is_venv_installed() is True
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ensurepip" else real_find_spec(name, *a),
    )
    assert is_venv_installed() is False
