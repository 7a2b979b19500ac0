"""``/api/v1`` objects of pools, variables, connections, import errors, health, version and
config, as pydantic models named as Airflow's document names them (see ``schemas.py``).

Request bodies have their own models (``...Body``): Airflow reuses the response object for
them, but a response's read-only counts are not something a client may send, and the
patterns and bounds say what the server really accepts, so a client (or a fuzzer) that
follows the document is never refused. Those bounds are Tradewind's: Airflow's document
has none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.api.experimental.schemas import JSON_OBJECT_TEXT, NAME_PATTERN, NO_NUL
from tradewind.db.models.base import ID_LENGTH
from tradewind.db.models.pool import POOL_NAME_MAX_LENGTH
from tradewind.db.models.variable import VARIABLE_KEY_MAX_LENGTH
from tradewind.operations.connections import SHORT_FIELD_LENGTH
from tradewind.operations.pools import MAX_SLOTS, UNLIMITED

READ_ONLY: Any = {"readOnly": True}
JSON_TEXT: Any = JSON_OBJECT_TEXT  # a pattern for JSON object text, as the experimental API's

# --- pools ----------------------------------------------------------------------------------


class Pool(BaseModel):
    name: str
    slots: int = Field(description="-1 is unlimited")
    occupied_slots: int = Field(json_schema_extra=READ_ONLY)
    running_slots: int = Field(json_schema_extra=READ_ONLY)
    queued_slots: int = Field(json_schema_extra=READ_ONLY)
    scheduled_slots: int = Field(json_schema_extra=READ_ONLY)
    deferred_slots: int = Field(json_schema_extra=READ_ONLY)
    open_slots: int = Field(json_schema_extra=READ_ONLY, description="-1 when unlimited")
    description: str | None = None
    include_deferred: bool


class PoolCollection(BaseModel):
    pools: list[Pool]
    total_entries: int


class PoolBody(BaseModel):
    """A new pool (``name`` and ``slots`` required), or a PATCH's changes."""

    model_config = ConfigDict(extra="forbid", title="Pool")
    name: str = Field(min_length=1, max_length=POOL_NAME_MAX_LENGTH, pattern=NAME_PATTERN)
    slots: int = Field(ge=UNLIMITED, le=MAX_SLOTS)
    description: str | None = Field(default=None, pattern=NO_NUL)
    include_deferred: bool = False


class PoolPatch(BaseModel):
    """A PATCH's fields: with ``update_mask``, only those it names must be there; without,
    ``name`` and ``slots`` (Airflow's rule, which a schema cannot spell)."""

    model_config = ConfigDict(extra="forbid", title="Pool")
    name: str | None = Field(
        default=None, min_length=1, max_length=POOL_NAME_MAX_LENGTH, pattern=NAME_PATTERN
    )
    slots: int | None = Field(default=None, ge=UNLIMITED, le=MAX_SLOTS)
    description: str | None = Field(default=None, pattern=NO_NUL)
    include_deferred: bool | None = None


# --- variables ----------------------------------------------------------------------------


class Variable(BaseModel):
    key: str
    value: str = Field(description='"***" when the key looks secret (password, token...)')
    description: str | None = None


class VariableCollection(BaseModel):
    variables: list[Variable]
    total_entries: int


class VariableBody(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Variable")
    key: str = Field(min_length=1, max_length=VARIABLE_KEY_MAX_LENGTH, pattern=NAME_PATTERN)
    value: str = Field(pattern=NO_NUL, description="Text; JSON-encode other values")
    description: str | None = Field(default=None, pattern=NO_NUL)


# --- connections --------------------------------------------------------------------------


class ConnectionCollectionItem(BaseModel):
    connection_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    port: int | None = None


class ConnectionCollection(BaseModel):
    connections: list[ConnectionCollectionItem]
    total_entries: int


class Connection(ConnectionCollectionItem):
    extra: str | None = Field(
        default=None, description="JSON text; fields whose names look secret are ***"
    )


class ConnectionBody(BaseModel):
    """A connection as a client sends it; ``password`` is written, never shown."""

    model_config = ConfigDict(extra="forbid", title="Connection", populate_by_name=True)
    connection_id: str = Field(min_length=1, max_length=ID_LENGTH, pattern=NAME_PATTERN)
    conn_type: str = Field(min_length=1, max_length=SHORT_FIELD_LENGTH, pattern=NAME_PATTERN)
    description: str | None = Field(default=None, pattern=NO_NUL)
    host: str | None = Field(default=None, max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL)
    login: str | None = Field(default=None, pattern=NO_NUL)
    schema_: str | None = Field(
        default=None, alias="schema", max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL
    )
    port: int | None = Field(default=None, ge=0, le=65535)
    password: str | None = Field(
        default=None, pattern=NO_NUL, json_schema_extra={"writeOnly": True}
    )
    extra: str | None = Field(default=None, json_schema_extra=JSON_TEXT)


class ConnectionPatch(BaseModel):
    """A PATCH's fields: any of them (Airflow reads the body as a partial connection);
    ``connection_id``, if given, must be the one in the path."""

    model_config = ConfigDict(extra="forbid", title="Connection", populate_by_name=True)
    connection_id: str | None = Field(
        default=None, min_length=1, max_length=ID_LENGTH, pattern=NAME_PATTERN
    )
    conn_type: str | None = Field(
        default=None, min_length=1, max_length=SHORT_FIELD_LENGTH, pattern=NAME_PATTERN
    )
    description: str | None = Field(default=None, pattern=NO_NUL)
    host: str | None = Field(default=None, max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL)
    login: str | None = Field(default=None, pattern=NO_NUL)
    schema_: str | None = Field(
        default=None, alias="schema", max_length=SHORT_FIELD_LENGTH, pattern=NO_NUL
    )
    port: int | None = Field(default=None, ge=0, le=65535)
    password: str | None = Field(
        default=None, pattern=NO_NUL, json_schema_extra={"writeOnly": True}
    )
    extra: str | None = Field(default=None, json_schema_extra=JSON_TEXT)


class ConnectionTest(BaseModel):
    status: bool
    message: str


# --- import errors ------------------------------------------------------------------------


class ImportError(BaseModel):
    import_error_id: int
    timestamp: datetime
    filename: str
    stack_trace: str


class ImportErrorCollection(BaseModel):
    import_errors: list[ImportError]
    total_entries: int


# --- monitoring and config ----------------------------------------------------------------

HealthStatus = Literal["healthy", "unhealthy"] | None


class MetadatabaseStatus(BaseModel):
    status: HealthStatus


class SchedulerStatus(BaseModel):
    status: HealthStatus
    latest_scheduler_heartbeat: datetime | None


class TriggererStatus(BaseModel):
    status: HealthStatus
    latest_triggerer_heartbeat: datetime | None


class DagProcessorStatus(BaseModel):
    status: HealthStatus
    latest_dag_processor_heartbeat: datetime | None


class HealthInfo(BaseModel):
    metadatabase: MetadatabaseStatus
    scheduler: SchedulerStatus
    triggerer: TriggererStatus
    dag_processor: DagProcessorStatus


class VersionInfo(BaseModel):
    version: str
    git_version: str | None


class ConfigOption(BaseModel):
    key: str
    value: str


class ConfigSection(BaseModel):
    name: str
    options: list[ConfigOption]


class Config(BaseModel):
    sections: list[ConfigSection]
