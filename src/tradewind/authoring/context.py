"""The template context: the variables a task sees while rendering and executing.

Built by the task runner (which owns the database and the real task instance) and handed to
:meth:`BaseOperator.render_template_fields` and :meth:`BaseOperator.execute`. The runner's
task instance only has to satisfy :class:`TaskInstanceLike`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tradewind.authoring.dataset_events import (
    EventSource,
    OutletEventAccessors,
    dataset_context,
)
from tradewind.authoring.macros import build_macros
from tradewind.authoring.params import ParamsDict
from tradewind.authoring.timezone import coerce_utc

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG

Context = dict[str, Any]


@runtime_checkable
class TaskInstanceLike(Protocol):
    """What authoring code needs from the runner's task instance: XCom access.

    ``xcom_pull`` returns ``None`` when nothing was pushed; with several ``task_ids`` it
    returns a list in the same order.
    """

    def xcom_push(self, key: str, value: Any) -> None: ...

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        key: str = "return_value",
        **kwargs: Any,
    ) -> Any: ...


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
        "ds": logical_date.strftime("%Y-%m-%d"),
        "ds_nodash": logical_date.strftime("%Y%m%d"),
        "ts": logical_date.isoformat(),
        "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": logical_date.isoformat().replace("-", "").replace(":", ""),
        "macros": build_macros(),
        "inlets": list(task.inlets),
        "outlets": list(task.outlets),
        "templates_dict": None,
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
