"""DAG: a named set of tasks, their dependencies and the schedule they run on."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import jinja2

from tradewind.authoring import dag_context
from tradewind.authoring.callbacks import CallbackArg, coerce_callbacks
from tradewind.authoring.ids import validate_id
from tradewind.authoring.params import ParamsDict, schema_types
from tradewind.authoring.schedules import ScheduleArg, Timetable, timetable_for
from tradewind.authoring.schedules.cron import CronTimetable
from tradewind.authoring.setup_teardown import check_marks
from tradewind.authoring.task_group import TaskGroup
from tradewind.authoring.timezone import coerce_utc_or_none, plain_timedelta
from tradewind.exceptions import (
    DagCycleError,
    DagDefinitionError,
    DuplicateTaskIdError,
    ParamValidationError,
    TaskNotFound,
)

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator


class _NotSet:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NotSet()

#: Airflow 2's schedule when a DAG passes neither ``schedule`` nor ``schedule_interval``.
DEFAULT_SCHEDULE = timedelta(days=1)

_AUTHORING_DIR = str(Path(__file__).resolve().parent)
_DECORATORS_FILE = str(Path(__file__).resolve().parent.parent / "decorators.py")


#: Airflow's graph directions: left to right, top to bottom, and their reverses.
GRAPH_ORIENTATIONS = ("LR", "TB", "RL", "BT")


class DAG:
    """A workflow definition. Use as a context manager so tasks created inside attach to it.

    Mirrors the subset of Airflow 2's ``DAG`` arguments that Tradewind supports, so DAG files
    port by changing imports. ``max_active_runs``/``max_active_tasks`` left as ``None`` mean
    "use the configured default", decided by the scheduler; ``catchup`` left as ``None``
    means ``[scheduler] catchup_by_default``, applied when the DAG folder is synced.
    """

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        *,
        schedule: ScheduleArg = NOTSET,
        schedule_interval: ScheduleArg = NOTSET,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        catchup: bool | None = None,
        default_args: Mapping[str, Any] | None = None,
        max_active_runs: int | None = None,
        max_active_tasks: int | None = None,
        concurrency: int | None = None,
        dagrun_timeout: timedelta | None = None,
        tags: Iterable[str] | None = None,
        doc_md: str | None = None,
        params: Mapping[str, Any] | None = None,
        is_paused_upon_creation: bool | None = None,
        fileloc: str | None = None,
        template_searchpath: str | Iterable[str] | None = None,
        user_defined_macros: Mapping[str, Any] | None = None,
        user_defined_filters: Mapping[str, Callable[..., Any]] | None = None,
        render_template_as_native_obj: bool = False,
        template_undefined: type[jinja2.Undefined] = jinja2.StrictUndefined,
        jinja_environment_kwargs: Mapping[str, Any] | None = None,
        on_success_callback: CallbackArg = None,
        on_failure_callback: CallbackArg = None,
        sla_miss_callback: Callable[..., Any] | None = None,
        dag_display_name: str | None = None,
        orientation: str = "LR",
    ) -> None:
        self.fileloc = fileloc or _caller_file()
        self.dag_id = validate_id(dag_id, kind="dag_id", where=self.fileloc_suffix)
        self.description = description
        self.default_args: dict[str, Any] = dict(default_args or {})
        self.schedule = self._pick_schedule(schedule, schedule_interval)
        self.timetable: Timetable = self._build_timetable(self.schedule)
        raw_start = start_date if start_date is not None else self.default_args.get("start_date")
        self.start_date = self._coerce_date(raw_start, "start_date")
        self._warn_if_cron_meant_another_zone(raw_start)
        self.end_date = self._coerce_date(
            end_date if end_date is not None else self.default_args.get("end_date"), "end_date"
        )
        self.catchup: bool | None = None if catchup is None else bool(catchup)
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks if max_active_tasks is not None else concurrency
        self.dagrun_timeout = (
            plain_timedelta(dagrun_timeout)
            if isinstance(dagrun_timeout, timedelta)
            else dagrun_timeout
        )
        self.tags: list[str] = list(tags or [])
        self.params = ParamsDict(self.default_args.get("params"))
        self.params.update(ParamsDict(params))
        self.is_paused_upon_creation = is_paused_upon_creation
        self.template_searchpath: list[str] = (
            [template_searchpath]
            if isinstance(template_searchpath, str)
            else list(template_searchpath or [])
        )
        self.user_defined_macros: dict[str, Any] = dict(user_defined_macros or {})
        self.user_defined_filters: dict[str, Callable[..., Any]] = dict(user_defined_filters or {})
        self.render_template_as_native_obj = bool(render_template_as_native_obj)
        self.template_undefined = template_undefined
        self.jinja_environment_kwargs: dict[str, Any] = dict(jinja_environment_kwargs or {})
        where = f" of {self._where}"
        self.on_success_callback = coerce_callbacks(
            on_success_callback, "on_success_callback", where
        )
        self.on_failure_callback = coerce_callbacks(
            on_failure_callback, "on_failure_callback", where
        )
        self.sla_miss_callback = sla_miss_callback  # warned about: see unimplemented.py
        self._dag_display_name = self._optional_text(dag_display_name, "dag_display_name")
        if orientation not in GRAPH_ORIENTATIONS:
            raise DagDefinitionError(
                f"orientation of {self._where} must be one of {', '.join(GRAPH_ORIENTATIONS)}, "
                f"got {orientation!r}"
            )
        self.orientation = orientation  # the graph is drawn left to right: see unimplemented.py
        self.doc_md = read_doc_md(doc_md, self._doc_folders(), self._where)
        self.task_dict: dict[str, BaseOperator] = {}
        self.task_group = TaskGroup.root(self)
        #: ``edge_info[upstream_id][downstream_id]``: what a ``Label`` put on that edge.
        self.edge_info: dict[str, dict[str, dict[str, str]]] = {}
        #: Set when a ``SubDagOperator`` inlined this DAG into another: not a DAG of its own.
        self.parent_dag: DAG | None = None

    @property
    def is_subdag(self) -> bool:
        return self.parent_dag is not None

    # --- construction helpers ---------------------------------------------------------------

    @property
    def fileloc_suffix(self) -> str:
        """`` (path/to/file.py)`` for error messages, or empty when unknown."""
        fileloc = getattr(self, "fileloc", None)
        return f" ({fileloc})" if fileloc else ""

    @property
    def _where(self) -> str:
        return f"DAG {self.dag_id!r}{self.fileloc_suffix}"

    def _pick_schedule(self, schedule: ScheduleArg, schedule_interval: ScheduleArg) -> ScheduleArg:
        if schedule is not NOTSET and schedule_interval is not NOTSET:
            raise DagDefinitionError(
                f"DAG {self.dag_id!r}{self.fileloc_suffix} passes both schedule and "
                f"schedule_interval; use only schedule"
            )
        chosen = schedule if schedule is not NOTSET else schedule_interval
        if chosen is NOTSET:
            return DEFAULT_SCHEDULE
        return plain_timedelta(chosen) if isinstance(chosen, timedelta) else chosen

    def _warn_if_cron_meant_another_zone(self, start_date: object) -> None:
        """Cron runs in UTC here; Airflow reads a cron expression in the start_date's zone."""
        if not isinstance(self.timetable, CronTimetable) or not isinstance(start_date, datetime):
            return
        if self.timetable.zone is not UTC:  # CronDataIntervalTimetable(cron, timezone=...)
            return
        offset = start_date.utcoffset()
        if offset:
            warnings.warn(
                f"{self._where}: start_date is in a time zone {offset} from UTC, but the cron "
                f"schedule {self.timetable.summary!r} is evaluated in UTC by Tradewind (Airflow "
                "evaluates it in the start_date's zone): write the expression in UTC",
                UserWarning,
                stacklevel=3,
            )

    def _build_timetable(self, schedule: ScheduleArg) -> Timetable:
        try:
            timetable = timetable_for(schedule)
            timetable.validate()  # a user's timetable checks its own arguments (Airflow's hook)
            return timetable
        except Exception as exc:  # ValueError, TypeError, or what a user's validate() raises
            raise DagDefinitionError(
                f"invalid schedule {schedule!r} for {self._where}: {exc}"
            ) from None

    def _coerce_date(self, value: Any, name: str) -> datetime | None:
        try:
            return coerce_utc_or_none(value)
        except TypeError:
            raise DagDefinitionError(
                f"{name} of {self._where} must be a datetime, got {value!r}"
            ) from None

    def _optional_text(self, value: Any, name: str) -> str | None:
        if value is None or isinstance(value, str):
            return value or None
        raise DagDefinitionError(f"{name} of {self._where} must be a string, got {value!r}")

    def _doc_folders(self) -> list[str]:
        """Where a ``doc_md`` naming a .md file is looked for: the DAG file's folder first."""
        here = [str(Path(self.fileloc).parent)] if self.fileloc else []
        return [*here, *self.template_searchpath]

    @property
    def dag_display_name(self) -> str:
        """What the UI shows for this DAG (``dag_display_name``, else the DAG id)."""
        return self._dag_display_name or self.dag_id

    @property
    def schedule_interval(self) -> ScheduleArg:
        """Airflow 2's legacy name for :attr:`schedule`."""
        return self.schedule

    # --- context manager --------------------------------------------------------------------

    def __enter__(self) -> DAG:
        dag_context.push(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        dag_context.pop()

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"

    # --- tasks --------------------------------------------------------------------------------

    def add_task(self, task: BaseOperator) -> None:
        """Attach ``task``; operators do this themselves when created in the DAG."""
        existing = self.task_dict.get(task.task_id)
        if existing is task:
            return
        if existing is not None:
            raise DuplicateTaskIdError(
                f"task id {task.task_id!r} has already been added to {self._where}"
            )
        self._add_to_group(task)
        if task.start_date is None:
            task.start_date = self.start_date
        if task.end_date is None:
            task.end_date = self.end_date
        self.task_dict[task.task_id] = task

    def _add_to_group(self, task: BaseOperator) -> None:
        """Put ``task`` in the group it was created in (the root group if none)."""
        group = task.task_group or self.task_group
        if group.dag is not self:
            raise DagDefinitionError(
                f"task {task.task_id!r} is in task group {group.group_id!r} of DAG "
                f"{group.dag.dag_id!r} and cannot be added to {self._where}"
            )
        group.add(task)
        task.task_group = group

    def add_tasks(self, tasks: Iterable[BaseOperator]) -> None:
        for task in tasks:
            task.dag = self

    @property
    def tasks(self) -> list[BaseOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> BaseOperator:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFound(f"task {task_id!r} not found in {self._where}") from None

    @property
    def roots(self) -> list[BaseOperator]:
        """Tasks without upstream tasks: where a run starts."""
        return [task for task in self.task_dict.values() if not task.upstream_task_ids]

    @property
    def leaves(self) -> list[BaseOperator]:
        """Tasks without downstream tasks: where a run ends."""
        return [task for task in self.task_dict.values() if not task.downstream_task_ids]

    @property
    def owner(self) -> str:
        return ", ".join(sorted({task.owner for task in self.task_dict.values()}))

    # --- edges ----------------------------------------------------------------------------------

    def set_edge_info(
        self, upstream_task_id: str, downstream_task_id: str, info: dict[str, str]
    ) -> None:
        """Record what an edge modifier (``Label``) says about the edge between two tasks."""
        self.edge_info.setdefault(upstream_task_id, {})[downstream_task_id] = dict(info)

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, str]:
        """``{"label": ...}`` for a labelled edge, ``{}`` otherwise (as in Airflow)."""
        return dict(self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {}))

    # --- validation ---------------------------------------------------------------------------

    def topological_sort(self) -> list[BaseOperator]:
        """Tasks ordered so every task comes after its upstream tasks.

        Ties keep the order tasks were added, so the result is stable between parses.
        """
        from tradewind.authoring.graph import find_cycle, topological_order

        graph = {tid: task.upstream_task_ids for tid, task in self.task_dict.items()}
        order = topological_order(graph)
        if order is None:
            cycle = find_cycle(graph) or []
            path = " -> ".join(repr(tid) for tid in cycle)
            raise DagCycleError(f"cycle detected in {self._where}: {path}")
        return [self.task_dict[tid] for tid in order]

    def validate(self) -> None:
        """Check what can only be checked once all tasks exist (the parser calls this)."""
        for task in self.task_dict.values():
            missing = (task.upstream_task_ids | task.downstream_task_ids) - self.task_dict.keys()
            if missing:
                raise DagDefinitionError(
                    f"task {task.task_id!r} of {self._where} depends on unknown tasks "
                    f"{sorted(missing)}"
                )
        self.topological_sort()
        for task in self.task_dict.values():
            check_marks(task)
        if self.timetable.can_be_scheduled and self.effective_start_date is None:
            raise DagDefinitionError(
                f"{self._where} has schedule {self.timetable.summary!r} but no start_date; "
                f"pass start_date= to the DAG (or in default_args)"
            )
        self._validate_params()

    def _validate_params(self) -> None:
        """A scheduled run has no conf, so its params' defaults must exist and be valid.

        As in Airflow, a DAG with ``schedule=None`` is checked only when triggered: an
        invalid or missing default then forces whoever triggers to supply a value.
        """
        if not self.timetable.can_be_scheduled:
            return
        for name, param in self.params.params().items():
            if not param.has_value and "null" not in schema_types(param.schema):
                raise ParamValidationError(
                    f"{self._where}: param {name!r} has no default value, so the DAG's "
                    "schedule must be None (a scheduled run has no conf to supply it)"
                )
            problem = param.problem_with(param.value) if param.has_value else None
            if problem is not None:
                raise ParamValidationError(
                    f"{self._where}: invalid default for param {name!r}: {problem}"
                )

    @property
    def effective_start_date(self) -> datetime | None:
        """The DAG's start_date, else the earliest task start_date."""
        if self.start_date is not None:
            return self.start_date
        dates = [task.start_date for task in self.task_dict.values() if task.start_date]
        return min(dates) if dates else None

    def param(self, name: str, default: Any = NOTSET) -> Any:
        """A placeholder for DAG param ``name`` resolved when a task runs (``@dag`` uses it)."""
        from tradewind.authoring.dag_decorator import DagParam

        if default is not NOTSET:
            self.params[name] = default
        return DagParam(self, name)


