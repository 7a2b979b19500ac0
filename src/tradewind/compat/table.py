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
    "task": "tradewind.authoring.taskflow:task",  # task.branch, .short_circuit, .bash, .sensor
    "task_group": "tradewind.authoring.task_group_decorator:task_group",
    "setup": "tradewind.authoring.taskflow_setup_teardown:setup",
    "teardown": "tradewind.authoring.taskflow_setup_teardown:teardown",
}
_TASK_GROUP = {
    "TaskGroup": "tradewind.authoring.task_group:TaskGroup",
    "MappedTaskGroup": "tradewind.authoring.mapped_task_group:MappedTaskGroup",
}
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
    "is_venv_installed": "tradewind.authoring.operators.virtualenv:is_venv_installed",
}
_BRANCH_PYTHON = {
    "BranchPythonOperator": "tradewind.authoring.operators.branch:BranchPythonOperator",
    "BranchPythonVirtualenvOperator": (
        "tradewind.authoring.operators.branch_subprocess:BranchPythonVirtualenvOperator"
    ),
    "BranchExternalPythonOperator": (
        "tradewind.authoring.operators.branch_subprocess:BranchExternalPythonOperator"
    ),
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
_SUBDAG = {"SubDagOperator": "tradewind.authoring.operators.subdag:SubDagOperator"}
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
        "AirflowSensorTimeout",
        "AirflowRescheduleException",
        "ParamValidationError",
        "XComNotFound",
        "AirflowNotFoundException",
        "AirflowTimetableInvalid",
        "TaskDeferred",
        "TaskDeferralError",
        "TaskDeferralTimeout",
    )
}
_SCHEDULES = "tradewind.authoring.schedules"
_TIMETABLE_BASE = {
    name: f"{_SCHEDULES}:{name}"
    for name in ("Timetable", "DataInterval", "DagRunInfo", "TimeRestriction")
}
_CRON_TRIGGER = {"CronTriggerTimetable": f"{_SCHEDULES}:CronTriggerTimetable"}
_INTERVAL_TIMETABLES = {
    "CronDataIntervalTimetable": f"{_SCHEDULES}:CronDataIntervalTimetable",
    "DeltaDataIntervalTimetable": f"{_SCHEDULES}:DeltaDataIntervalTimetable",
}
_EVENTS = {"EventsTimetable": f"{_SCHEDULES}:EventsTimetable"}
_XCOM = {"XCOM_RETURN_KEY": "tradewind.authoring.xcom_arg:RETURN_VALUE_KEY"}
_MACROS = {
    name: f"tradewind.authoring.macros:{name}"
    for name in (
        "ds_add",
        "ds_format",
        "datetime_diff_for_humans",
        "datetime",
        "timedelta",
        "dateutil",
        "time",
        "uuid",
        "random",
        "json",
    )
}
_PARAM = {
    "Param": "tradewind.authoring.params:Param",
    "ParamsDict": "tradewind.authoring.params:ParamsDict",
    "DagParam": "tradewind.authoring.dag_decorator:DagParam",
}
_EMAIL_OPERATOR = {"EmailOperator": "tradewind.integrations.email_operator:EmailOperator"}
_SEND_EMAIL = {"send_email": "tradewind.integrations.smtp:send_email"}
_NOTIFIER = {"BaseNotifier": "tradewind.authoring.notifier:BaseNotifier"}
_VARIABLE = {"Variable": "tradewind.authoring.variable:Variable"}
_CONNECTION = {"Connection": "tradewind.authoring.connection:Connection"}
_BASE_HOOK = {"BaseHook": "tradewind.integrations.base_hook:BaseHook"}
_SQL = "tradewind.integrations.sql"
_DBAPI = {
    "DbApiHook": f"{_SQL}.hook:DbApiHook",
    "fetch_all_handler": f"{_SQL}.hook:fetch_all_handler",
    "fetch_one_handler": f"{_SQL}.hook:fetch_one_handler",
}
_HTTP_OPERATORS = {
    "HttpOperator": "tradewind.integrations.http.operators:HttpOperator",
    "SimpleHttpOperator": "tradewind.integrations.http.operators:SimpleHttpOperator",
}
_DS = "tradewind.authoring.datasets"
_DATASETS = {
    name: f"{_DS}:{name}" for name in ("Dataset", "DatasetAlias", "DatasetAll", "DatasetAny")
}
_ASSETS = {name: f"{_DS}:{name}" for name in ("Asset", "AssetAlias", "AssetAll", "AssetAny")}
_DATASET_OR_TIME = {
    "DatasetOrTimeSchedule": "tradewind.authoring.schedules.datasets:DatasetOrTimeSchedule",
    "DatasetTriggeredTimetable": (
        "tradewind.authoring.schedules.datasets:DatasetTriggeredTimetable"
    ),
}
_ASSET_OR_TIME = {
    "AssetOrTimeSchedule": "tradewind.authoring.schedules.datasets:AssetOrTimeSchedule",
    "AssetTriggeredTimetable": "tradewind.authoring.schedules.datasets:DatasetTriggeredTimetable",
}
_TRIGGERS_BASE = {
    "BaseTrigger": "tradewind.authoring.triggers.base:BaseTrigger",
    "TriggerEvent": "tradewind.authoring.triggers.base:TriggerEvent",
}
_TRIGGERS_TEMPORAL = {
    "DateTimeTrigger": "tradewind.authoring.triggers.temporal:DateTimeTrigger",
    "TimeDeltaTrigger": "tradewind.authoring.triggers.temporal:TimeDeltaTrigger",
}
_TRIGGERS_FILE = {"FileTrigger": "tradewind.authoring.triggers.file:FileTrigger"}
_TRIGGERS_EXTERNAL_TASK = {
    "WorkflowTrigger": "tradewind.authoring.triggers.external_task:WorkflowTrigger",
    "DagStateTrigger": "tradewind.authoring.triggers.external_task:DagStateTrigger",
}
_TIME_DELTA_ASYNC = {
    "TimeDeltaSensorAsync": "tradewind.authoring.deferrable_sensors:TimeDeltaSensorAsync"
}
_DATE_TIME_ASYNC = {
    "DateTimeSensorAsync": "tradewind.authoring.deferrable_sensors:DateTimeSensorAsync"
}
_S = "tradewind.authoring.sensors"
_SENSOR_BASE = {
    "BaseSensorOperator": f"{_S}.base:BaseSensorOperator",
    "PokeReturnValue": f"{_S}.base:PokeReturnValue",
}
_SENSOR_PYTHON = {"PythonSensor": f"{_S}.python:PythonSensor"}
_SENSOR_BASH = {"BashSensor": f"{_S}.bash:BashSensor"}
_SENSOR_FILE = {"FileSensor": f"{_S}.filesystem:FileSensor"}
_SENSOR_TIME_DELTA = {
    "TimeDeltaSensor": f"{_S}.time_delta:TimeDeltaSensor",
    **_TIME_DELTA_ASYNC,
}
_SENSOR_TIME = {
    "TimeSensor": f"{_S}.time_sensor:TimeSensor",
    "TimeSensorAsync": f"{_S}.time_sensor:TimeSensorAsync",
}
_SENSOR_DATE_TIME = {
    "DateTimeSensor": f"{_S}.date_time:DateTimeSensor",
    **_DATE_TIME_ASYNC,
}
_SENSOR_WEEKDAY = {"DayOfWeekSensor": f"{_S}.weekday:DayOfWeekSensor"}
_SENSOR_EXTERNAL = {
    "ExternalTaskSensor": f"{_S}.external_task:ExternalTaskSensor",
    "ExternalTaskMarker": f"{_S}.external_task:ExternalTaskMarker",
}
_TRIGGER_DAGRUN = {
    "TriggerDagRunOperator": "tradewind.authoring.operators.trigger_dagrun:TriggerDagRunOperator"
}
#: Airflow path suffix (after ``airflow.`` or ``airflow.providers.standard.``) -> names.
_SENSOR_PATHS = {
    "sensors.base": _SENSOR_BASE,
    "sensors.python": _SENSOR_PYTHON,
    "sensors.bash": _SENSOR_BASH,
    "sensors.filesystem": _SENSOR_FILE,
    "sensors.time_delta": _SENSOR_TIME_DELTA,
    "sensors.time": _SENSOR_TIME,
    "sensors.date_time": _SENSOR_DATE_TIME,
    "sensors.weekday": _SENSOR_WEEKDAY,
    "sensors.external_task": _SENSOR_EXTERNAL,
    "operators.trigger_dagrun": _TRIGGER_DAGRUN,
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
            **_VARIABLE,
            **_CONNECTION,
        },
        "airflow.models.param": _PARAM,
        "airflow.models.variable": _VARIABLE,
        "airflow.models.connection": _CONNECTION,
        "airflow.hooks.base": _BASE_HOOK,
        "airflow.hooks.base_hook": _BASE_HOOK,  # Airflow 1.10's path
        "airflow.providers.common.sql.hooks.sql": _DBAPI,
        "airflow.providers.common.sql.operators.sql": {
            "SQLExecuteQueryOperator": f"{_SQL}.operators:SQLExecuteQueryOperator",
        },
        "airflow.providers.postgres.hooks.postgres": {
            "PostgresHook": f"{_SQL}.postgres:PostgresHook"
        },
        "airflow.providers.postgres.operators.postgres": {
            "PostgresOperator": f"{_SQL}.operators:PostgresOperator",
        },
        "airflow.providers.mysql.hooks.mysql": {"MySqlHook": f"{_SQL}.mysql:MySqlHook"},
        "airflow.providers.sqlite.hooks.sqlite": {"SqliteHook": f"{_SQL}.sqlite:SqliteHook"},
        "airflow.providers.http.hooks.http": {
            "HttpHook": "tradewind.integrations.http.hook:HttpHook",
        },
        "airflow.providers.http.operators.http": _HTTP_OPERATORS,
        "airflow.providers.http.sensors.http": {
            "HttpSensor": "tradewind.integrations.http.sensors:HttpSensor"
        },
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
        "airflow.models.xcom": _XCOM,
        "airflow.utils.xcom": _XCOM,
        "airflow.macros": _MACROS,
        "airflow.decorators": _DECORATORS,
        "airflow.operators.bash": _BASH,
        "airflow.operators.python": {**_PYTHON, **_BRANCH_PYTHON},
        "airflow.operators.empty": _EMPTY,
        "airflow.operators.branch": _BRANCH,
        "airflow.operators.latest_only": _LATEST_ONLY,
        "airflow.operators.datetime": _DATETIME_BRANCH,
        "airflow.operators.weekday": _WEEKDAY_BRANCH,
        "airflow.operators.subdag": _SUBDAG,
        "airflow.operators.subdag_operator": _SUBDAG,  # Airflow 1.10's path
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
        "airflow.utils.email": _SEND_EMAIL,
        "airflow.operators.email": _EMAIL_OPERATOR,
        "airflow.operators.email_operator": _EMAIL_OPERATOR,
        "airflow.providers.smtp.operators.smtp": _EMAIL_OPERATOR,
        "airflow.notifications.basenotifier": _NOTIFIER,
        "airflow.sdk.bases.notifier": _NOTIFIER,
        "airflow.datasets": _DATASETS,
        "airflow.timetables.datasets": _DATASET_OR_TIME,
        "airflow.timetables.simple": {
            "DatasetTriggeredTimetable": _DATASET_OR_TIME["DatasetTriggeredTimetable"],
            "AssetTriggeredTimetable": _ASSET_OR_TIME["AssetTriggeredTimetable"],
        },
        "airflow.timetables.assets": _ASSET_OR_TIME,
        "airflow.assets": _ASSETS,
        "airflow.datasets.metadata": {"Metadata": f"{_DS}:Metadata"},
        "airflow.sdk.definitions.asset.metadata": {"Metadata": f"{_DS}:Metadata"},
        **{f"airflow.{path}": names for path, names in _SENSOR_PATHS.items()},
        "airflow.sensors.time_sensor": _SENSOR_TIME,  # Airflow 2's module name
        "airflow.sensors.base_sensor_operator": _SENSOR_BASE,  # Airflow 1.10's
        "airflow.operators.sensors": {**_SENSOR_BASE, **_SENSOR_EXTERNAL},  # Airflow 1.10's
        "airflow.triggers.base": _TRIGGERS_BASE,
        "airflow.triggers.temporal": _TRIGGERS_TEMPORAL,
        "airflow.triggers.file": _TRIGGERS_FILE,
        "airflow.triggers.external_task": _TRIGGERS_EXTERNAL_TASK,
        "airflow.providers.standard.triggers.external_task": _TRIGGERS_EXTERNAL_TASK,
        "airflow.providers.standard.triggers.temporal": _TRIGGERS_TEMPORAL,
        "airflow.providers.standard.triggers.file": _TRIGGERS_FILE,
        # Airflow 3 moved the core operators into the "standard" provider.
        "airflow.providers.standard.operators.bash": _BASH,
        "airflow.providers.standard.operators.python": {**_PYTHON, **_BRANCH_PYTHON},
        "airflow.providers.standard.operators.empty": _EMPTY,
        "airflow.providers.standard.operators.branch": _BRANCH,
        "airflow.providers.standard.operators.latest_only": _LATEST_ONLY,
        "airflow.providers.standard.operators.datetime": _DATETIME_BRANCH,
        "airflow.providers.standard.operators.weekday": _WEEKDAY_BRANCH,
        "airflow.providers.standard.utils.weekday": _WEEKDAY,
        "airflow.timetables.base": _TIMETABLE_BASE,
        "airflow.timetables.trigger": _CRON_TRIGGER,
        "airflow.timetables.interval": _INTERVAL_TIMETABLES,
        "airflow.timetables.events": _EVENTS,
        "airflow.plugins_manager": {"AirflowPlugin": "tradewind.plugins_manager:AirflowPlugin"},
        "airflow.example_dags.subdags.subdag": {
            "subdag": "tradewind.example_dags.subdags.subdag:subdag",
        },
        "airflow.example_dags.plugins.workday": {
            "AfterWorkdayTimetable": "tradewind.example_dags.plugins.workday:AfterWorkdayTimetable",
            "WorkdayTimetablePlugin": (
                "tradewind.example_dags.plugins.workday:WorkdayTimetablePlugin"
            ),
        },
        **{f"airflow.providers.standard.{path}": names for path, names in _SENSOR_PATHS.items()},
        # Airflow 3's task SDK: the same objects under one roof.
        "airflow.sdk": {
            **_DAG,
            **_DECORATORS,
            **_BASEOPERATOR,
            "TaskGroup": _TASK_GROUP["TaskGroup"],
            "get_current_context": _PYTHON["get_current_context"],
            **_EDGE_MODIFIER,
            "Param": _PARAM["Param"],
            **_NOTIFIER,
            **_VARIABLE,
            **_CONNECTION,
            **_BASE_HOOK,
            **_ASSETS,
            "Metadata": f"{_DS}:Metadata",
            **_CRON_TRIGGER,
            **_INTERVAL_TIMETABLES,
            **_EVENTS,
            **_SENSOR_BASE,
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
