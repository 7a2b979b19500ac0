"""Every table, importable from one place (Alembic and the operations layer use this)."""

from tradewind.db.models.audit import AuditLog
from tradewind.db.models.base import Base
from tradewind.db.models.dag import DagFile, DagModel, ImportErrorModel, SerializedDagModel
from tradewind.db.models.dagrun import (
    DagRun,
    DagRunState,
    RunType,
    TaskInstance,
    TaskInstanceState,
)
from tradewind.db.models.dataset import (
    DagRunDatasetEvent,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
    TaskOutletDatasetReference,
)
from tradewind.db.models.job import Job
from tradewind.db.models.login_failure import LoginFailure
from tradewind.db.models.pool import DEFAULT_POOL_NAME, DEFAULT_POOL_SLOTS, Pool
from tradewind.db.models.rendered import RenderedTaskInstanceFields
from tradewind.db.models.task_history import TaskInstanceHistory
from tradewind.db.models.task_map import TaskMap
from tradewind.db.models.task_reschedule import TaskReschedule
from tradewind.db.models.trigger import Trigger
from tradewind.db.models.user import User
from tradewind.db.models.variable import Connection, Variable
from tradewind.db.models.xcom import XCom

__all__ = [
    "DEFAULT_POOL_NAME",
    "DEFAULT_POOL_SLOTS",
    "AuditLog",
    "Base",
    "Connection",
    "DagFile",
    "DagModel",
    "DagRun",
    "DagRunDatasetEvent",
    "DagRunState",
    "DagScheduleDatasetAliasReference",
    "DagScheduleDatasetReference",
    "DatasetAliasDataset",
    "DatasetAliasModel",
    "DatasetDagRunQueue",
    "DatasetEvent",
    "DatasetModel",
    "ImportErrorModel",
    "Job",
    "LoginFailure",
    "Pool",
    "RenderedTaskInstanceFields",
    "RunType",
    "SerializedDagModel",
    "TaskInstance",
    "TaskInstanceHistory",
    "TaskInstanceState",
    "TaskMap",
    "TaskOutletDatasetReference",
    "TaskReschedule",
    "Trigger",
    "User",
    "Variable",
    "XCom",
]
