"""Shapes for the OpenAPI document only: handlers build plain dicts, so no validation cost.

Each model here is what the matching handler really returns or accepts; when a handler
changes its JSON, change its model too (tests compare the two).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tradewind.db.models.base import ID_LENGTH
from tradewind.db.models.pool import POOL_NAME_MAX_LENGTH
from tradewind.db.models.variable import VARIABLE_KEY_MAX_LENGTH
from tradewind.operations.connections import SHORT_FIELD_LENGTH
from tradewind.operations.dag_runs import MAX_COUNT
from tradewind.operations.pools import MAX_SLOTS, UNLIMITED
from tradewind.states import DagRunState

# Patterns are ECMA-262 regular expressions, as OpenAPI reads them.
# Not blank and no NUL (names are stored as text, and PostgreSQL's text holds no NUL).
NAME_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
NO_NUL = r"^[^\u0000]*$"
# A run id: not blank, no "/" (it goes in URLs), no control characters.
RUN_ID_PATTERN = r"^[^/\u0000-\u001f\u007f-\u009f]*[^/\s\u0000-\u001f\u007f-\u009f][^/\u0000-\u001f\u007f-\u009f]*$"  # noqa: E501
DATE_TIME = {"type": "string", "format": "date-time"}

# The spellings of true and false a flag takes as a string (any case, see parse_flag).
FLAG_WORDS = ["true", "false", "t", "f", "yes", "no", "y", "n", "1", "0", ""]
FlagWord = Annotated[str, Field(json_schema_extra={"enum": FLAG_WORDS})]
Flag = Annotated[
    bool | Annotated[int, Field(ge=0, le=1)] | FlagWord,
    Field(description='true or false: a JSON boolean, 0 or 1, or a string such as "false"'),
]


class Error(BaseModel):
    error: str = Field(description="One readable sentence")


class Status(BaseModel):
    status: str


class Info(BaseModel):
    version: str


# A string holding a JSON object, as the seed's curl example sends conf. Any object is
# accepted; no pattern can say "JSON", so this one spells the flat {"key": "value"} form.
_JSON_SPACE = r"[ \t\n\r]*"
_JSON_TEXT = r'"[^"\\\u0000-\u001f]*"'
_JSON_PAIR = f"{_JSON_SPACE}{_JSON_TEXT}{_JSON_SPACE}:{_JSON_SPACE}{_JSON_TEXT}{_JSON_SPACE}"
_JSON_OBJECT = f"{_JSON_SPACE}\\{{({_JSON_PAIR}(,{_JSON_PAIR})*|{_JSON_SPACE})\\}}{_JSON_SPACE}"
JSON_OBJECT_TEXT = {
    "pattern": f"^({_JSON_OBJECT})?$",
    "description": 'A string holding a JSON object, e.g. "{\\"key\\": \\"value\\"}"; "" is no conf',
}


class TriggerBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: Annotated[str, Field(max_length=ID_LENGTH, pattern=RUN_ID_PATTERN)] | None = Field(
        None, description="Default manual__<execution_date>; no '/' or control characters"
    )
    conf: dict[str, Any] | Annotated[str, Field(json_schema_extra=JSON_OBJECT_TEXT)] | None = Field(
        None,
        description="A JSON object, or a string holding one; laid over the DAG's param "
        "defaults and checked against their schemas (a 400 names the param that fails)",
    )
    execution_date: Annotated[str, Field(json_schema_extra={"format": "date-time"})] | None = Field(
        None, description="ISO 8601; default now"
    )
    replace_microseconds: Flag | None = Field(
        None, description="Truncate the date to the second; default true without a date"
    )
    detailed_output: Flag | None = Field(None, description="Also return the dag-run fields")


class Triggered(BaseModel):
    message: str
    execution_date: str
    run_id: str


# The run a trigger created, and the calls that read it by its execution date.
RUN_LINKS = {
    link: {
        "operationId": operation_id,
        "parameters": {
            "dag_id": "$request.path.dag_id",
            "execution_date": "$response.body#/execution_date",
        },
    }
    for link, operation_id in (("GetDagRun", "get_dag_run"), ("GetLineage", "get_lineage"))
}


class DagRun(BaseModel):
    id: int
    run_id: str
    state: str
    dag_id: str
    execution_date: str
    start_date: str = Field(description='ISO 8601, or "" before the run starts')
    dag_run_url: str


class DagRunDetail(DagRun):
    end_date: str
    conf: dict[str, Any]
    external_trigger: bool
    run_type: str
    data_interval_start: str
    data_interval_end: str
    queued_at: str
    triggered_by: str


class Paused(BaseModel):
    is_paused: bool


class Ok(BaseModel):
    response: str


class Deleted(BaseModel):
    message: str
    count: int


class LatestRun(BaseModel):
    dag_id: str
    execution_date: str
    start_date: str
    dag_run_url: str


class LatestRuns(BaseModel):
    items: list[LatestRun]


class PoolBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(
        min_length=1,
        max_length=POOL_NAME_MAX_LENGTH,
        pattern=NAME_PATTERN,
        description=f"1 to {POOL_NAME_MAX_LENGTH} characters, not all blank, no NUL",
    )
    slots: (
        Annotated[int, Field(ge=UNLIMITED, le=MAX_SLOTS)]
        | Annotated[str, Field(pattern=r"^\s*(-1|[0-9]{1,9})\s*$")]
    ) = Field(description="An integer (or a string of one); -1 means unlimited")
    description: Annotated[str, Field(pattern=NO_NUL)] | None = None


class Pool(BaseModel):
    id: int
    pool: str
    slots: int
    description: str
    include_deferred: bool
    open_slots: int = Field(description="-1 when the pool is unlimited")
    used_slots: int
    queued_slots: int
    running_slots: int


# The pool a POST created or updated, and the calls that take its name.
POOL_LINKS = {
    link: {"operationId": operation_id, "parameters": {"name": "$response.body#/pool"}}
    for link, operation_id in (("GetPool", "get_pool"), ("DeletePool", "delete_pool"))
}


class Dag(BaseModel):
    dag_id: str
    is_paused: bool
    is_active: bool
    fileloc: str
    schedule: str | None
    owners: str
    tags: list[str]
    description: str | None
    next_dagrun: str | None


class TaskInstance(BaseModel):
    """Every attribute a string, as Airflow's answer; ``rendered_fields`` is Tradewind's."""

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"additionalProperties": {"type": "string"}}
    )

    rendered_fields: dict[str, Any] | None = Field(
        description="The templated fields as the latest finished try rendered them, secrets "
        "masked; null before a try has rendered them (Tradewind extension)"
    )


class TaskLog(BaseModel):
    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    content: str


class DatasetEventBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field(
        min_length=1,
        max_length=3000,
        pattern=r"^[\x01-\x7f]*[!-~][\x01-\x7f]*$",
        description="The URI of an existing dataset: ASCII, not blank, scheme not 'airflow'",
    )
    extra: dict[str, Any] | None = Field(None, description="Free JSON kept with the event")


class DatasetEventOut(BaseModel):
    id: int
    dataset_id: int
    dataset_uri: str
    extra: dict[str, Any]
    source_dag_id: str | None
    source_task_id: str | None
    source_run_id: str | None
    source_map_index: int
    source_aliases: list[str]
    timestamp: str


class Lineage(BaseModel):
    message: str
    task_ids: dict[str, dict[str, list[Any]]]


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


# An empty query parameter (?state=) is the same as none, as in Airflow.
EMPTY = {"type": "string", "enum": [""]}


def or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, EMPTY]}


COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}

LIST_PARAMETERS = [
    _query(
        "state",
        "Only runs in this state (any case)",
        or_empty({"type": "string", "enum": [str(state) for state in DagRunState]}),
    ),
    _query(
        "limit",
        "At most this many runs (default: all). A larger number than the server's "
        "`[api] maximum_page_limit` (default 100) is lowered to it; page on with `offset`",
        or_empty(COUNT),
    ),
    _query("offset", "Skip this many runs first", or_empty(COUNT)),
    _query("execution_date_gte", "Runs at or after this date (ISO 8601)", or_empty(DATE_TIME)),
    _query("execution_date_lte", "Runs at or before this date (ISO 8601)", or_empty(DATE_TIME)),
]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Error} for code in codes}


def json_body(model: type[BaseModel], required: bool = False) -> dict[str, Any]:
    """An ``openapi_extra`` declaring a JSON body the handler reads itself."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


