"""Which Airflow module paths Tradewind serves, and from which of its own objects.

Each entry maps an Airflow module path to the names it exports, each name given as
``"tradewind.module:attribute"``. A name whose Tradewind object does not exist (yet) is
left out of the module, so importing it reads as "not provided" rather than crashing the
import of the whole module. Parent packages of the listed paths (``airflow.utils``...) exist
empty. Add a path here as the feature behind it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_DAG = {"DAG": "tradewind.authoring.dag:DAG"}
_BASEOPERATOR = {
    "BaseOperator": "tradewind.authoring.baseoperator:BaseOperator",
    "chain": "tradewind.authoring.dependencies:chain",
    "cross_downstream": "tradewind.authoring.dependencies:cross_downstream",
}
_DECORATORS = {
    "dag": "tradewind.authoring.dag_decorator:dag",
    "task": "tradewind.authoring.taskflow:task",  # task.branch, task.short_circuit, task.bash
    "task_group": "tradewind.authoring.task_group_decorator:task_group",
}
_TASK_GROUP = {"TaskGroup": "tradewind.authoring.task_group:TaskGroup"}
_EDGE_MODIFIER = {
    "EdgeModifier": "tradewind.authoring.edgemodifier:EdgeModifier",
    "Label": "tradewind.authoring.edgemodifier:Label",
}
_BASH = {"BashOperator": "tradewind.authoring.operators.bash:BashOperator"}
_PYTHON = {
    "PythonOperator": "tradewind.authoring.operators.python:PythonOperator",
    "get_current_context": "tradewind.authoring.current_context:get_current_context",
    "PythonVirtualenvOperator": "tradewind.authoring.operators.virtualenv:PythonVirtualenvOperator",
    "ExternalPythonOperator": "tradewind.authoring.operators.external_python:"
    "ExternalPythonOperator",
}
_BRANCH_PYTHON = {
    "BranchPythonOperator": "tradewind.authoring.operators.branch:BranchPythonOperator",
    "ShortCircuitOperator": "tradewind.authoring.operators.short_circuit:ShortCircuitOperator",
}
_BRANCH = {
    "BaseBranchOperator": "tradewind.authoring.operators.branch:BaseBranchOperator",
    "BranchMixIn": "tradewind.authoring.operators.branch:BranchMixIn",
}
_LATEST_ONLY = {
    "LatestOnlyOperator": "tradewind.authoring.operators.latest_only:LatestOnlyOperator"
}
_DATETIME_BRANCH = {
    "BranchDateTimeOperator": (
        "tradewind.authoring.operators.datetime_branch:BranchDateTimeOperator"
    ),
}
_WEEKDAY_BRANCH = {
    "BranchDayOfWeekOperator": "tradewind.authoring.operators.weekday:BranchDayOfWeekOperator",
}
_WEEKDAY = {"WeekDay": "tradewind.authoring.weekday:WeekDay"}
_EMPTY = {"EmptyOperator": "tradewind.authoring.operators.empty:EmptyOperator"}
_DUMMY = {"DummyOperator": "tradewind.authoring.operators.empty:EmptyOperator"}
_TRIGGER_RULE = {"TriggerRule": "tradewind.authoring.trigger_rule:TriggerRule"}
_DATES = {"days_ago": "tradewind.authoring.timezone:days_ago"}
_TIMEZONE = {
    "utc": "tradewind.authoring.timezone:UTC",
    "utcnow": "tradewind.authoring.timezone:utcnow",
    "convert_to_utc": "tradewind.authoring.timezone:coerce_utc_or_none",
    "parse": "tradewind.authoring.timezone:parse_datetime",
}
_EXCEPTIONS = {
    name: f"tradewind.exceptions:{name}"
    for name in (
        "AirflowException",
        "AirflowSkipException",
        "AirflowFailException",
        "AirflowTaskTimeout",
        "ParamValidationError",
    )
}
_PARAM = {
    "Param": "tradewind.authoring.params:Param",
    "ParamsDict": "tradewind.authoring.params:ParamsDict",
    "DagParam": "tradewind.authoring.dag_decorator:DagParam",
}
_CONFIGURATION: dict[str, str] = {}  # its `conf` is built by the hook over the loaded Config

#: Airflow module path -> {exported name: "tradewind.module:attribute"}.
AIRFLOW_MODULES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "airflow": {**_DAG},
        "airflow.models": {
            **_DAG,
            **_BASEOPERATOR,
            "Param": _PARAM["Param"],
            "DagParam": _PARAM["DagParam"],
        },
        "airflow.models.param": _PARAM,
        "airflow.models.dag": _DAG,
        "airflow.models.baseoperator": _BASEOPERATOR,
        "airflow.models.xcom_arg": {
            "XComArg": "tradewind.authoring.xcom_arg:XComArg",
            "MapXComArg": "tradewind.authoring.xcom_arg:MapXComArg",
            "ZipXComArg": "tradewind.authoring.xcom_arg:ZipXComArg",
        },
        "airflow.models.mappedoperator": {
            "MappedOperator": "tradewind.authoring.mapping:MappedOperator",
            "OperatorPartial": "tradewind.authoring.mapping:OperatorPartial",
        },
        "airflow.decorators": _DECORATORS,
        "airflow.operators.bash": _BASH,
        "airflow.operators.python": {**_PYTHON, **_BRANCH_PYTHON},
        "airflow.operators.empty": _EMPTY,
        "airflow.operators.branch": _BRANCH,
        "airflow.operators.latest_only": _LATEST_ONLY,
        "airflow.operators.datetime": _DATETIME_BRANCH,
        "airflow.operators.weekday": _WEEKDAY_BRANCH,
        "airflow.utils.weekday": _WEEKDAY,
        # Airflow 1.10's paths, still common in DAG files found in the wild.
        "airflow.operators.bash_operator": _BASH,
        "airflow.operators.python_operator": {**_PYTHON, **_BRANCH_PYTHON},
        "airflow.operators.latest_only_operator": _LATEST_ONLY,
        "airflow.operators.branch_operator": _BRANCH,
        "airflow.operators.dummy_operator": _DUMMY,
        "airflow.operators.dummy": _DUMMY,
        "airflow.utils.trigger_rule": _TRIGGER_RULE,
        "airflow.utils.task_group": _TASK_GROUP,
        "airflow.utils.edgemodifier": _EDGE_MODIFIER,
        "airflow.utils.dates": _DATES,
        "airflow.utils.timezone": _TIMEZONE,
        "airflow.exceptions": _EXCEPTIONS,
        "airflow.configuration": _CONFIGURATION,
        # Airflow 3 moved the core operators into the "standard" provider.
        "airflow.providers.standard.operators.bash": _BASH,
        "airflow.providers.standard.operators.python": {**_PYTHON, **_BRANCH_PYTHON},
        "airflow.providers.standard.operators.empty": _EMPTY,
        "airflow.providers.standard.operators.branch": _BRANCH,
        "airflow.providers.standard.operators.latest_only": _LATEST_ONLY,
        "airflow.providers.standard.operators.datetime": _DATETIME_BRANCH,
        "airflow.providers.standard.operators.weekday": _WEEKDAY_BRANCH,
        "airflow.providers.standard.utils.weekday": _WEEKDAY,
        # Airflow 3's task SDK: the same objects under one roof.
        "airflow.sdk": {
            **_DAG,
            **_DECORATORS,
            **_BASEOPERATOR,
            **_TASK_GROUP,
            "get_current_context": _PYTHON["get_current_context"],
            **_EDGE_MODIFIER,
            "Param": _PARAM["Param"],
        },
    }
)


def parent_packages() -> frozenset[str]:
    """Every proper prefix of a listed path: these are packages, even when not listed."""
    parents: set[str] = set()
    for path in AIRFLOW_MODULES:
        parts = path.split(".")
        parents.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return frozenset(parents)
