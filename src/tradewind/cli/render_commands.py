"""``tasks render``: print a task's templated fields as a try on that date would render them.

Nothing runs and nothing is recorded. Like ``tasks test``, XComs live in memory only, so
``ti.xcom_pull`` in a template renders ``None``.
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
@click.argument("logical_date")
@map_index_option
@pass_cli
def render_task(
    cli: CliContext, dag_id: str, task_id: str, logical_date: str, map_index: int
) -> None:
    """Print each templated field of TASK_ID as rendered for LOGICAL_DATE (Airflow's
    ``tasks render``)."""
    dag = _load_live_dag(cli, dag_id)
    when = _parse_date(logical_date)
    for field, value in rendered_fields(dag, task_id, when, cli.config, map_index):
        click.echo(f"\n{RULE}\n# property: {field}\n{RULE}\n{value}\n")


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
