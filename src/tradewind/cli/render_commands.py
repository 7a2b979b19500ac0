"""``tasks render``: print a task's templated fields as a try on that date would render them,
or (``--stored``) as a recorded try of a run did render them.

Rendering live runs nothing and records nothing. Like ``tasks test``, XComs live in memory
only, so ``ti.xcom_pull`` in a template renders ``None``. The stored fields are what the
task instance page's Rendered tab shows: kept when the try ran, secrets masked, whatever
the DAG file says today.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from tradewind.cli.app import map_index_option, tasks
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.dag_folder_commands import _InMemoryTaskInstance, _load_live_dag
from tradewind.exceptions import BadRequest

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG
    from tradewind.config import Config

RULE = "# " + "-" * 58


@tasks.command("render")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date_or_run_id")
@click.option(
    "--stored",
    is_flag=True,
    help="Print what a recorded try of that run rendered (from the database), instead of "
    "rendering the DAG file's templates now. LOGICAL_DATE_OR_RUN_ID may then be a run id.",
)
@click.option(
    "--try-number",
    type=click.IntRange(min=1),
    default=None,
    help="With --stored: which try (default: the latest). Implies --stored.",
)
@map_index_option
@pass_cli
def render_task(
    cli: CliContext,
    dag_id: str,
    task_id: str,
    logical_date_or_run_id: str,
    stored: bool,
    try_number: int | None,
    map_index: int,
) -> None:
    """Print each templated field of TASK_ID as rendered for LOGICAL_DATE (Airflow's
    ``tasks render``), or with --stored as a run's try rendered it."""
    if stored or try_number is not None:
        _print_stored(cli, dag_id, task_id, logical_date_or_run_id, try_number, map_index)
        return
    dag = _load_live_dag(cli, dag_id)
    when = _parse_date(logical_date_or_run_id)
    for field, value in rendered_fields(dag, task_id, when, cli.config, map_index):
        _print_field(field, value)


def _print_field(field: str, value: object) -> None:
    click.echo(f"\n{RULE}\n# property: {field}\n{RULE}\n{value}\n")


def _print_stored(
    cli: CliContext,
    dag_id: str,
    task_id: str,
    ref: str,
    try_number: int | None,
    map_index: int,
) -> None:
    import json

    from tradewind.operations.task_instances import stored_rendered_fields

    found = stored_rendered_fields(
        cli.database(), dag_id, ref, task_id, try_number=try_number, map_index=map_index
    )
    click.echo(f"# as try {found.try_number} of run {found.run_id} rendered them (recorded)")
    for field, value in found.fields.items():
        shown = value if isinstance(value, str) else json.dumps(value, indent=2)
        _print_field(field, shown)


def rendered_fields(
    dag: DAG, task_id: str, logical_date: datetime, config: Config, map_index: int = -1
) -> list[tuple[str, object]]:
    """(field, rendered value) for each of the task's ``template_fields``, in order."""
    from tradewind.authoring.context import build_template_context
    from tradewind.authoring.current_context import running_task
    from tradewind.cli.live_mapping import live_instance
    from tradewind.compat.configuration import AirflowConfigView

    task = dag.get_task(task_id).prepare_for_execution()
    run_id = f"__tradewind_render__{logical_date.isoformat()}"
    ti = _InMemoryTaskInstance(dag.dag_id, task_id, run_id)
    context = build_template_context(
        dag=dag,
        task=task,
        run_id=run_id,
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=logical_date,
        conf=None,
        ti=ti,
        test_mode=True,
        configuration=AirflowConfigView(config),
    )
    task = live_instance(dag.dag_id, task, map_index, context)
    context["task"] = task
    ti.map_index = map_index
    with running_task(context):
        task.render_template_fields(context)
    return [(field, getattr(task, field)) for field in task.template_fields]


def _parse_date(text: str) -> datetime:
    from tradewind.authoring.timezone import parse_datetime

    try:
        return parse_datetime(text)
    except ValueError:
        raise BadRequest(
            f"{text!r} is not a date (use e.g. 2024-01-31 or 2024-01-31T06:00:00)"
        ) from None
