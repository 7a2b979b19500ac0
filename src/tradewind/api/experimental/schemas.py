"""Shapes for the OpenAPI document only: handlers build plain dicts, so no validation cost.

Each model here is what the matching handler really returns or accepts; when a handler
changes its JSON, change its model too (tests compare the two).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Error(BaseModel):
    error: str = Field(description="One readable sentence")


class Status(BaseModel):
    status: str


class Info(BaseModel):
    version: str


class TriggerBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: str | None = Field(None, description="Default manual__<execution_date>")
    conf: dict[str, Any] | str | None = Field(
        None, description="A JSON object, or a string holding one"
    )
    execution_date: str | None = Field(None, description="ISO 8601; default now")
    replace_microseconds: bool | str | None = Field(
        None, description="Truncate the date to the second; default true without a date"
    )
    detailed_output: bool | None = Field(None, description="Also return the dag-run fields")


class Triggered(BaseModel):
    message: str
    execution_date: str
    run_id: str


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

    name: str = Field(description="1 to 256 characters")
    slots: int | str = Field(description="An integer; -1 means unlimited")
    description: str | None = None


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


class TaskLog(BaseModel):
    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    content: str


class Lineage(BaseModel):
    message: str
    task_ids: dict[str, dict[str, list[Any]]]


def _query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind}}  # fmt: skip


LIST_PARAMETERS = [
    _query("state", "Only runs in this state: queued, running, success or failed"),
    _query(
        "limit",
        "At most this many runs (default: all). A larger number than the server's "
        "`[api] maximum_page_limit` (default 100) is lowered to it; page on with `offset`",
        "integer",
    ),
    _query("offset", "Skip this many runs first", "integer"),
    _query("execution_date_gte", "Runs at or after this date (ISO 8601)"),
    _query("execution_date_lte", "Runs at or before this date (ISO 8601)"),
]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Error} for code in codes}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """An ``openapi_extra`` declaring a JSON body the handler reads itself."""
    return {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
