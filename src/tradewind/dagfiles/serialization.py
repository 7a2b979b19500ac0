"""DAG <-> JSON: how the scheduler, the API and the UI see a DAG without importing it.

:func:`serialize_dag` runs in the parser (which has the live DAG); :class:`SerializedDAG`
is rebuilt from the stored JSON anywhere else. The format is versioned (``"__version"``)
and canonical, so :func:`dag_hash` changes only when the definition does and the sync code
can skip unchanged DAGs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tradewind.authoring.callbacks import DAG_CALLBACKS, TASK_CALLBACKS
from tradewind.authoring.datasets import BaseDataset
from tradewind.authoring.graph import topological_order
from tradewind.authoring.params import ParamsDict
from tradewind.authoring.schedules import DagRunInfo, DataInterval, PlannedTimetable, Timetable
from tradewind.authoring.schedules import timetable_from_serialized as _timetable_from_dict
from tradewind.authoring.task_group import closest_mapped_group
from tradewind.authoring.timezone import parse_datetime
from tradewind.dagfiles.planning import PlanContext, timetable_json
from tradewind.dagfiles.task_groups import TaskGroupTree, serialize_task_groups
from tradewind.exceptions import DagCycleError, TaskNotFound

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG

FORMAT_VERSION = 1
# ``catchup`` of a serialized DAG that never went through the sync (which applies
# ``[scheduler] catchup_by_default``) and did not say: that setting's own default.
DEFAULT_CATCHUP = True


# --- live DAG -> dict ---------------------------------------------------------------------------


def serialize_dag(
    dag: DAG,
    warnings: Sequence[str] = (),
    plan_context: PlanContext | None = None,
    *,
    validate: bool = True,
) -> dict[str, Any]:
    """A JSON-safe dict describing ``dag``; validates the DAG first (cycles, start_date...)
    unless the caller just did (``validate=False``: the parser, whose loader validates).

    ``warnings`` are those its file raised while being parsed, kept so they stay visible.
    A user's timetable is stored with its next runs, planned with ``plan_context``.
    """
    if validate:
        dag.validate()
    tasks = [_serialize_task(task) for task in dag.topological_sort()]
    return {
        "__version": FORMAT_VERSION,
        "dag_id": dag.dag_id,
        "dag_display_name": dag._dag_display_name,
        "fileloc": dag.fileloc,
        "description": dag.description,
        "schedule": dag.timetable.summary,
        "timetable": timetable_json(dag, plan_context),
        "start_date": _dt(dag.effective_start_date),
        "end_date": _dt(dag.end_date),
        # None when the author did not say: the sync fills in [scheduler] catchup_by_default.
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "dagrun_timeout": _td(dag.dagrun_timeout),
        "tags": [str(tag) for tag in dag.tags],
        "params": _params(dag.params),
        "owners": sorted({task.owner for task in dag.tasks}),
        "doc_md": dag.doc_md,
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "edge_info": _edge_info(dag),
        "warnings": list(warnings),
        "callbacks": _defined_callbacks(dag, DAG_CALLBACKS),
        "tasks": tasks,
        **serialize_task_groups(dag),
    }


def _edge_info(dag: DAG) -> dict[str, dict[str, dict[str, str]]]:
    """Labels by upstream then downstream task id, sorted so the hash is stable."""
    return {
        upstream: {downstream: dict(info) for downstream, info in sorted(edges.items()) if info}
        for upstream, edges in sorted(dag.edge_info.items())
        if any(edges.values())
    }


def _serialize_task(task: BaseOperator) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "task_display_name": task._task_display_name,
        "operator_name": task.operator_name,
        "owner": task.owner,
        "email": _json_safe(task.email),
        "retries": task.retries,
        "retry_delay": _td(task.retry_delay),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "max_retry_delay": _td(task.max_retry_delay),
        "execution_timeout": _td(task.execution_timeout),
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "priority_weight": task.priority_weight,
        "weight_rule": str(task.weight_rule),
        "priority_weight_total": task.priority_weight_total,
        "queue": task.queue,
        "trigger_rule": str(task.trigger_rule),
        "depends_on_past": task.depends_on_past,
        "wait_for_downstream": task.wait_for_downstream,
        "do_xcom_push": task.do_xcom_push,
        "max_active_tis_per_dag": task.max_active_tis_per_dag,
        "start_date": _dt(task.start_date),
        "end_date": _dt(task.end_date),
        "params": _params(task.params),
        "inlets": _lineage(task.inlets),
        "outlets": _lineage(task.outlets),
        "upstream_task_ids": sorted(task.upstream_task_ids),
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "template_fields": list(task.template_fields),
        **{kind: _doc_text(getattr(task, kind)) for kind in DOC_KINDS},
        "skips_downstream": bool(getattr(task, "skips_downstream", False)),
        "is_setup": task.is_setup,
        "is_teardown": task.is_teardown,
        "on_failure_fail_dagrun": task.on_failure_fail_dagrun,
        "rendered_preview": {
            name: _preview(getattr(task, name, None)) for name in task.template_fields
        },
        "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
        "ignore_first_depends_on_past": task.ignore_first_depends_on_past,
        "callbacks": _defined_callbacks(task, TASK_CALLBACKS),
        "email_on_failure": bool(task.email and task.email_on_failure),
        "email_on_retry": bool(task.email and task.email_on_retry),
        "mapped": _mapping_spec(task),
        **_external_marker(task),
    }


def _mapping_spec(task: BaseOperator) -> dict[str, Any] | None:
    """How a mapped task's instances are counted (see ``MappedOperator``); a task in a
    mapped task group has its group's (see ``MappedTaskGroup``); None if unmapped."""
    spec = getattr(task, "expansion_spec", None)
    if spec is not None:
        return spec()
    group = closest_mapped_group(task)
    return group.expansion_spec() if group is not None else None  # type: ignore[attr-defined]


