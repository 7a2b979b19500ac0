"""A try's own process: run the task's code for a try its supervisor has claimed.

The runner host claims a try, a zygote forks this process, and all it does is run the
task's code and say how it ended (:class:`TryResult`); the host records that. Nothing here
imports SQLAlchemy: the zygote that forks tries stays small, so each ``fork()`` copies
fewer page tables. A try that uses XCom connects to the database on first use
(:class:`RuntimeTaskInstance`), and says so, so that its zygote can warm the database code
for the tries that follow.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tradewind.authoring.runtime_secrets import install_secrets_access
from tradewind.exceptions import (
    FAIL_METHOD,
    AirflowRescheduleException,
    AirflowTaskTimeout,
    DagNotFound,
    TaskDeferralError,
    TaskDeferred,
    TaskFailedNoRetry,
    TaskSkipped,
    TaskTimeout,
)
from tradewind.execution.output_streams import forgive_output_errors
from tradewind.security.masking import RedactingFilter
from tradewind.states import TaskInstanceState

if TYPE_CHECKING:
    from fractions import Fraction

    from tradewind.authoring.connection import Connection
    from tradewind.authoring.context import PriorSuccess
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.dataset_events import OutletEventAccessors
    from tradewind.config import Config
    from tradewind.db.engine import Database
    from tradewind.db.secrets_store import SecretsStore

log = logging.getLogger("tradewind.task")

XCOM_RETURN_KEY = "return_value"


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class StartedTry:
    """A claimed try: what its process needs to run it, and its supervisor to record it."""

    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    max_tries: int
    fileloc: str
    logical_date: datetime
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    conf: dict[str, Any]
    run_type: str
    start_date: datetime
    hostname: str = ""
    #: ``[core] dag_run_conf_overrides_params``, read by the claimer (the try has no config).
    conf_overrides_params: bool = True
    #: A try resuming from a deferral: the method to call instead of ``execute`` and its
    #: keyword arguments (serde-encoded JSON data, the trigger's ``event`` among them).
    next_method: str | None = None
    next_kwargs: dict[str, Any] | None = None
    #: -1 unless the task is mapped: which of its instances this try runs.
    map_index: int = -1
    #: ``[core] max_map_length``: a value pushed for a mapped task may not be longer.
    max_map_length: int = 1024
    #: A try resuming from a deferral: when the try first started (``start_date`` is when
    #: this piece of it did). ``execution_timeout`` counts from here, as in Airflow.
    try_started: datetime | None = None

    @property
    def first_start(self) -> datetime:
        return self.try_started or self.start_date

    def to_json(self) -> str:
        # The fields as they are: json.dumps copies nothing, where asdict deep-copied
        # ``conf`` and ``next_kwargs`` for every try the runner host hands to a zygote.
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        for name in _DATE_FIELDS:
            data[name] = data[name].isoformat() if data[name] is not None else None
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> StartedTry:
        data = json.loads(text)
        for name in _DATE_FIELDS:
            data[name] = datetime.fromisoformat(data[name]) if data[name] is not None else None
        return cls(**data)


_DATE_FIELDS = (
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "start_date",
    "try_started",
)


@dataclass(frozen=True)
class RetryPolicy:
    """A task's retry settings, as :func:`~tradewind.execution.failure.fail_try` reads them."""

    retry_delay: timedelta
    retry_exponential_backoff: bool
    max_retry_delay: timedelta | None

    @classmethod
    def of(cls, task: Any) -> RetryPolicy | None:
        if task is None:
            return None
        return cls(task.retry_delay, task.retry_exponential_backoff, task.max_retry_delay)


