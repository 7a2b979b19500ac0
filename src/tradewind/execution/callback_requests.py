"""Callbacks no try can call: a DAG's, and those of a try whose process died.

A try calls its own task callbacks (:mod:`~tradewind.execution.task_callbacks`). Two
kinds are left over, and the scheduler, which never imports DAG code, asks for them with a
typed request:

* :class:`TaskCallbackRequest` - a try that was killed, ran past its hard
  ``execution_timeout``, or became a zombie, and that the scheduler failed or retried:
  its ``on_failure_callback`` / ``on_retry_callback`` and email alert;
* :class:`DagCallbackRequest` - a run that ended: the DAG's ``on_success_callback`` or
  ``on_failure_callback`` with ``reason`` (``success``, ``task_failure``, ``timed_out``).

:func:`run_requests` runs a batch in a process that imports the DAG files, forked by the
scheduler's :class:`~tradewind.scheduling.callback_runner.CallbackRunner` (as Airflow 2
runs them in its DAG processor). A task callback logs into the try's log, a DAG callback
into the scheduler's; one that raises is logged and changes no state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradewind.authoring.callbacks import run_callbacks
from tradewind.authoring.mapping import MappedOperator
from tradewind.exceptions import AirflowException
from tradewind.execution.logs import log_path
from tradewind.execution.try_process import (
    MetadataDatabase,
    RuntimeTaskInstance,
    StartedTry,
    try_context,
)
from tradewind.states import TaskInstanceState

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG
    from tradewind.config import Config

log = logging.getLogger("tradewind.callbacks")


@dataclass(frozen=True)
class TaskCallbackRequest:
    """A try the scheduler failed (``state`` failed) or retried (``up_for_retry``)."""

    ti: StartedTry  # the try, with its run's dates and conf
    state: str
    message: str  # why it ended: the callback's ``exception``


@dataclass(frozen=True)
class DagCallbackRequest:
    """A run that ended; ``ti`` is the task instance the context is built around (the
    failing one for a failure, the last to end for a success)."""

    ti: StartedTry
    success: bool
    reason: str
    ti_state: str = ""


CallbackRequest = TaskCallbackRequest | DagCallbackRequest


def run_requests(config: Config, requests: Iterable[CallbackRequest]) -> None:
    """Run each request's callbacks; imports each DAG file once. Never raises."""
    from tradewind import compat
    from tradewind.integrations import smtp

    compat.install(config)
    smtp.use_config(lambda: config)
    database = MetadataDatabase(config=config)
    dags: dict[str, list[DAG] | None] = {}
    for request in requests:
        try:
            dag = _dag_of(request.ti, dags)
            if dag is None:
                continue
            if isinstance(request, TaskCallbackRequest):
                _run_task_request(config, database, dag, request)
            else:
                _run_dag_request(database, dag, request)
        except Exception:
            log.exception(
                "Callbacks of %s (%s) could not be run", request.ti.dag_id, request.ti.run_id
            )


def _dag_of(started: StartedTry, dags: dict[str, list[DAG] | None]) -> DAG | None:
    from tradewind.dagfiles.loader import load_dags_from_file

    if started.fileloc not in dags:
        try:
            dags[started.fileloc] = load_dags_from_file(started.fileloc)
        except BaseException:
            log.exception("Could not import %s to run its callbacks", started.fileloc)
            dags[started.fileloc] = None
    found = [d for d in dags[started.fileloc] or [] if d.dag_id == started.dag_id]
    if not found and dags[started.fileloc] is not None:
        log.error(
            "DAG %s is no longer in %s: its callbacks were not run", started.dag_id, started.fileloc
        )
    return found[0] if found else None


def _context(
    database: MetadataDatabase, dag: DAG, started: StartedTry, state: str
) -> dict[str, Any]:
    task = dag.get_task(started.task_id) if dag.has_task(started.task_id) else None
    if task is None:  # the task left the DAG: any task keeps the context's shape
        task = dag.tasks[0]
    ti = RuntimeTaskInstance(database, started, task)
    ti.state = state
    context = try_context(dag, task, ti, started)
    if started.map_index >= 0 and isinstance(task, MappedOperator):
        _as_the_instance(context, task, started)
    return context


def _as_the_instance(context: dict[str, Any], task: MappedOperator, started: StartedTry) -> None:
    """A mapped instance's callbacks see the operator that instance ran (its own values),
    as they would have in its try; if it cannot be built again, the mapped task, said so."""
    try:
        instance = task.unmap(started.map_index, context)
    except Exception:
        log.warning(
            "Could not build instance %d of mapped task %s for its callbacks; they get the "
            "mapped task",
            started.map_index,
            started.task_id,
            exc_info=True,
        )
        return
    context["ti"].task = instance
    context["task"] = instance


def _run_task_request(
    config: Config, database: MetadataDatabase, dag: DAG, request: TaskCallbackRequest
) -> None:
    from tradewind.execution.task_callbacks import call_outcome_callbacks

    started = request.ti
    if not dag.has_task(started.task_id):
        return
    task = dag.get_task(started.task_id)
    context = _context(database, dag, started, request.state)
    path = log_path(
        config,
        started.dag_id,
        started.run_id,
        started.task_id,
        started.try_number,
        started.map_index,
    )
    with _logging_to(path):
        call_outcome_callbacks(
            task,
            context,
            TaskInstanceState.FAILED,
            exception=AirflowException(request.message),
            retrying=request.state == TaskInstanceState.UP_FOR_RETRY,
        )


def _run_dag_request(database: MetadataDatabase, dag: DAG, request: DagCallbackRequest) -> None:
    name = "on_success_callback" if request.success else "on_failure_callback"
    callbacks = getattr(dag, name)
    if not callbacks or not dag.tasks:
        return
    context = _context(database, dag, request.ti, request.ti_state)
    context["reason"] = request.reason
    context["dag_run"].state = "success" if request.success else "failed"
    log.info(
        "Running %s of DAG %s (run %s, %s)", name, dag.dag_id, request.ti.run_id, request.reason
    )
    run_callbacks(callbacks, context, name, log)


class _logging_to:
    """Send the task logger's lines to the try's log file while the block runs."""

    def __init__(self, path: Any) -> None:
        self._path = path
        self._handler: logging.Handler | None = None

    def __enter__(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self._path)
        handler.setFormatter(
            logging.Formatter("[%(asctime)s] {%(name)s} %(levelname)s - %(message)s")
        )
        logging.getLogger("tradewind.task").addHandler(handler)
        self._handler = handler

    def __exit__(self, *_: object) -> None:
        if self._handler is not None:
            logging.getLogger("tradewind.task").removeHandler(self._handler)
            self._handler.close()