def read_doc_md(doc_md: str | None, folders: Sequence[str], where: str) -> str | None:
    """``doc_md`` rendered as Airflow does when the DAG is built.

    The text is a Jinja template rendered once, without a context, in a sandbox; a
    ``doc_md`` ending in ``.md`` names a template file instead, looked up in the DAG file's
    folder and the template search path. A file that is not found becomes a Markdown note
    saying so in the DAG's docs (as in Airflow), and a warning at parse time.
    """
    if not isinstance(doc_md, str):
        return doc_md
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(list(folders)))
    try:
        if not doc_md.endswith(".md"):
            return env.from_string(doc_md).render()
        try:
            return env.get_template(doc_md).render()
        except jinja2.TemplateNotFound:
            pass
    except jinja2.TemplateError as exc:
        raise DagDefinitionError(
            f"doc_md of {where} is not a valid Jinja template: {exc}"
        ) from None
    warnings.warn(
        f"{where}: doc_md names the file {doc_md!r}, which is not in "
        f"{', '.join(folders) or 'the DAG file folder'}",
        UserWarning,
        stacklevel=3,
    )
    return f"# Templating Error!\nNot able to find the template file: `{doc_md}`.\n"


def _caller_file() -> str | None:
    """The file of the first stack frame outside Tradewind's authoring code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_AUTHORING_DIR) or filename == _DECORATORS_FILE:
            # Tradewind's own frames, told apart without resolving symlinks (a resolve is
            # several lstat calls; this ran twice for every DAG a file defines).
            frame = frame.f_back  # type: ignore[assignment]
            continue
        resolved = os.path.realpath(filename) if not filename.startswith("<") else filename
        if not resolved.startswith(_AUTHORING_DIR) and resolved != _DECORATORS_FILE:
            return None if filename.startswith("<") else resolved
        frame = frame.f_back  # type: ignore[assignment]
    return None
