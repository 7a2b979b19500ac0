"""BaseOperator: one unit of work in a DAG, and what every operator subclasses.

An operator object is the *definition* of a task (its id, retries, pool, dependencies and
templated arguments). The task runner renders its templated fields with a context and calls
:meth:`BaseOperator.execute`; the scheduler only ever sees the serialized form.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from tradewind.authoring import dag_context, setup_teardown
from tradewind.authoring.callbacks import CallbackArg, coerce_callbacks
from tradewind.authoring.dependencies import DependencyMixin, End, split_edge_modifiers
from tradewind.authoring.ids import validate_id
from tradewind.authoring.params import ParamsDict
from tradewind.authoring.resolvable import find_resolvables
from tradewind.authoring.task_group import TaskGroup, group_for_new_task
from tradewind.authoring.templating import build_jinja_env, needs_jinja, render_template
from tradewind.authoring.timezone import coerce_utc_or_none, plain_timedelta
from tradewind.authoring.trigger_rule import TriggerRule, coerce_trigger_rule
from tradewind.authoring.weight_rule import WeightRule, coerce_weight_rule
from tradewind.exceptions import (
    FAIL_METHOD,
    DagDefinitionError,
    TaskDeferralError,
    TaskDeferralTimeout,
    TaskDeferred,
)

if TYPE_CHECKING:
    import jinja2

    from tradewind.authoring.dag import DAG
    from tradewind.authoring.edgemodifier import EdgeModifier
    from tradewind.authoring.mapping import OperatorPartial
    from tradewind.authoring.xcom_arg import XComArg

log = logging.getLogger("tradewind.task")

DEFAULT_OWNER = "tradewind"
DEFAULT_POOL = "default_pool"
DEFAULT_QUEUE = "default"
DEFAULT_RETRY_DELAY = timedelta(seconds=300)

#: Set while a try builds a mapped instance's operator: it must not join (or re-wire) the DAG.
UNMAPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("unmapping", default=False)


_log = logging.getLogger("tradewind.task")


class BaseOperator(DependencyMixin):
    """Base class of all operators; subclasses implement :meth:`execute`.

    Subclasses call ``super().__init__(**kwargs)`` and take their own arguments as keyword
    arguments. ``default_args`` of the DAG (and of the operator) fill in any accepted
    argument the caller did not pass, like Airflow.
    """

    #: Attribute names rendered with Jinja before :meth:`execute`.
    template_fields: Sequence[str] = ()
    #: String values ending with one of these are names of template files to render.
    template_ext: Sequence[str] = ()
    #: How the UI would highlight each rendered field (``{"sql": "sql"}``); informative only.
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    #: Shown in the UI; subclasses may override.
    ui_color: str = "#fff"
    #: How deep the ``__init__`` chain is; only the outermost call merges ``default_args``.
    _tw_init_depth: int

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = DEFAULT_OWNER,
        email: str | Sequence[str] | None = None,
        email_on_retry: bool = True,
        email_on_failure: bool = True,
        retries: int | None = 0,
        retry_delay: timedelta | float = DEFAULT_RETRY_DELAY,
        retry_exponential_backoff: bool = False,
        max_retry_delay: timedelta | float | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        depends_on_past: bool = False,
        wait_for_downstream: bool = False,
        dag: DAG | None = None,
        params: Mapping[str, Any] | None = None,
        default_args: Mapping[str, Any] | None = None,
        priority_weight: int = 1,
        weight_rule: str = WeightRule.DOWNSTREAM,
        queue: str = DEFAULT_QUEUE,
        pool: str | None = None,
        pool_slots: int = 1,
        execution_timeout: timedelta | float | None = None,
        on_execute_callback: CallbackArg = None,
        on_failure_callback: CallbackArg = None,
        on_success_callback: CallbackArg = None,
        on_retry_callback: CallbackArg = None,
        on_skipped_callback: CallbackArg = None,
        trigger_rule: str = TriggerRule.ALL_SUCCESS,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        ignore_first_depends_on_past: bool = False,
        executor_config: Mapping[str, Any] | None = None,
        do_xcom_push: bool = True,
        inlets: Any = None,
        outlets: Any = None,
        doc: str | None = None,
        doc_md: str | None = None,
        task_group: TaskGroup | None = None,
        pre_execute: Callable[[Any], Any] | None = None,
        post_execute: Callable[[Any, Any], Any] | None = None,
        doc_rst: str | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        task_display_name: str | None = None,
        sla: timedelta | None = None,
        **kwargs: Any,
    ) -> None:
        group = group_for_new_task(task_group, dag or dag_context.current())
        if dag is None and group is not None:
            dag = group.dag
        in_dag = _where_dag(dag)  # once: it is in every message below
        validate_id(task_id, kind="task_id", where=in_dag)
        self.task_id = (
            validate_id(group.child_id(task_id), kind="task_id", where=in_dag)
            if group is not None
            else task_id
        )
        #: Set when the task joins its DAG: the group it was created in, else the root group.
        self.task_group: TaskGroup | None = group
        if kwargs:
            raise DagDefinitionError(
                f"invalid arguments were passed to {type(self).__name__} "
                f"(task_id {task_id!r}{in_dag}): {sorted(kwargs)}"
            )
        where = f" for task {task_id!r}{in_dag}"
        self.owner = owner
        self.email = email
        self.email_on_retry = email_on_retry
        self.email_on_failure = email_on_failure
        self.retries = int(retries or 0)
        self.retry_delay = _as_timedelta(retry_delay, "retry_delay", where)
        self.retry_exponential_backoff = bool(retry_exponential_backoff)
        self.max_retry_delay = _as_optional_timedelta(max_retry_delay, "max_retry_delay", where)
        self.start_date = _as_utc(start_date, "start_date", where)
        self.end_date = _as_utc(end_date, "end_date", where)
        self.wait_for_downstream = bool(wait_for_downstream)
        # As in Airflow: waiting for the previous run's downstream implies waiting for it.
        self.depends_on_past = bool(depends_on_past) or self.wait_for_downstream
        self.params = ParamsDict(params)
        self.priority_weight = int(priority_weight)
        self.weight_rule = coerce_weight_rule(weight_rule, where=where)
        self.queue = queue
        self.pool = pool or DEFAULT_POOL
        self.pool_slots = int(pool_slots)
        if self.pool_slots < 1:
            raise DagDefinitionError(f"pool_slots must be at least 1{where}, got {pool_slots}")
        self.execution_timeout = _as_optional_timedelta(
            execution_timeout, "execution_timeout", where
        )
        self.on_execute_callback = coerce_callbacks(
            on_execute_callback, "on_execute_callback", where
        )
        self.on_failure_callback = coerce_callbacks(
            on_failure_callback, "on_failure_callback", where
        )
        self.on_success_callback = coerce_callbacks(
            on_success_callback, "on_success_callback", where
        )
        self.on_retry_callback = coerce_callbacks(on_retry_callback, "on_retry_callback", where)
        self.on_skipped_callback = coerce_callbacks(
            on_skipped_callback, "on_skipped_callback", where
        )
        self.trigger_rule = coerce_trigger_rule(trigger_rule, where=where)
        self.max_active_tis_per_dag = _as_limit(
            max_active_tis_per_dag, "max_active_tis_per_dag", where
        )
        self.max_active_tis_per_dagrun = _as_limit(
            max_active_tis_per_dagrun, "max_active_tis_per_dagrun", where
        )
        self.ignore_first_depends_on_past = bool(ignore_first_depends_on_past)
        self.executor_config = dict(executor_config or {})
        self.do_xcom_push = bool(do_xcom_push)
        self._pre_execute_hook = _optional_callable(pre_execute, "pre_execute", where)
        self._post_execute_hook = _optional_callable(post_execute, "post_execute", where)
        self.inlets: list[Any] = _as_list(inlets)
        self.outlets: list[Any] = _as_list(outlets)
        self.doc = doc
        self.doc_md = doc_md
        self.doc_rst = doc_rst
        self.doc_json = doc_json
        self.doc_yaml = doc_yaml
        self._task_display_name = _optional_text(task_display_name, "task_display_name", where)
        self.sla = sla  # accepted so Airflow 2 files parse; warned about (see unimplemented.py)
        #: Setup/teardown marks (set by ``as_setup``/``as_teardown``, ``@setup``/``@teardown``).
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self._dag: DAG | None = None
        if dag is not None:
            self.dag = dag

    # --- identity -------------------------------------------------------------------------

    @property
    def operator_name(self) -> str:
        """The name shown in the UI and stored in the serialized DAG."""
        return type(self).__name__

    @property
    def task_display_name(self) -> str:
        """What the UI shows for this task (``task_display_name``, else the task id)."""
        return self._task_display_name or self.task_id

    @property
    def task_type(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<Task({self.operator_name}): {self.task_id}>"

    @property
    def label(self) -> str:
        """The id as written: ``task_id`` without the prefix its task group added."""
        group = self.task_group
        prefix = f"{group.group_id}." if group is not None and group.group_id else ""
        if prefix and group is not None and group.prefix_group_id:
            return self.task_id.removeprefix(prefix)
        return self.task_id

    # --- DAG membership -------------------------------------------------------------------

    @property
    def dag(self) -> DAG:
        if self._dag is None:
            raise DagDefinitionError(f"task {self.task_id!r} is not attached to a DAG")
        return self._dag

    @dag.setter
    def dag(self, dag: DAG) -> None:
        if self._dag is dag:
            return
        if self._dag is not None:
            raise DagDefinitionError(
                f"task {self.task_id!r} already belongs to DAG {self._dag.dag_id!r} "
                f"and cannot be moved to DAG {dag.dag_id!r}"
            )
        dag.add_task(self)
        self._dag = dag

    def has_dag(self) -> bool:
        return self._dag is not None

    @property
    def dag_id(self) -> str | None:
        return self._dag.dag_id if self._dag is not None else None

    # --- dependencies ---------------------------------------------------------------------

    def pre_execute(self, context: Any) -> None:
        """Called right before :meth:`execute` (the ``pre_execute`` argument, if given)."""
        if self._pre_execute_hook is not None:
            self._pre_execute_hook(context)

    def post_execute(self, context: Any, result: Any = None) -> None:
        """Called right after :meth:`execute` returned ``result`` (the ``post_execute``
        argument, if given); it may set the outlets' event extras, say."""
        if self._post_execute_hook is not None:
            self._post_execute_hook(context, result)

    def dependency_operators(self) -> list[BaseOperator]:
        return [self]

    def set_upstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """Make ``other`` (a task, ``XComArg`` or list of them) run before this task.

        ``edge_modifier`` (a ``Label``) names the edges; a ``Label`` inside ``other`` waits
        for the tasks on its far side (``b << Label("x") << a``).
        """
        self._relate(other, upstream=True, edge_modifier=edge_modifier)

    def set_downstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """Make ``other`` (a task, ``XComArg`` or list of them) run after this task."""
        self._relate(other, upstream=False, edge_modifier=edge_modifier)

    def _relate(self, other: Any, *, upstream: bool, edge_modifier: EdgeModifier | None) -> None:
        # ``other`` upstream of this task: its exits lead here; downstream: its entries.
        end: End = "exit" if upstream else "entry"
        others, modifiers = split_edge_modifiers(other, end=end)
        for modifier in modifiers:
            if upstream:
                modifier.set_downstream(self)
            else:
                modifier.set_upstream(self)
        if not others:
            return
        dag = self._common_dag(others)
        for task in [self, *others]:
            if not task.has_dag():
                task.dag = dag
        for task in others:
            if upstream:
                self.upstream_task_ids.add(task.task_id)
                task.downstream_task_ids.add(self.task_id)
            else:
                self.downstream_task_ids.add(task.task_id)
                task.upstream_task_ids.add(self.task_id)
            if edge_modifier is not None:
                source, target = (task, self) if upstream else (self, task)
                dag.set_edge_info(source.task_id, target.task_id, edge_modifier.edge_info())

    def _common_dag(self, others: list[BaseOperator]) -> DAG:
        dags: list[DAG] = []
        for task in [self, *others]:
            if task._dag is not None and all(task._dag is not d for d in dags):
                dags.append(task._dag)
        if len(dags) > 1:
            names = ", ".join(repr(d.dag_id) for d in dags)
            raise DagDefinitionError(
                f"cannot set a dependency between tasks of different DAGs ({names}) "
                f"involving task {self.task_id!r}"
            )
        if not dags:
            ids = ", ".join(repr(t.task_id) for t in [self, *others])
            raise DagDefinitionError(
                f"task {self.task_id!r} is not attached to a DAG (tasks {ids}); create it "
                f"inside a `with DAG(...)` block or pass dag=..."
            )
        return dags[0]

    # --- setup and teardown -----------------------------------------------------------------

    def as_setup(self) -> BaseOperator:
        """Mark this task a setup: its teardowns run once it succeeded, whatever the work did."""
        setup_teardown.mark_setup(self)
        return self

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> BaseOperator:
        """Mark this task a teardown (of ``setups``, which it then follows).

        It runs once everything upstream ended if one of its setups succeeded; its failure
        fails the run only with ``on_failure_fail_dagrun=True``.
        """
        setup_teardown.mark_teardown(self, setups, on_failure_fail_dagrun)
        return self

    def __enter__(self) -> BaseOperator:
        """``with setup >> teardown:`` wraps the tasks created inside between the two."""
        setup_teardown.enter_scope(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        setup_teardown.exit_scope()

    @property
    def upstream_list(self) -> list[BaseOperator]:
        return [self.dag.get_task(task_id) for task_id in sorted(self.upstream_task_ids)]

    @property
    def downstream_list(self) -> list[BaseOperator]:
        return [self.dag.get_task(task_id) for task_id in sorted(self.downstream_task_ids)]

    def get_flat_relative_ids(self, *, upstream: bool) -> set[str]:
        """All ancestors (``upstream=True``) or descendants, not just direct neighbours."""
        if self._dag is None:
            return set(self.upstream_task_ids if upstream else self.downstream_task_ids)
        found: set[str] = set()
        pending = [self]
        while pending:
            task = pending.pop()
            for task_id in task.upstream_task_ids if upstream else task.downstream_task_ids:
                if task_id not in found:
                    found.add(task_id)
                    pending.append(self._dag.get_task(task_id))
        return found

    @property
    def priority_weight_total(self) -> int:
        """The effective priority the scheduler sorts by, according to ``weight_rule``."""
        if self.weight_rule == WeightRule.ABSOLUTE or self._dag is None:
            return self.priority_weight
        relatives = self.get_flat_relative_ids(upstream=self.weight_rule == WeightRule.UPSTREAM)
        return self.priority_weight + sum(
            self._dag.get_task(task_id).priority_weight for task_id in relatives
        )

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """The arguments every instance of a mapped task shares; ``.expand(...)`` or
        ``.expand_kwargs(...)`` on the result maps the task over the rest."""
        from tradewind.authoring.mapping import partial

        return partial(cls, **kwargs)

    @property
    def output(self) -> XComArg:
        """This task's return value, to pass to other tasks (``XComArg(task)``)."""
        from tradewind.authoring.xcom_arg import XComArg

        return XComArg(self)

    # --- templating and execution -----------------------------------------------------------

    def prepare_for_execution(self) -> BaseOperator:
        """A copy for one try: rendering mutates fields, and the DAG's task must stay raw.

        The copy is shallow; rendering replaces field values rather than editing them, so
        the original keeps its templates (and may be rendered again for the next try).
        """
        return copy.copy(self)

    def prime(self) -> None:
        """Work every try of this task would repeat, done once beforehand.

        Called in the warm process tries are forked from, so each try inherits the result
        instead of paying for it (an operator's own caches, say). Must not run user code.
        """

    def get_template_env(self) -> jinja2.Environment:
        return build_jinja_env(self._dag)

    def render_template_fields(
        self, context: Mapping[str, Any], jinja_env: jinja2.Environment | None = None
    ) -> None:
        """Render every ``template_fields`` attribute in place, resolving XComArgs.

        Called by the task runner once per try, on a copy from :meth:`prepare_for_execution`.
        """
        env = jinja_env
        for field in self.template_fields:
            value = getattr(self, field)
            if env is None and needs_jinja(value, self.template_ext):
                env = self.get_template_env()
            try:
                rendered = render_template(value, context, env, self.template_ext)  # type: ignore[arg-type]
            except Exception:
                log.error(
                    "Exception rendering Jinja template for task %r, field %r. Template: %r",
                    self.task_id,
                    field,
                    value,
                )
                raise
            setattr(self, field, rendered)

    def execute(self, context: Mapping[str, Any]) -> Any:
        """Do the work. The returned value is pushed to XCom as ``return_value``.

        Raise ``TaskSkipped`` to end as skipped, ``TaskFailedNoRetry`` to fail without
        retrying; any other exception fails the try (and retries if any are left).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")

    def on_kill(self) -> None:
        """Called when the task is being killed; override to clean up external work."""

    def defer(
        self,
        *,
        trigger: Any,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | None = None,
    ) -> NoReturn:
        """End this try ``deferred`` until ``trigger`` fires, then resume in ``method_name``.

        The executor slot is given back at once; the trigger waits in ``tradewind triggerer``.
        When it fires, the task runs again (same try number) calling
        ``self.<method_name>(context, event=<the event's payload>, **kwargs)`` instead of
        ``execute``. If ``timeout`` passes first, the task fails with
        ``TaskDeferralTimeout``.
        """
        raise TaskDeferred(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)

    def resume_execution(
        self, next_method: str, next_kwargs: dict[str, Any] | None, context: Mapping[str, Any]
    ) -> Any:
        """Run the method a deferral named; ``__fail__`` is a deferral that ended badly
        (its timeout passed: ``TaskDeferralTimeout``; its trigger raised: ``TaskDeferralError``
        with the trigger's traceback in the log)."""
        if next_method == FAIL_METHOD:
            details = next_kwargs or {}
            error = str(details.get("error", "Unknown"))
            if details.get("traceback"):
                _log.error("Trigger failed:\n%s", "\n".join(details["traceback"]))
            if error == "Trigger timeout":
                raise TaskDeferralTimeout(error)
            raise TaskDeferralError(error)
        method = getattr(self, next_method, None)
        if not callable(method):
            raise TaskDeferralError(
                f"task {self.task_id!r} deferred with method_name={next_method!r}, which "
                f"{type(self).__name__} does not have"
            )
        return method(context, **(next_kwargs or {}))

    def iter_xcom_dependencies(self) -> Iterator[BaseOperator]:
        for field in self.template_fields:
            for resolvable in find_resolvables(getattr(self, field, None)):
                yield from resolvable.iter_references()

    def _after_init(self) -> None:
        """Runs once the outermost ``__init__`` returned (see ``_apply_defaults``)."""
        self._check_template_fields()
        if UNMAPPING.get():
            return  # a mapped instance's operator, built by a try: the DAG is wired already
        for operator in self.iter_xcom_dependencies():
            if operator is not self:
                self.set_upstream(operator)
        setup_teardown.note_created(self)

    def _check_template_fields(self) -> None:
        """Every ``template_fields`` name must be an attribute, said at parse time (Airflow
        does too) rather than when a try renders. A lone string is one field's name, not
        its letters (``template_fields = ("sql")`` lacks its comma)."""
        if isinstance(self.template_fields, str):
            self.template_fields = (self.template_fields,)
        for field in self.template_fields:
            if not hasattr(self, field):
                raise DagDefinitionError(
                    f"{field!r} is configured as a template field but {self.task_type} "
                    f"does not have this attribute (task {self.task_id!r}"
                    f"{_where_dag(self._dag)})"
                )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _apply_defaults(cls.__dict__["__init__"])  # type: ignore[method-assign]


# --- default_args -----------------------------------------------------------------------------


def _apply_defaults(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap an operator ``__init__`` so ``default_args`` fill in missing keyword arguments.

    Only the outermost ``__init__`` (the concrete class's) does the merge; the ``super()``
    chain then receives the complete set of arguments.
    """

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        outermost = not getattr(self, "_tw_init_depth", 0)
        if outermost:
            if args:
                raise DagDefinitionError(
                    f"{type(self).__name__} takes keyword arguments only "
                    f"(task_id={kwargs.get('task_id')!r})"
                )
            kwargs = merge_default_args(type(self), kwargs)
        self._tw_init_depth = getattr(self, "_tw_init_depth", 0) + 1
        try:
            init(self, *args, **kwargs)
        finally:
            self._tw_init_depth -= 1
        if outermost:
            self._after_init()

    return wrapper


def merge_default_args(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Precedence, lowest first: the DAG's default_args, its task group's, the operator's."""
    passed_group = kwargs.get("task_group")
    dag = kwargs.get("dag") or (
        passed_group.dag if isinstance(passed_group, TaskGroup) else dag_context.current()
    )
    group = group_for_new_task(passed_group, dag)
    if dag is None and group is not None:  # `with TaskGroup(..., dag=dag):` alone
        dag = group.dag
    defaults: dict[str, Any] = dict(dag.default_args) if dag is not None else {}
    defaults.update(group.default_args if group is not None else {})
    defaults.update(kwargs.pop("default_args", None) or {})
    defaults.pop("params", None)  # default params are merged into the DAG's params instead
    if dag is not None and "dag" not in kwargs:
        kwargs["dag"] = dag
    accepted = accepted_arguments(cls)
    for name, value in defaults.items():
        if name in accepted and name not in kwargs:
            kwargs[name] = value
    return kwargs


@functools.cache
def accepted_arguments(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not issubclass(klass, BaseOperator):
            continue
        for param in inspect.signature(inspect.unwrap(init)).parameters.values():
            if param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD):
                names.add(param.name)
    names.discard("self")
    return frozenset(names)


BaseOperator.__init__ = _apply_defaults(BaseOperator.__init__)  # type: ignore[method-assign]


# --- argument coercion ------------------------------------------------------------------------


def _where_dag(dag: DAG | None) -> str:
    dag = dag or dag_context.current()
    return f" in DAG {dag.dag_id!r}{dag.fileloc_suffix}" if dag is not None else ""


def _as_timedelta(value: timedelta | float, name: str, where: str) -> timedelta:
    if isinstance(value, timedelta):
        return plain_timedelta(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise DagDefinitionError(f"{name} must be a timedelta or seconds{where}, got {value!r}")


def _as_optional_timedelta(value: timedelta | float | None, name: str, where: str) -> Any:
    return None if value is None else _as_timedelta(value, name, where)


def _as_utc(value: datetime | None, name: str, where: str) -> datetime | None:
    try:
        return coerce_utc_or_none(value)
    except TypeError:
        raise DagDefinitionError(f"{name} must be a datetime{where}, got {value!r}") from None


def _optional_text(value: Any, name: str, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise DagDefinitionError(f"{name} must be a string{where}, got {value!r}")


def _as_limit(value: int | None, name: str, where: str) -> int | None:
    """A positive number of task instances, or None for no limit."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DagDefinitionError(f"{name} must be a positive integer{where}, got {value!r}")
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _optional_callable(value: Any, name: str, where: str) -> Any:
    if value is None or callable(value):
        return value
    raise DagDefinitionError(f"{name} must be callable{where}, got {value!r}")