def _external_marker(task: BaseOperator) -> dict[str, Any]:
    """An ExternalTaskMarker's target, for clearing (absent for every other task, so
    their DAGs' hashes do not change)."""
    info = getattr(task, "external_marker_info", None)
    return {"external_marker": info()} if callable(info) else {}


#: A task's documentation attributes, as in Airflow; the UI renders doc_md as Markdown.
DOC_KINDS = ("doc_md", "doc", "doc_rst", "doc_json", "doc_yaml")


def _doc_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _defined_callbacks(owner: Any, names: tuple[str, ...]) -> list[str]:
    """Which callbacks a DAG or task has: the scheduler asks for them to be run when a try
    or run ends where no process of the DAG file is around to run them."""
    return [name for name in names if getattr(owner, name, None)]


def dag_hash(serialized: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a serialized DAG."""
    return hashlib.sha256(canonical_json(serialized, default=str).encode()).hexdigest()


def canonical_json(serialized: dict[str, Any], default: Callable[[Any], Any] | None = None) -> str:
    """The JSON text of a serialized DAG that :func:`dag_hash` hashes: keys sorted, no spaces.

    Decoding it and encoding it again gives the same text, so the hash of a stored DAG can
    be checked against its ``data``.
    """
    return json.dumps(serialized, sort_keys=True, separators=(",", ":"), default=default)


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _td(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _params(params: ParamsDict) -> list[list[Any]]:
    """``[[name, {"default", "description", "schema"}], ...]``: names in definition order
    (the trigger form's order), schemas kept so the webserver validates a trigger's conf."""
    if not params:  # most tasks: skip the walk
        return []
    return _json_safe(params.serialize())


def _read_params(data: Any) -> ParamsDict:
    """A required param reads as None on a serialized DAG (nothing there runs a task)."""
    return ParamsDict.deserialize(data, suppress_exception=True)


def _json_safe(value: Any) -> Any:
    """Make ``value`` JSON-serializable; anything unknown becomes its ``str()``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return str(value)


def _lineage(items: list[Any]) -> list[Any]:
    """Inlets/outlets: datasets and aliases as their JSON form, anything else as before."""
    return [
        item.serialize() if isinstance(item, BaseDataset) else _json_safe(item) for item in items
    ]


def _preview(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)


# --- dict -> read-only model ---------------------------------------------------------------------


@dataclass(frozen=True)
class SerializedTask:
    """A task as the scheduler and the UI see it: settings and edges, no code."""

    task_id: str
    operator_name: str
    owner: str
    email: Any
    retries: int
    retry_delay: timedelta
    retry_exponential_backoff: bool
    max_retry_delay: timedelta | None
    execution_timeout: timedelta | None
    pool: str
    pool_slots: int
    priority_weight: int
    weight_rule: str
    priority_weight_total: int
    queue: str
    trigger_rule: str
    depends_on_past: bool
    wait_for_downstream: bool
    do_xcom_push: bool
    max_active_tis_per_dag: int | None
    start_date: datetime | None
    end_date: datetime | None
    params: ParamsDict
    inlets: list[Any]
    outlets: list[Any]
    upstream_task_ids: frozenset[str]
    downstream_task_ids: frozenset[str]
    template_fields: tuple[str, ...]
    doc_md: str | None
    rendered_preview: dict[str, str | None]
    skips_downstream: bool = False  # a branch or short circuit: it records what it skipped
    #: An ExternalTaskMarker's external_dag_id, external_task_id, execution_date, depth.
    external_marker: dict[str, Any] | None = None
    task_display_name: str | None = None
    doc: str | None = None
    doc_rst: str | None = None
    doc_json: str | None = None
    doc_yaml: str | None = None
    max_active_tis_per_dagrun: int | None = None
    ignore_first_depends_on_past: bool = False
    callbacks: frozenset[str] = frozenset()
    email_on_failure: bool = False
    email_on_retry: bool = False
    is_setup: bool = False
    is_teardown: bool = False
    on_failure_fail_dagrun: bool = False  # a teardown whose failure fails the run
    #: A mapped task's expansion: what its instance count is computed from (None: unmapped).
    mapped: dict[str, Any] | None = None

    @property
    def is_mapped(self) -> bool:
        return self.mapped is not None

    @property
    def display_name(self) -> str:
        """What the UI shows: ``task_display_name``, else the task id."""
        return self.task_display_name or self.task_id

    @property
    def outlet_dataset_uris(self) -> list[str]:
        """The URIs of the datasets this task updates when it succeeds."""
        return _uris_of(self.outlets)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SerializedTask:
        return cls(
            task_id=data["task_id"],
            operator_name=data["operator_name"],
            owner=data["owner"],
            email=data.get("email"),
            retries=data["retries"],
            retry_delay=timedelta(seconds=data["retry_delay"]),
            retry_exponential_backoff=data["retry_exponential_backoff"],
            max_retry_delay=_to_td(data.get("max_retry_delay")),
            execution_timeout=_to_td(data.get("execution_timeout")),
            pool=data["pool"],
            pool_slots=data["pool_slots"],
            priority_weight=data["priority_weight"],
            weight_rule=data["weight_rule"],
            priority_weight_total=data["priority_weight_total"],
            queue=data["queue"],
            trigger_rule=data["trigger_rule"],
            depends_on_past=data["depends_on_past"],
            wait_for_downstream=data.get("wait_for_downstream", False),
            do_xcom_push=data.get("do_xcom_push", True),
            max_active_tis_per_dag=data.get("max_active_tis_per_dag"),
            start_date=_to_dt(data.get("start_date")),
            end_date=_to_dt(data.get("end_date")),
            params=_read_params(data.get("params")),
            inlets=list(data.get("inlets") or []),
            outlets=list(data.get("outlets") or []),
            upstream_task_ids=frozenset(data.get("upstream_task_ids", ())),
            downstream_task_ids=frozenset(data.get("downstream_task_ids", ())),
            template_fields=tuple(data.get("template_fields", ())),
            doc_md=data.get("doc_md"),
            rendered_preview=dict(data.get("rendered_preview") or {}),
            task_display_name=data.get("task_display_name"),
            doc=data.get("doc"),
            doc_rst=data.get("doc_rst"),
            doc_json=data.get("doc_json"),
            doc_yaml=data.get("doc_yaml"),
            skips_downstream=bool(data.get("skips_downstream", False)),
            max_active_tis_per_dagrun=data.get("max_active_tis_per_dagrun"),
            ignore_first_depends_on_past=data.get("ignore_first_depends_on_past", False),
            callbacks=frozenset(data.get("callbacks") or ()),
            email_on_failure=data.get("email_on_failure", False),
            email_on_retry=data.get("email_on_retry", False),
            is_setup=bool(data.get("is_setup", False)),
            is_teardown=bool(data.get("is_teardown", False)),
            on_failure_fail_dagrun=bool(data.get("on_failure_fail_dagrun", False)),
            external_marker=data.get("external_marker"),
            mapped=data.get("mapped"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "task_display_name": self.task_display_name,
            "operator_name": self.operator_name,
            "owner": self.owner,
            "email": self.email,
            "retries": self.retries,
            "retry_delay": _td(self.retry_delay),
            "retry_exponential_backoff": self.retry_exponential_backoff,
            "max_retry_delay": _td(self.max_retry_delay),
            "execution_timeout": _td(self.execution_timeout),
            "pool": self.pool,
            "pool_slots": self.pool_slots,
            "priority_weight": self.priority_weight,
            "weight_rule": self.weight_rule,
            "priority_weight_total": self.priority_weight_total,
            "queue": self.queue,
            "trigger_rule": self.trigger_rule,
            "depends_on_past": self.depends_on_past,
            "wait_for_downstream": self.wait_for_downstream,
            "do_xcom_push": self.do_xcom_push,
            "max_active_tis_per_dag": self.max_active_tis_per_dag,
            "start_date": _dt(self.start_date),
            "end_date": _dt(self.end_date),
            "params": _params(self.params),
            "inlets": self.inlets,
            "outlets": self.outlets,
            "upstream_task_ids": sorted(self.upstream_task_ids),
            "downstream_task_ids": sorted(self.downstream_task_ids),
            "template_fields": list(self.template_fields),
            **{kind: getattr(self, kind) for kind in DOC_KINDS},
            "skips_downstream": self.skips_downstream,
            "is_setup": self.is_setup,
            "is_teardown": self.is_teardown,
            "on_failure_fail_dagrun": self.on_failure_fail_dagrun,
            **({"external_marker": self.external_marker} if self.external_marker else {}),
            "rendered_preview": self.rendered_preview,
            "max_active_tis_per_dagrun": self.max_active_tis_per_dagrun,
            "ignore_first_depends_on_past": self.ignore_first_depends_on_past,
            "callbacks": sorted(self.callbacks),
            "email_on_failure": self.email_on_failure,
            "email_on_retry": self.email_on_retry,
            "mapped": self.mapped,
        }


@dataclass(frozen=True)
class SerializedDAG:
    """A DAG as the scheduler, API and UI see it. ``tasks`` is in topological order."""

    dag_id: str
    fileloc: str | None
    description: str | None
    schedule: str
    timetable: Timetable
    start_date: datetime | None
    end_date: datetime | None
    catchup: bool
    max_active_runs: int | None
    max_active_tasks: int | None
    dagrun_timeout: timedelta | None
    tags: list[str]
    params: ParamsDict
    owners: list[str]
    doc_md: str | None
    is_paused_upon_creation: bool | None
    tasks: dict[str, SerializedTask] = field(default_factory=dict)
    task_groups: TaskGroupTree = field(default_factory=TaskGroupTree)
    dag_display_name: str | None = None
    edge_info: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    callbacks: frozenset[str] = frozenset()

    @property
    def display_name(self) -> str:
        """What the UI shows: ``dag_display_name``, else the DAG id."""
        return self.dag_display_name or self.dag_id

    @property
    def dataset_condition(self) -> dict[str, Any] | None:
        """The serialized dataset condition this DAG is scheduled on, if any."""
        condition = self.timetable.serialize().get("condition")
        return condition if isinstance(condition, dict) else None

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, str]:
        """``{"label": ...}`` for a labelled edge, ``{}`` otherwise (as ``DAG.get_edge_info``)."""
        return dict(self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {}))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SerializedDAG:
        version = data.get("__version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"serialized DAG {data.get('dag_id')!r} has format version {version!r}; "
                f"this Tradewind reads version {FORMAT_VERSION}: re-parse the DAG files"
            )
        tasks = [SerializedTask.from_dict(item) for item in data.get("tasks", [])]
        return cls(
            dag_id=data["dag_id"],
            fileloc=data.get("fileloc"),
            description=data.get("description"),
            schedule=data["schedule"],
            timetable=_with_manual_intervals(_timetable_from_dict(data["timetable"])),
            start_date=_to_dt(data.get("start_date")),
            end_date=_to_dt(data.get("end_date")),
            catchup=DEFAULT_CATCHUP if data.get("catchup") is None else bool(data["catchup"]),
            max_active_runs=data.get("max_active_runs"),
            max_active_tasks=data.get("max_active_tasks"),
            dagrun_timeout=_to_td(data.get("dagrun_timeout")),
            tags=list(data.get("tags") or []),
            params=_read_params(data.get("params")),
            owners=list(data.get("owners") or []),
            doc_md=data.get("doc_md"),
            is_paused_upon_creation=data.get("is_paused_upon_creation"),
            tasks={task.task_id: task for task in tasks},
            dag_display_name=data.get("dag_display_name"),
            edge_info=dict(data.get("edge_info") or {}),
            warnings=list(data.get("warnings") or []),
            task_groups=TaskGroupTree.from_serialized(data.get("task_groups")),
            callbacks=frozenset(data.get("callbacks") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "__version": FORMAT_VERSION,
            "dag_id": self.dag_id,
            "dag_display_name": self.dag_display_name,
            "fileloc": self.fileloc,
            "description": self.description,
            "schedule": self.schedule,
            "timetable": self.timetable.serialize(),
            "start_date": _dt(self.start_date),
            "end_date": _dt(self.end_date),
            "catchup": self.catchup,
            "max_active_runs": self.max_active_runs,
            "max_active_tasks": self.max_active_tasks,
            "dagrun_timeout": _td(self.dagrun_timeout),
            "tags": self.tags,
            "params": _params(self.params),
            "owners": self.owners,
            "doc_md": self.doc_md,
            "is_paused_upon_creation": self.is_paused_upon_creation,
            "edge_info": self.edge_info,
            "warnings": self.warnings,
            "callbacks": sorted(self.callbacks),
            "tasks": [task.to_dict() for task in self.tasks.values()],
            **self.task_groups.to_serialized(),
        }

    @property
    def task_ids(self) -> list[str]:
        return list(self.tasks)

    def get_task(self, task_id: str) -> SerializedTask:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise TaskNotFound(f"task {task_id!r} not found in DAG {self.dag_id!r}") from None

    @property
    def roots(self) -> list[SerializedTask]:
        return [task for task in self.tasks.values() if not task.upstream_task_ids]

    @property
    def leaves(self) -> list[SerializedTask]:
        return [task for task in self.tasks.values() if not task.downstream_task_ids]

    @functools.cached_property
    def run_state_leaves(self) -> tuple[str, ...]:
        """The tasks whose end decides the run's state: the leaves, teardowns aside.

        A teardown counts only with ``on_failure_fail_dagrun``; otherwise the tasks right
        above it stand in for it (a task whose only downstream tasks are such teardowns).
        """

        def counts(task: SerializedTask) -> bool:
            return not task.is_teardown or task.on_failure_fail_dagrun

        found = tuple(
            tid
            for tid, task in self.tasks.items()
            if counts(task)
            and not any(counts(self.tasks[down]) for down in task.downstream_task_ids)
        )
        return found or tuple(task.task_id for task in self.leaves)

    @functools.cached_property
    def setup_ids(self) -> frozenset[str]:
        """The setup tasks: a teardown's trigger rule looks at them apart."""
        return frozenset(tid for tid, task in self.tasks.items() if task.is_setup)

    def teardowns_of(self, setup_id: str) -> frozenset[str]:
        """The teardowns right below a setup."""
        below = self.tasks[setup_id].downstream_task_ids
        return frozenset(tid for tid in below if tid in self.tasks and self.tasks[tid].is_teardown)

    def relevant_setups(self, task_id: str) -> frozenset[str]:
        """The setups whose resource ``task_id`` works with (Airflow's "relevant setups").

        Those above it with a teardown below it, or with no teardown at all: a task between
        a setup and its teardown needs the setup to have succeeded, even if not directly
        upstream of it. Work outside that span (after the teardown) does not.
        """
        if not self.setup_ids:
            return frozenset()
        cached = self._relevant_setups.get(task_id)
        if cached is None:
            below = self.relatives(task_id, upstream=False)
            cached = frozenset(
                setup
                for setup in self.relatives(task_id, upstream=True) & self.setup_ids
                if not self.teardowns_of(setup) or self.teardowns_of(setup) & below
            )
            self._relevant_setups[task_id] = cached
        return cached

    @functools.cached_property
    def _relevant_setups(self) -> dict[str, frozenset[str]]:
        return {}

    def relatives(self, task_id: str, *, upstream: bool) -> set[str]:
        """Every task above (``upstream``) or below ``task_id``, not just its neighbours."""
        found: set[str] = set()
        pending = [task_id]
        while pending:
            task = self.tasks[pending.pop()]
            for tid in task.upstream_task_ids if upstream else task.downstream_task_ids:
                if tid not in found and tid in self.tasks:
                    found.add(tid)
                    pending.append(tid)
        return found

    def topological_order(self) -> list[str]:
        return list(self._topological_order)

    @functools.cached_property
    def skipping_task_ids(self) -> tuple[str, ...]:
        """The branches and short circuits: the scheduler looks below them on each pass."""
        return tuple(tid for tid, task in self.tasks.items() if task.skips_downstream)

    @functools.cached_property
    def _topological_order(self) -> tuple[str, ...]:
        """Computed once: the scheduler asks on every pass over a running run."""
        order = topological_order({tid: t.upstream_task_ids for tid, t in self.tasks.items()})
        if order is None:  # only possible with hand-edited JSON: serialize_dag validates
            raise DagCycleError(f"cycle detected in serialized DAG {self.dag_id!r}")
        return tuple(order)

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, now: datetime
    ) -> DagRunInfo | None:
        """The timetable's next run for this DAG's start/end dates and catchup setting."""
        return self.timetable.next_run_info(
            last_automated_data_interval=last_automated_data_interval,
            start_date=self.start_date,
            end_date=self.end_date,
            catchup=self.catchup,
            now=now,
        )


def _uris_of(items: list[Any]) -> list[str]:
    return [
        item["uri"]
        for item in items
        if isinstance(item, dict) and item.get("__type") == "dataset" and "uri" in item
    ]


def _to_dt(value: str | None) -> datetime | None:
    return parse_datetime(value) if value is not None else None


def _to_td(value: float | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None


def _with_manual_intervals(timetable: Timetable) -> Timetable:
    """A user's timetable answers manual runs' intervals from a child process (its class
    never enters this one): see :mod:`tradewind.dagfiles.manual_interval`."""
    # DatasetOrTimeSchedule asks the timetable it wraps.
    planned = getattr(timetable, "timetable", timetable)
    if isinstance(planned, PlannedTimetable):
        from tradewind.dagfiles.manual_interval import infer_in_child

        planned.manual_intervals = infer_in_child
    return timetable
