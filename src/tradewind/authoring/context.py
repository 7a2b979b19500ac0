"""The template context: the variables a task sees while rendering and executing.

Built by the task runner (which owns the database and the real task instance) and handed to
:meth:`BaseOperator.render_template_fields` and :meth:`BaseOperator.execute`. The runner's
task instance only has to satisfy :class:`TaskInstanceLike`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import lazy_object_proxy

from tradewind.authoring import macros
from tradewind.authoring.dataset_events import (
    EventSource,
    OutletEventAccessors,
    dataset_context,
)
from tradewind.authoring.params import ParamsDict
from tradewind.authoring.schedules import DataInterval
from tradewind.authoring.timezone import coerce_utc
from tradewind.authoring.variable import template_variables

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG

Context = dict[str, Any]


@runtime_checkable
class TaskInstanceLike(Protocol):
    """What authoring code needs from the runner's task instance: XCom access.

    ``xcom_pull`` takes Airflow 2's arguments in Airflow 2's order; it returns ``None`` when
    nothing was pushed, and with several ``task_ids`` a list in the same order.
    """

    def xcom_push(self, key: str, value: Any) -> None: ...

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str | None = "return_value",
        include_prior_dates: bool = False,
        **kwargs: Any,
    ) -> Any: ...


@dataclass(frozen=True)
class PriorSuccess:
    """The DAG's latest successful run before this one, and this task's try in it.

    The source of the ``prev_*_success`` context variables. The task's dates are ``None``
    when that run has no instance of this task (it was added later).
    """

    data_interval_start: datetime | None
    data_interval_end: datetime | None
    task_start_date: datetime | None
    task_end_date: datetime | None
    logical_date: datetime | None = None


def build_template_context(
    *,
    dag: DAG,
    task: BaseOperator,
    run_id: str,
    logical_date: datetime,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    conf: Mapping[str, Any] | None,
    ti: TaskInstanceLike,
    params_override: Mapping[str, Any] | None = None,
    dag_run: Any = None,
    conf_overrides_params: bool = True,
    prior_success: Callable[[], PriorSuccess | None] | None = None,
    test_mode: bool = False,
    configuration: Any = None,
    dataset_events: EventSource | None = None,
    outlet_events: OutletEventAccessors | None = None,
) -> Context:
    """Assemble the context for one task instance.

    ``params`` are the values of :func:`resolve_params`; ``conf_overrides_params`` is
    ``[core] dag_run_conf_overrides_params``. ``dataset_events`` reads recorded dataset
    events (``inlet_events``, ``triggering_dataset_events``); ``outlet_events`` collects
    what the try's success records.
    ``dag_run`` may be the runner's own run object; otherwise a stand-in with ``conf``,
    ``run_id``, ``logical_date``/``execution_date`` and the data interval is built.
    ``prior_success`` looks up the previous successful run; it is called only if a
    ``prev_*_success`` variable is used (most tasks never do, and it costs a query).
    ``configuration`` is what templates see as ``conf`` (Airflow's configuration object:
    ``conf.get("core", "dags_folder")``), not the run's conf, which is ``dag_run.conf``.
    """
    logical_date = coerce_utc(logical_date)
    start = coerce_utc(data_interval_start or logical_date)
    end = coerce_utc(data_interval_end or logical_date)
    conf = dict(conf or {})
    if dag_run is None:
        dag_run = SimpleNamespace(
            dag_id=dag.dag_id,
            run_id=run_id,
            conf=conf,
            logical_date=logical_date,
            execution_date=logical_date,
            data_interval_start=start,
            data_interval_end=end,
        )
    params = resolve_params(
        dag, task, conf if conf_overrides_params else None, params_override=params_override
    )
    ds = logical_date.strftime("%Y-%m-%d")
    ds_nodash = logical_date.strftime("%Y%m%d")
    context: Context = {
        **dag.user_defined_macros,
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "run_id": run_id,
        "dag_run": dag_run,
        "params": params,
        "logical_date": logical_date,
        "execution_date": logical_date,
        "data_interval_start": start,
        "data_interval_end": end,
        "ds": ds,
        "ds_nodash": ds_nodash,
        "ts": logical_date.isoformat(),
        "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": logical_date.isoformat().replace("-", "").replace(":", ""),
        "task_instance_key_str": f"{dag.dag_id}__{task.task_id}__{ds_nodash}",
        "test_mode": test_mode,
        "conf": configuration,
        "macros": macros,
        "inlets": list(task.inlets),
        "outlets": list(task.outlets),
        "templates_dict": None,
        **_neighbour_days(logical_date),
        **_neighbour_runs(dag, dag_run, logical_date, start, end),
        **_prior_success_values(prior_success),
        **template_variables(),  # var, conn
        **dataset_context(list(task.inlets), dataset_events, outlet_events),
    }
    return context


def resolve_params(
    dag: DAG,
    task: BaseOperator,
    conf: Mapping[str, Any] | None,
    *,
    params_override: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of ``params`` for one task instance, each checked against its schema.

    The DAG's params, then the task's (a task's Param replaces the DAG's of that name),
    then the run's ``conf`` (validated against the params it overrides), then
    ``params_override``. A missing or invalid value raises ParamValidationError naming the
    param, which fails the try: the task never sees a value its schema refuses.
    """
    params = ParamsDict(dag.params)
    params.update(task.params)
    params.update(conf or {})
    params.update(params_override or {})
    return params.validate()