@dataclass
class TryResult:
    """How the task's code ended, before it is recorded (by the try or by its supervisor)."""

    state: str
    result: Any = None
    allow_retry: bool = True
    timed_out: bool = False
    retry: RetryPolicy | None = None
    used_database: bool = False  # the try connected to the database (XCom)
    #: ISO date a sensor in reschedule mode asked to poke again at (``up_for_reschedule``).
    reschedule_at: str | None = None
    rendered_fields: dict[str, Any] | None = None  # the templated fields, as rendered
    #: ``{"uri", "extra", "aliases"}`` per dataset event the success records (its outlets).
    dataset_events: list[dict[str, Any]] = field(default_factory=list)
    #: state ``deferred``: the trigger and how to resume (see :func:`describe_deferral`).
    deferral: dict[str, Any] | None = None

    def to_json(self) -> str:
        retry = None
        if self.retry is not None:
            retry = [
                self.retry.retry_delay.total_seconds(),
                self.retry.retry_exponential_backoff,
                None
                if self.retry.max_retry_delay is None
                else self.retry.max_retry_delay.total_seconds(),
            ]
        # Every field is already JSON data (``retry`` aside): no ``asdict`` deep copy.
        data = {**vars(self), "retry": retry}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> TryResult:
        data = json.loads(text)
        if data["retry"] is not None:
            delay, exponential, longest = data["retry"]
            data["retry"] = RetryPolicy(
                timedelta(seconds=delay),
                exponential,
                None if longest is None else timedelta(seconds=longest),
            )
        return cls(**data)


class RuntimeTaskInstance:
    """The ``ti`` a task sees: ids, dates, XCom and skips backed by the metadata database."""

    def __init__(self, database: MetadataDatabase, started: StartedTry, task: Any) -> None:
        self._database = database
        self.dag_id = started.dag_id
        self.run_id = started.run_id
        self.task_id = started.task_id
        self.map_index = started.map_index
        self.try_number = started.try_number
        self.max_tries = started.max_tries
        self.logical_date = started.logical_date
        self.execution_date = started.logical_date
        self.start_date = started.start_date
        self.task = task
        self.state: str = TaskInstanceState.RUNNING
        self.hostname = started.hostname

    def xcom_push(self, key: str, value: Any, execution_date: Any = None, **_: Any) -> None:
        """Store ``value`` (it must be JSON-serializable) under ``key`` for this try.

        ``execution_date`` is Airflow 2's deprecated argument: the XCom belongs to this
        try's run whatever it says, as in Airflow 2.2+, and passing it warns.
        """
        from tradewind.execution.xcoms import push_xcom

        if execution_date is not None:
            warnings.warn(
                f"xcom_push(execution_date=...) of task {self.task_id!r} changes nothing: an "
                "XCom belongs to the run of the try that pushes it; remove the argument",
                DeprecationWarning,
                stacklevel=2,
            )

        payload = _json_value(value, f"XCom {key!r} of task {self.task_id!r}")
        push_xcom(
            self._database.get(),
            self.dag_id,
            self.run_id,
            self.task_id,
            key,
            payload,
            map_index=self.map_index,
        )

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str | None = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
        *,
        run_id: str | None = None,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
        **_: Any,
    ) -> Any:
        """Airflow 2's ``xcom_pull`` (see :func:`tradewind.execution.xcoms.pull_xcom`): a
        mapped task's values come as one lazy sequence, in map-index order, unless
        ``map_indexes`` picks instances."""
        from tradewind.execution.xcoms import pull_xcom

        return pull_xcom(
            self._database.get(),
            dag_id or self.dag_id,
            run_id or self.run_id,
            task_ids,
            key,
            map_indexes,
            include_prior_dates=include_prior_dates,
            default=default,
            logical_date=self.logical_date,
        )

    def skip_tasks(self, task_ids: Iterable[str]) -> None:
        """Mark these tasks of this run skipped, those that have not started yet (a mapped
        instance: only their instances with its map index)."""
        from tradewind.execution.skips import skip_task_instances

        skip_task_instances(
            self._database.get(), self.dag_id, self.run_id, task_ids, self.map_index
        )

    # --- what sensors and TriggerDagRunOperator ask (tradewind.execution.cross_dag) -----------

    def first_poke_date(self) -> datetime | None:
        """When this try's first poke started, if it has been rescheduled; else ``None``."""
        from tradewind.execution import cross_dag

        return cross_dag.first_poke_date(
            self._database.get(),
            self.dag_id,
            self.run_id,
            self.task_id,
            self.try_number,
            self.map_index,
        )

    def count_task_states(
        self,
        dag_id: str,
        logical_dates: list[datetime],
        task_ids: list[str] | None,
        states: Iterable[str],
        task_group_id: str | None = None,
    ) -> Fraction:
        """How many of another DAG's tasks (or runs, with no task ids or group) at these
        logical dates are in one of ``states``; a mapped task's instances each count for
        their share (see :func:`tradewind.execution.cross_dag.count_states`)."""
        from tradewind.execution import cross_dag

        return cross_dag.count_states(
            self._database.get(), dag_id, logical_dates, task_ids, task_group_id, list(states)
        )

    def expected_task_count(
        self, dag_id: str, task_ids: list[str] | None, task_group_id: str | None
    ) -> int:
        """Check the other DAG (and its tasks or group) exists; how many tasks are waited
        for per logical date (1 for a whole DAG)."""
        from tradewind.execution import cross_dag

        return cross_dag.expected_count(self._database.get(), dag_id, task_ids, task_group_id)

    def trigger_dag_run(
        self,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any] | None,
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> tuple[str, datetime]:
        """Queue a run of another DAG; (its run id, its logical date)."""
        from tradewind.execution import cross_dag

        created = cross_dag.trigger_run(
            self._database.get(),
            dag_id,
            run_id=run_id,
            conf=conf,
            logical_date=logical_date,
            reset_dag_run=reset_dag_run,
            triggered_by=f"{self.dag_id}.{self.task_id}",
            source=cross_dag.TriggeringTask(self.dag_id, self.run_id, self.task_id),
        )
        from tradewind.db.wakeup import notify_scheduler

        notify_scheduler(self._database.get(), self._database.config())
        return created

    def dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        from tradewind.execution import cross_dag

        return cross_dag.dag_run_state(self._database.get(), dag_id, run_id)

    def expanded_ti_count(self) -> int:
        """How many instances this mapped task has in this run."""
        from tradewind.execution import cross_dag

        return cross_dag.expanded_count(
            self._database.get(), self.dag_id, self.run_id, self.task_id
        )

    def prior_success(self) -> PriorSuccess | None:
        """The DAG's previous successful run (for the ``prev_*_success`` variables)."""
        from tradewind.execution.prior_runs import prior_success

        return prior_success(
            self._database.get(), self.dag_id, self.task_id, self.logical_date, self.map_index
        )


