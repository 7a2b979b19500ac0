"""Airflow 2's ``/api/v1`` objects as pydantic models, named as Airflow's document names them.

They describe the wire format in the served OpenAPI document (``response_model=`` and
request bodies); handlers build plain dicts of the same shape from database rows, since
validating every listed row through a model would cost more than reading it. Fields
and parameters where Tradewind differs are marked with ``x-tradewind`` (:func:`refused`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue
from pydantic.json_schema import SkipJsonSchema

from tradewind.api.experimental.schemas import RUN_ID_PATTERN
from tradewind.api.stable.paging import order_values
from tradewind.db.models.base import ID_LENGTH
from tradewind.operations import run_list


def refused(*names: str, why: str) -> dict[str, Any]:
    """``openapi_extra`` marking what Airflow accepts here and Tradewind answers with 400."""
    return {"x-tradewind": {"refused": list(names), "why": why}}


# Request bodies named in the document by ``body()``: openapi.py adds their schemas.
BODY_MODELS: list[type[BaseModel]] = []


def body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """``openapi_extra["requestBody"]`` for a body the handler reads itself (as JSON)."""
    if model not in BODY_MODELS:
        BODY_MODELS.append(model)
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"required": required, "content": {"application/json": {"schema": schema}}}


ERROR_DESCRIPTIONS = {
    400: "Client specified an invalid argument.",
    401: "Request not authenticated due to missing, invalid, authentication info.",
    403: "Client does not have sufficient permission.",
    404: "A specified resource is not found.",
    405: "Request method is known by the server but is not supported by the target resource.",
    406: "A specified Accept header is not allowed.",
    409: "An existing resource conflicts with the request.",
    413: "The request body is too large.",
    500: "Unknown server error.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for error answers: problem JSON (the ``Error`` schema)."""
    schema = {"$ref": "#/components/schemas/Error"}
    return {
        status: {
            "description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": {"application/problem+json": {"schema": schema}},
        }
        for status in statuses
    }


def _only_false(value: bool) -> bool:
    if value:
        raise ValueError("only false is supported by Tradewind")
    return value