# --- variables and connections (Tradewind's extension endpoints) ----------------------------


class Variable(BaseModel):
    key: str
    value: str = Field(description='"***" when the key looks secret (password, token...)')
    description: str | None


class VariableBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str = Field(min_length=1, max_length=VARIABLE_KEY_MAX_LENGTH, pattern=NAME_PATTERN)
    value: str = Field(pattern=NO_NUL, description="Text; JSON-encode other values")
    description: str | None = Field(default=None, pattern=NO_NUL)


class VariableDeleted(BaseModel):
    key: str
    message: str


class ConnectionShown(BaseModel):
    conn_id: str
    conn_type: str | None
    description: str | None
    host: str | None
    login: str | None
    password: str | None = Field(description='"***" when set: the API never shows it')
    schema_: str | None = Field(alias="schema")
    port: int | None
    extra: dict[str, Any] | None = Field(description="Secret-looking fields are ***")


class ConnectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    conn_id: str = Field(min_length=1, max_length=ID_LENGTH, pattern=NAME_PATTERN)
    conn_type: str | None = Field(default=None, max_length=SHORT_FIELD_LENGTH, pattern=NAME_PATTERN)
    uri: str | None = Field(
        default=None, description="Airflow's URI form, instead of the separate fields"
    )
    description: str | None = Field(default=None, pattern=NO_NUL)
    host: str | None = Field(default=None, max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL)
    login: str | None = Field(default=None, pattern=NO_NUL)
    password: str | None = Field(default=None, pattern=NO_NUL)
    schema_: str | None = Field(
        default=None, alias="schema", max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL
    )
    port: Annotated[int, Field(ge=0, le=65535)] | None = None
    extra: dict[str, Any] | None = None


class ConnectionDeleted(BaseModel):
    conn_id: str
    message: str