class MetadataDatabase:
    """The database for a try's XCom, variables and connections, connected on first use
    (most tries never use it).

    ``database`` is one already set up (the zygote's, once warm; ``tasks run``'s);
    otherwise the first use connects with the configuration ``config_json`` describes.
    """

    def __init__(
        self,
        database: Database | None = None,
        config_json: str | None = None,
        *,
        config: Config | None = None,
    ) -> None:
        self._database = database
        self._config_json = config_json
        self._config = config
        self._secrets: SecretsStore | None = None
        self.used = False

    def config(self) -> Config:
        """The configuration the try runs with (parsed on first use)."""
        if self._config is None:
            from tradewind.config import Config, load_config

            self._config = (
                Config.from_json(self._config_json) if self._config_json else load_config()
            )
        return self._config

    def get(self) -> Database:
        self.used = True
        if self._database is None:
            from tradewind.db.engine import Database

            self._database = Database.from_config(self.config())
        return self._database

    def secrets(self) -> SecretsStore:
        """Variables and connections: the environment's, then the database's."""
        if self._secrets is None:
            from tradewind.db.secrets_store import SecretsStore

            self._secrets = SecretsStore(self.get(), self.config())
        return self._secrets


class TrySecrets:
    """A try's way to variables and connections (``runtime_secrets``): connects on first use."""

    def __init__(self, database: MetadataDatabase) -> None:
        self._database = database

    def get_variable(self, key: str) -> str | None:
        return self._database.secrets().get_variable(key)

    def set_variable(self, key: str, value: str, description: str | None) -> None:
        self._database.secrets().set_variable(key, value, description)

    def delete_variable(self, key: str) -> int:
        return self._database.secrets().delete_variable(key)

    def get_connection(self, conn_id: str) -> Connection | None:
        return self._database.secrets().get_connection(conn_id)


