"""Exceptions shared across Tradewind's layers.

User-facing errors carry a message a person can act on; the CLI prints it without a
traceback and the API turns the ``NotFound``/``BadRequest`` family into JSON errors.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


class TradewindException(Exception):
    """Base class for every error Tradewind raises on purpose."""


# --- configuration -----------------------------------------------------------------------


class ConfigError(TradewindException):
    """A configuration key is unknown or its value cannot be parsed."""


# --- DAG authoring -----------------------------------------------------------------------


class DagDefinitionError(TradewindException):
    """A DAG file defines something invalid (cycle, duplicate task id, bad schedule...)."""


class DagCycleError(DagDefinitionError):
    """The tasks of a DAG depend on each other in a cycle."""


class DuplicateTaskIdError(DagDefinitionError):
    """Two tasks of one DAG share a task_id."""


# --- task outcomes raised from user code ----------------------------------------------------


class AirflowException(TradewindException):
    """Base of the errors a task raises or meets; Airflow's name, so DAG files can catch it.

    Raised from a task, it is an ordinary failure: the try fails and is retried if the task
    has retries left.
    """


class TaskSkipped(AirflowException):
    """Raise inside a task to end it in the ``skipped`` state."""


class AirflowSkipException(TaskSkipped):
    """Airflow's name for :class:`TaskSkipped`: the task ends ``skipped``, not failed."""


class TaskFailedNoRetry(AirflowException):
    """Raise inside a task to fail it without using the remaining retries."""


class AirflowFailException(TaskFailedNoRetry):
    """Airflow's name for :class:`TaskFailedNoRetry`: the try fails and is not retried."""


class AirflowSensorTimeout(TaskFailedNoRetry):
    """A sensor waited longer than its ``timeout``: the task fails and is not retried."""


class AirflowRescheduleException(AirflowException):
    """Raised by a sensor in ``reschedule`` mode: end this poke, free the slot, and run
    the task again at ``reschedule_date`` (the try number does not change)."""

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(f"reschedule at {reschedule_date.isoformat()}")
        self.reschedule_date = reschedule_date


class TaskTimeout(AirflowException):
    """The task ran longer than its ``execution_timeout``."""


class AirflowTaskTimeout(TaskTimeout):
    """Airflow's name for :class:`TaskTimeout`; the one a timed-out task actually meets."""


class AirflowTimetableInvalid(AirflowException):
    """A timetable's ``validate()`` found its arguments unusable (Airflow's name)."""


class ParamValidationError(AirflowException):
    """A param's value (a default, or a trigger's conf) does not satisfy its JSON Schema."""


class TaskDeferred(BaseException):
    """Raised by ``BaseOperator.defer``: end this try ``deferred`` until ``trigger`` fires.

    A ``BaseException`` (as in Airflow) so that a task's ``except Exception`` does not swallow
    it. The try's runner catches it, stores the trigger and frees the executor slot; the
    triggerer runs the trigger, and the task resumes in ``method_name`` with the event.
    """

    def __init__(
        self,
        *,
        trigger: Any,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | None = None,
    ) -> None:
        super().__init__()
        self.trigger = trigger
        self.method_name = method_name
        self.kwargs = kwargs
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<TaskDeferred trigger={self.trigger!r} method={self.method_name}>"


#: ``next_method`` of a deferral that failed (timed out, or its trigger raised): the try
#: resumes only for ``BaseOperator.resume_execution`` to raise why.
FAIL_METHOD = "__fail__"


class TaskDeferralError(AirflowException):
    """A deferral that cannot be stored (its trigger does not serialize, bad method name)."""


class TaskDeferralTimeout(AirflowException):
    """The trigger a task deferred on did not fire within the ``timeout`` given to ``defer``."""


class NoTaskContext(AirflowException):
    """``get_current_context()`` was called outside a running task."""


class XComNotFound(AirflowException):
    """An ``XComArg`` of a custom key (``op.output["key"]``) has no value when the task runs.

    The return value, and any key of a ``multiple_outputs`` task, resolve to ``None``
    instead, as in Airflow.
    """

    def __init__(self, dag_id: str, task_id: str, key: str) -> None:
        super().__init__(
            f'XComArg result from {task_id} at {dag_id} with key="{key}" is not found!'
        )
        self.dag_id = dag_id
        self.task_id = task_id
        self.key = key


# --- operations (mapped to HTTP status codes by the API) -------------------------------------


class NotFound(TradewindException):
    """The DAG, run, task, pool or user asked for does not exist (HTTP 404)."""


class DagNotFound(NotFound):
    pass


class DagRunNotFound(NotFound):
    pass


class TaskNotFound(NotFound):
    pass


class PoolNotFound(NotFound):
    pass


class AirflowNotFoundException(AirflowException, NotFound):
    """Airflow's name for a missing object a task asked for (a connection, for one)."""


class ConnectionNotFound(AirflowNotFoundException):
    """``The conn_id `x` isn't defined``: no connection by that id, stored or in the env."""


class VariableNotFound(NotFound, KeyError):
    """No variable by that key. A ``KeyError`` as well, as Airflow's ``Variable.get`` raises."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BadRequest(TradewindException):
    """The caller's input is invalid (HTTP 400); nothing was changed."""


class DagRunAlreadyExists(BadRequest):
    pass


class AlreadyExists(BadRequest):
    """A pool, connection... by that name exists already (HTTP 409 in ``/api/v1``; a 400
    where the API, like the experimental one, has no conflict status)."""


class PoolAlreadyExists(AlreadyExists):
    pass


class ConnectionAlreadyExists(AlreadyExists):
    pass


class ImportErrorNotFound(NotFound):
    pass


class DatabaseNotMigrated(TradewindException):
    """The metadata database has no schema, or an older one: run ``tradewind db migrate``."""


# --- scheduling --------------------------------------------------------------------------


class SchedulerAlreadyRunning(TradewindException):
    """A second scheduler was started where only one may run (SQLite)."""