#: A boolean Airflow accepts that Tradewind supports only as ``false``.
OnlyFalse = Annotated[
    bool,
    AfterValidator(_only_false),
    Field(json_schema_extra={"const": False, "x-tradewind": "only false is supported"}),
]
#: A date that may be left out but, when given, is not null.
OptionalDate = datetime | SkipJsonSchema[None]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A request body: a field it does not name is a 400, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    """RFC 7807 problem details, media type application/problem+json."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class CollectionInfo(BaseModel):
    total_entries: int


# --- DAGs ---------------------------------------------------------------------------------------


class Tag(BaseModel):
    name: str


class TimeDelta(BaseModel):
    type_: Literal["TimeDelta"] = Field(alias="__type")
    days: int
    seconds: int
    microseconds: int


class CronExpression(BaseModel):
    type_: Literal["CronExpression"] = Field(alias="__type")
    value: str


ScheduleInterval = TimeDelta | CronExpression | None


class DAG(Model):
    dag_id: str
    dag_display_name: str
    root_dag_id: str | None = None
    is_paused: bool | None = None
    is_active: bool | None = None
    is_subdag: bool = False
    last_parsed_time: datetime | None = None
    last_pickled: datetime | None = None
    last_expired: datetime | None = None
    scheduler_lock: bool | None = None
    pickle_id: str | None = None
    default_view: str | None = None
    fileloc: str
    file_token: str
    owners: list[str]
    description: str | None = None
    schedule_interval: ScheduleInterval = None
    timetable_description: str | None = None
    tags: list[Tag] | None = None
    max_active_tasks: int | None = None
    max_active_runs: int | None = None
    has_task_concurrency_limits: bool | None = None
    has_import_errors: bool | None = None
    next_dagrun: datetime | None = None
    next_dagrun_data_interval_start: datetime | None = None
    next_dagrun_data_interval_end: datetime | None = None
    next_dagrun_create_after: datetime | None = None
    max_consecutive_failed_dag_runs: int | None = None


class DAGCollection(BaseModel):
    dags: list[DAG]
    total_entries: int


class DAGPatch(Body):
    """The one field a PATCH of a DAG may change; like Airflow, read-only fields of the
    ``DAG`` in the body are refused, ``update_mask`` or not."""

    is_paused: bool


class DAGDetail(DAG):
    timezone: str | None = None
    catchup: bool | None = None
    orientation: str | None = None
    concurrency: float | None = None
    start_date: datetime | None = None
    dag_run_timeout: TimeDelta | None = None
    dataset_expression: dict[str, Any] | None = None
    doc_md: str | None = None
    params: dict[str, Any] = {}
    end_date: datetime | None = None
    is_paused_upon_creation: bool | None = None
    last_parsed: datetime | None = None
    template_search_path: list[str] | None = None
    render_template_as_native_obj: bool | None = None


class ClassReference(BaseModel):
    module_path: str
    class_name: str


class Task(Model):
    class_ref: ClassReference
    task_id: str
    task_display_name: str
    owner: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    trigger_rule: str
    extra_links: list[dict[str, Any]] = []
    depends_on_past: bool
    is_mapped: bool
    wait_for_downstream: bool
    retries: float
    queue: str | None = None
    executor: str | None = None
    pool: str
    pool_slots: float
    execution_timeout: TimeDelta | None = None
    retry_delay: TimeDelta | None = None
    retry_exponential_backoff: bool
    priority_weight: float
    weight_rule: str
    ui_color: str
    ui_fgcolor: str
    template_fields: list[str]
    downstream_task_ids: list[str]
    doc_md: str | None = None


class TaskCollection(BaseModel):
    tasks: list[Task]
    total_entries: int


class DagSource(BaseModel):
    content: str


# --- DAG runs ---------------------------------------------------------------------------------

RUN_ORDER: list[JsonValue] = list(order_values(list(run_list.ORDER_COLUMNS)))

DagState = Literal["queued", "running", "success", "failed"]


class DAGRun(Model):
    dag_run_id: str | None = None
    dag_id: str
    logical_date: datetime | None = None
    execution_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    last_scheduling_decision: datetime | None = None
    run_type: Literal["backfill", "manual", "scheduled", "dataset_triggered"]
    state: DagState
    external_trigger: bool
    conf: dict[str, Any]
    note: str | None = None


class DAGRunCollection(BaseModel):
    dag_runs: list[DAGRun]
    total_entries: int


class TriggerDAGRun(Body):
    """The body of ``POST /dags/{dag_id}/dagRuns`` (Airflow names it ``DAGRun`` too)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Both ends of the data interval, or neither.
            "anyOf": [
                {"required": ["data_interval_start", "data_interval_end"]},
                {
                    "not": {
                        "anyOf": [
                            {"required": ["data_interval_start"]},
                            {"required": ["data_interval_end"]},
                        ]
                    }
                },
            ]
        },
    )
    dag_run_id: Annotated[str, Field(max_length=ID_LENGTH, pattern=RUN_ID_PATTERN)] | None = None
    logical_date: datetime | None = None
    execution_date: datetime | None = None
    data_interval_start: OptionalDate = None
    data_interval_end: OptionalDate = None
    conf: dict[str, Any] | None = None
    note: str | None = None


class UpdateDagRunState(Body):
    state: Literal["success", "failed", "queued"]


class ClearDagRun(Body):
    dry_run: bool = True


class SetDagRunNote(Body):
    note: str