def _json_value(value: Any, what: str) -> Any:
    """``value`` as the database will give it back (XComs are JSON, as in Airflow without
    pickling); NaN and infinities are refused, as PostgreSQL's JSON refuses them."""
    try:
        return json.loads(json.dumps(value, default=_as_plain, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{what} is not JSON-serializable: {exc}; XCom values must be strings, numbers, "
            "booleans, None, or lists and dicts of them (convert dates with .isoformat())"
        ) from None


def execution_deadline(task: Any, started: StartedTry) -> datetime | None:
    """When the try's ``execution_timeout`` runs out: it counts the whole try, time spent
    deferred included (Airflow's rule), so a deferral cannot outlast it."""
    timeout = getattr(task, "execution_timeout", None)
    return None if timeout is None else started.first_start + timeout


def describe_deferral(deferred: TaskDeferred, deadline: datetime | None = None) -> dict[str, Any]:
    """The deferral as data for the database: the trigger serialized, how to resume, and
    the ``deadline`` (if any) past which the wait fails as a timeout."""
    from tradewind.authoring.triggers.base import BaseTrigger
    from tradewind.authoring.triggers.serde import encode

    trigger = deferred.trigger
    if not isinstance(trigger, BaseTrigger):
        raise TaskDeferralError(
            f"defer(trigger=...) needs a BaseTrigger, got {type(trigger).__name__}"
        )
    classpath, kwargs = trigger.serialize()
    timeout = deferred.timeout
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TaskDeferralError(f"defer(timeout=...) needs a timedelta, got {timeout!r}")
    return {
        "classpath": classpath,
        "kwargs": encode(kwargs, f"the kwargs {classpath}.serialize() returned"),
        "method_name": deferred.method_name,
        "next_kwargs": encode(deferred.kwargs or {}, "defer(kwargs=...)"),
        "timeout": None if timeout is None else timeout.total_seconds(),
        "deadline": None if deadline is None else deadline.isoformat(),
    }


def _as_plain(value: Any) -> Any:
    """A lazy XCom sequence (a mapped task's values) is stored as the list it reads as."""
    from collections.abc import Sequence

    if isinstance(value, Sequence):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _raise_timeout(signum: int, frame: Any) -> None:
    raise AirflowTaskTimeout("the task ran longer than its execution_timeout")


def load_dag(fileloc: str, dag_id: str, loaded: dict[str, DAG] | None = None) -> DAG:
    """The live DAG: from the warm process's already-imported file, else import it now."""
    if loaded and dag_id in loaded:
        return loaded[dag_id]
    from tradewind.dagfiles.loader import load_dags_from_file

    for dag in load_dags_from_file(fileloc):
        if dag.dag_id == dag_id:
            return dag
    raise DagNotFound(f"DAG {dag_id!r} is not defined in {fileloc} any more")


def starting_line(started: StartedTry) -> str:
    """The first line of a try's log."""
    mapped = f"[{started.map_index}]" if started.map_index >= 0 else ""
    return (
        f"Starting try {started.try_number} of {started.max_tries + 1} for "
        f"{started.dag_id}.{started.task_id}{mapped}, run {started.run_id}"
    )


def run_claimed(
    database: MetadataDatabase,
    started: StartedTry,
    *,
    loaded_dags: dict[str, DAG] | None = None,
) -> TryResult:
    """Run the task's code, then its callbacks, for a claimed try; how it ended, not yet
    recorded.

    The database is touched only if the task (or a callback) uses XCom.
    """
    from tradewind.authoring.dataset_events import OutletEventAccessors, events_to_record
    from tradewind.integrations import smtp

    smtp.use_config(database.config)  # send_email in the task or a callback, email alerts
    task = None
    context: dict[str, Any] | None = None
    error: BaseException | None = None
    outcome = TryResult(TaskInstanceState.FAILED)
    install_secrets_access(TrySecrets(database))
    try:
        dag = load_dag(started.fileloc, started.dag_id, loaded_dags)
        task = dag.get_task(started.task_id)
        outlet_events = OutletEventAccessors()
        ti = RuntimeTaskInstance(database, started, task)
        context = try_context(dag, task, ti, started, outlet_events)
        result = _run_task(task, context, outcome, ti, started)
        if getattr(task, "do_xcom_push", True) and result is not None:
            outcome.result = _json_value(result, f"return value of task {started.task_id!r}")
        check_value_to_map(dag, started, outcome.result)
        outcome.dataset_events = _json_value(
            events_to_record(list(task.outlets), outlet_events),
            f"dataset event extra of task {started.task_id!r}",
        )
        outcome.state = TaskInstanceState.SUCCESS
    except TaskSkipped as exc:
        log.info("Task skipped: %s", exc)
        outcome.state = TaskInstanceState.SKIPPED
    except AirflowRescheduleException as exc:
        log.info("Rescheduling the task: next poke at %s", exc.reschedule_date.isoformat())
        outcome.state = TaskInstanceState.UP_FOR_RESCHEDULE
        outcome.reschedule_at = exc.reschedule_date.isoformat()
    except TaskDeferred as deferred:
        try:
            outcome.deferral = describe_deferral(deferred, execution_deadline(task, started))
        except Exception:
            log.error("Task could not defer:\n%s", traceback.format_exc().rstrip())
        else:
            log.info("Pausing task as DEFERRED: %r", deferred.trigger)
            outcome.state = TaskInstanceState.DEFERRED
    except TaskFailedNoRetry as exc:
        log.error("Task failed, not retrying: %s", exc)
        outcome.allow_retry = False
        error = exc
    except TaskTimeout as exc:
        outcome.timed_out = True
        log.error("Task timed out: %s", exc)
        _on_kill(context["task"] if context is not None else task)  # a mapped one's instance
        error = exc
    except BaseException as exc:  # includes SystemExit and KeyboardInterrupt from user code
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            outcome.state = TaskInstanceState.SUCCESS
        else:
            log.error("Task failed with exception:\n%s", traceback.format_exc().rstrip())
            error = exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if outcome.state == TaskInstanceState.FAILED:
        outcome.retry = RetryPolicy.of(task)
    if context is not None:
        _call_outcome_callbacks(database, task, context, outcome, started, error)
    outcome.used_database = database.used
    return outcome


def _call_outcome_callbacks(
    database: MetadataDatabase,
    task: Any,
    context: dict[str, Any],
    outcome: TryResult,
    started: StartedTry,
    error: BaseException | None,
) -> None:
    from tradewind.execution.task_callbacks import call_outcome_callbacks, will_retry

    retrying = will_retry(started.try_number, started.max_tries, outcome.allow_retry, task)
    call_outcome_callbacks(task, context, outcome.state, exception=error, retrying=retrying)


REHEARSAL_ID = "__tradewind_rehearsal__"


def rehearse(times: int = 16) -> None:
    """Play a try's own part a few times with a no-op task, its output thrown away.

    Python rewrites a function's bytecode in place during its first few calls (specializing
    it). Done in the warm process tries are forked from, each try starts from rewritten
    code, and does not copy those pages for itself. Runs Tradewind's own task, no user code.
    """
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.operators.python import PythonOperator

    now = now_utc()
    dag = DAG(REHEARSAL_ID, start_date=now, schedule=None)
    PythonOperator(task_id=REHEARSAL_ID, python_callable=_rehearsal_callable, dag=dag)
    started = StartedTry(
        dag_id=REHEARSAL_ID,
        run_id=REHEARSAL_ID,
        task_id=REHEARSAL_ID,
        try_number=1,
        max_tries=0,
        fileloc="-",
        logical_date=now,
        data_interval_start=now,
        data_interval_end=now,
        conf={},
        run_type="manual",
        start_date=now,
    ).to_json()
    saved = os.dup(1), os.dup(2)
    try:
        send_output_to(os.devnull)
        for _ in range(times):
            run_claimed(
                MetadataDatabase(), StartedTry.from_json(started), loaded_dags={REHEARSAL_ID: dag}
            )
            TryResult.from_json(TryResult(TaskInstanceState.SUCCESS, {"n": 1}).to_json())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def _rehearsal_callable(ds: str, ti: Any) -> dict[str, int]:
    return {"n": 1}


class _TryEventSource:
    """Recorded dataset events, read through the try's lazily connected database."""

    def __init__(self, database: MetadataDatabase, started: StartedTry) -> None:
        self._database = database
        self._started = started

    def _source(self) -> Any:
        from tradewind.execution.dataset_events import DatabaseEventSource

        return DatabaseEventSource(self._database.get(), self._started.dag_id, self._started.run_id)

    def events_of(self, uri: str) -> Any:
        return self._source().events_of(uri)

    def triggering_events(self) -> Any:
        return self._source().triggering_events()

    def events_of_alias(self, name: str) -> Any:
        return self._source().events_of_alias(name)


def try_context(
    dag: DAG,
    task: Any,
    ti: RuntimeTaskInstance,
    started: StartedTry,
    outlet_events: OutletEventAccessors | None = None,
) -> dict[str, Any]:
    """The context a try's task and callbacks see."""
    from types import SimpleNamespace

    import lazy_object_proxy

    from tradewind.authoring.context import build_template_context
    from tradewind.compat.configuration import AirflowConfigView

    dag_run = SimpleNamespace(
        dag_id=started.dag_id,
        run_id=started.run_id,
        conf=started.conf,
        run_type=started.run_type,
        external_trigger=started.run_type == "manual",
        logical_date=started.logical_date,
        execution_date=started.logical_date,
        data_interval_start=started.data_interval_start or started.logical_date,
        data_interval_end=started.data_interval_end or started.logical_date,
    )
    database = ti._database
    context = dict(
        build_template_context(
            dag=dag,
            task=task,
            run_id=started.run_id,
            logical_date=started.logical_date,
            data_interval_start=started.data_interval_start,
            data_interval_end=started.data_interval_end,
            conf=started.conf,
            ti=ti,
            dag_run=dag_run,
            conf_overrides_params=started.conf_overrides_params,
            prior_success=ti.prior_success,
            configuration=lazy_object_proxy.Proxy(lambda: AirflowConfigView(database.config())),
            dataset_events=_TryEventSource(database, started),
            outlet_events=outlet_events,
        )
    )
    # Airflow's count of the instances of a mapped task (None for an unmapped one): read
    # only if used, so a try that does not ask does not query for it.
    context["expanded_ti_count"] = (
        lazy_object_proxy.Proxy(lambda: ti.expanded_ti_count()) if started.map_index >= 0 else None
    )
    return context


def _run_task(
    task: Any,
    context: dict[str, Any],
    outcome: TryResult,
    ti: RuntimeTaskInstance,
    started: StartedTry,
) -> Any:
    """Render the task's fields (kept in ``outcome`` to be recorded) and execute it; a
    mapped instance runs its own operator, built from its map index's values; a deferred
    try resumes in the method it deferred to."""
    from tradewind.authoring.current_context import running_task
    from tradewind.authoring.mapping import MappedOperator
    from tradewind.authoring.templating import shown_field_values

    seconds_left = _execution_seconds_left(task, started)
    if seconds_left is not None:
        signal.signal(signal.SIGALRM, _raise_timeout)
        signal.setitimer(signal.ITIMER_REAL, max(seconds_left, 0.001))
    if started.map_index >= 0:
        log.info("Mapped instance %d of %s", started.map_index, started.task_id)
    if started.map_index >= 0 and isinstance(task, MappedOperator):
        task = task.unmap(started.map_index, context)
        ti.task = task
        context["task"] = task
    with running_task(context):
        task.render_template_fields(context)
        outcome.rendered_fields = shown_field_values(task) if task.template_fields else None
        if started.next_method is not None:  # a deferred try resumes where it asked to
            from tradewind.authoring.triggers.serde import decode

            log.info("Resuming after deferral in %s()", started.next_method)
            return task.resume_execution(
                started.next_method, decode(started.next_kwargs or {}), context
            )
        if task.on_execute_callback:
            from tradewind.execution.task_callbacks import call_execute_callbacks

            call_execute_callbacks(task, context)
        task.pre_execute(context)
        result = task.execute(context)
        task.post_execute(context, result)
        return result


def _execution_seconds_left(task: Any, started: StartedTry) -> float | None:
    """Seconds of ``execution_timeout`` this piece of the try has: all of it for a fresh
    try, what the time deferred left for a resumed one (none left: it times out now,
    unless the deferral itself failed, which says why)."""
    deadline = execution_deadline(task, started)
    if deadline is None or started.next_method == FAIL_METHOD:
        return None  # a failed deferral raises at once, with its own reason
    if started.next_method is None:
        return float(task.execution_timeout.total_seconds())
    left = (deadline - now_utc()).total_seconds()
    if left <= 0:
        raise AirflowTaskTimeout(
            "the task ran longer than its execution_timeout (time deferred counts too)"
        )
    return left


def check_value_to_map(dag: DAG, started: StartedTry, value: Any) -> None:
    """A task that mapped tasks expand over must return a list or dict, and not a longer
    one than ``[core] max_map_length``; otherwise its try fails here, saying so."""
    from tradewind.authoring.mapping import MappedOperator

    if started.map_index >= 0:
        return  # one instance's value is one element of what is mapped over
    # A task that maps over this one's value is downstream of it (``expand`` sets the
    # dependency), so only those are looked at: walking every task of the DAG would touch,
    # so copy from the zygote, a page per few tasks in every try of a large DAG.
    producer = dag.task_dict.get(started.task_id)
    readers = sorted(
        task_id
        for task_id in (producer.downstream_task_ids if producer is not None else ())
        if isinstance(task := dag.task_dict.get(task_id), MappedOperator)
        and any(op.task_id == started.task_id for op in task.expand_input.references())
    )
    if not readers:
        return
    for_whom = (
        f"tasks {readers} map over it" if len(readers) > 1 else f"{readers[0]!r} maps over it"
    )
    if value is None:
        raise TypeError(f"task {started.task_id!r} returned nothing, but {for_whom}")
    if not isinstance(value, list | dict):
        raise TypeError(
            f"task {started.task_id!r} returned {type(value).__name__}, but {for_whom}: "
            f"a mapped task needs a list or a dict"
        )
    if len(value) > started.max_map_length:
        raise ValueError(
            f"task {started.task_id!r} returned {len(value)} values to map over, more than "
            f"[core] max_map_length ({started.max_map_length})"
        )


def _on_kill(task: Any) -> None:
    if task is None:
        return
    try:
        task.on_kill()
    except Exception:
        log.warning("on_kill of the task raised", exc_info=True)


def kill_own_process_group() -> None:
    """After a timeout, stop whatever the task started (it runs in its own session)."""
    if os.getpgrp() != os.getpid():
        return  # not a session leader (``tasks run`` in-process): leave the group alone
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.killpg(os.getpgrp(), signal.SIGTERM)


def send_output_to(path: str) -> None:
    """Point fds 1 and 2 at ``path`` (its folder must exist); the cheap half of a redirect."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    forgive_output_errors()  # a full log disk must not fail the task's print()


def log_like_a_try() -> None:
    """Log lines go to stderr (the try's log once fd 2 points there) in the tries' format.

    A zygote does this once, so its forked tries only have to move fd 2.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] {%(name)s} %(levelname)s - %(message)s"))
    handler.addFilter(RedactingFilter())  # secrets the try read are *** in its log
    root.addHandler(handler)
    root.setLevel(logging.INFO)