def _neighbour_days(logical_date: datetime) -> Context:
    """Airflow 2's deprecated ``yesterday_ds``/``tomorrow_ds`` (and ``_nodash``)."""
    yesterday = logical_date - timedelta(days=1)
    tomorrow = logical_date + timedelta(days=1)
    return {
        "yesterday_ds": yesterday.strftime("%Y-%m-%d"),
        "yesterday_ds_nodash": yesterday.strftime("%Y%m%d"),
        "tomorrow_ds": tomorrow.strftime("%Y-%m-%d"),
        "tomorrow_ds_nodash": tomorrow.strftime("%Y%m%d"),
    }


def _neighbour_runs(
    dag: DAG, dag_run: Any, logical_date: datetime, start: datetime, end: datetime
) -> Context:
    """Airflow 2's deprecated ``next_``/``prev_execution_date``, ``_ds`` and ``_ds_nodash``.

    The logical dates of the scheduled runs after and before this one; a manually triggered
    run is its own "next" and "previous" (as in Airflow); ``None`` where the schedule has
    none. Lazy, as in Airflow: working a cron schedule out costs about a millisecond, and
    few tasks read these.
    """
    manual = getattr(dag_run, "run_type", None) == "manual"

    def following() -> datetime | None:
        if manual:
            return logical_date
        info = dag.timetable.next_run_info(
            last_automated_data_interval=DataInterval(start, end),
            start_date=None,
            end_date=None,
            catchup=True,
            now=end,
        )
        return info.logical_date if info is not None else None

    def previous() -> datetime | None:
        return logical_date if manual else dag.timetable.previous_logical_date(logical_date)

    return {**_dated("next", _once(following)), **_dated("prev", _once(previous))}


def _dated(prefix: str, when: Callable[[], datetime | None]) -> Context:
    def formatted(pattern: str) -> Any:
        return lazy_object_proxy.Proxy(lambda: _strftime(when(), pattern))

    return {
        f"{prefix}_execution_date": lazy_object_proxy.Proxy(when),
        f"{prefix}_ds": formatted("%Y-%m-%d"),
        f"{prefix}_ds_nodash": formatted("%Y%m%d"),
    }


def _strftime(when: datetime | None, pattern: str) -> str | None:
    return when.strftime(pattern) if when is not None else None


def _once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """``compute``, called at most once however often the result is asked for."""
    cache: list[Any] = []

    def value() -> Any:
        if not cache:
            cache.append(compute())
        return cache[0]

    return value


def _prior_success_values(lookup: Callable[[], PriorSuccess | None] | None) -> Context:
    """``prev_*_success``: lazy, so the look-up runs only when a template or task reads one."""
    if lookup is None:
        return dict.fromkeys(_PRIOR_SUCCESS_NAMES)
    prior = _once(lookup)

    def lazy(attribute: str) -> Any:
        return lazy_object_proxy.Proxy(lambda: getattr(prior(), attribute, None))

    return {
        name: lazy(attribute)
        for name, attribute in zip(_PRIOR_SUCCESS_NAMES, _PRIOR_SUCCESS_ATTRIBUTES, strict=True)
    }


_PRIOR_SUCCESS_NAMES = (
    "prev_data_interval_start_success",
    "prev_data_interval_end_success",
    "prev_start_date_success",
    "prev_end_date_success",
    "prev_execution_date_success",
)
_PRIOR_SUCCESS_ATTRIBUTES = (
    "data_interval_start",
    "data_interval_end",
    "task_start_date",
    "task_end_date",
    "logical_date",
)