class ListDagRunsForm(Body):
    order_by: str | None = Field(None, json_schema_extra={"enum": RUN_ORDER})
    page_offset: int | None = Field(default=None, ge=0, le=2**63 - 1)
    page_limit: int | None = Field(default=100, ge=1)
    dag_ids: list[str] | None = None
    states: list[str] | None = None
    execution_date_gte: datetime | None = None
    execution_date_lte: datetime | None = None
    start_date_gte: datetime | None = None
    start_date_lte: datetime | None = None
    end_date_gte: datetime | None = None
    end_date_lte: datetime | None = None


# --- task instances -----------------------------------------------------------------------------

TaskState = Literal[
    "success",
    "running",
    "failed",
    "upstream_failed",
    "skipped",
    "up_for_retry",
    "up_for_reschedule",
    "queued",
    "none",
    "scheduled",
    "deferred",
    "removed",
    "restarting",
]
UpdateTaskState = Literal["success", "failed", "skipped"]


class TaskInstance(Model):
    task_id: str
    task_display_name: str
    dag_id: str
    dag_run_id: str
    execution_date: datetime
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    state: TaskState | None = None
    try_number: int
    map_index: int
    max_tries: int
    hostname: str
    unixname: str
    pool: str
    pool_slots: int
    queue: str | None = None
    priority_weight: int | None = None
    operator: str | None = None
    queued_when: str | None = None
    pid: int | None = None
    executor: str | None = None
    executor_config: str
    sla_miss: None = None
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] = {}
    trigger: dict[str, Any] | None = None
    triggerer_job: dict[str, Any] | None = None
    note: str | None = None


class TaskInstanceCollection(BaseModel):
    task_instances: list[TaskInstance]
    total_entries: int


class TaskInstanceReference(BaseModel):
    task_id: str
    dag_id: str
    execution_date: str
    dag_run_id: str


class TaskInstanceReferenceCollection(BaseModel):
    task_instances: list[TaskInstanceReference]


class ListTaskInstanceForm(Body):
    dag_ids: list[str] | None = None
    dag_run_ids: list[str] | None = None
    task_ids: list[str] | None = None
    execution_date_gte: datetime | None = None
    execution_date_lte: datetime | None = None
    start_date_gte: datetime | None = None
    start_date_lte: datetime | None = None
    end_date_gte: datetime | None = None
    end_date_lte: datetime | None = None
    duration_gte: float | None = None
    duration_lte: float | None = None
    state: list[TaskState | None] | None = None
    pool: list[str] | None = None
    queue: list[str] | None = None
    executor: list[str] | None = Field(
        None, max_length=0, json_schema_extra={"x-tradewind": "one executor runs every task"}
    )
    page_offset: int | None = Field(default=None, ge=0, le=2**63 - 1)
    page_limit: int | None = Field(default=100, ge=1)


class UpdateTaskInstance(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Without dry_run (true by default), new_state says what to set.
            "if": {"properties": {"dry_run": {"const": False}}, "required": ["dry_run"]},
            "then": {"required": ["new_state"]},
        },
    )
    dry_run: bool = True
    new_state: UpdateTaskState | None = None


class ClearTaskInstances(Body):
    dry_run: bool = True
    task_ids: list[str] | None = Field(default=None, min_length=1)
    start_date: datetime | None = None
    end_date: datetime | None = None
    only_failed: bool = True
    only_running: bool = False
    reset_dag_runs: Literal[True] | None = Field(
        None, json_schema_extra={"x-tradewind": "a clear always re-queues its runs"}
    )
    dag_run_id: str | None = None
    include_upstream: OnlyFalse = False
    include_downstream: bool = False
    include_future: OnlyFalse = False
    include_past: OnlyFalse = False


class TaskLog(BaseModel):
    continuation_token: str | None = None
    content: str


class XComCollectionItem(BaseModel):
    key: str
    timestamp: datetime
    execution_date: datetime
    map_index: int
    task_id: str
    dag_id: str


class XComCollection(BaseModel):
    xcom_entries: list[XComCollectionItem]
    total_entries: int


class XCom(XComCollectionItem):
    value: Any
