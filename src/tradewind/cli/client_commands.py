"""CLI commands that go through the API client ``[cli] api_client`` names.

With ``local_client`` they work on the database; with ``json_client`` they call the
webserver and need no database access. Either way the output is the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.app import dags, map_index_option, pools, tasks
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.tables import echo_rows
from tradewind.exceptions import BadRequest

if TYPE_CHECKING:
    from tradewind.api.client.base import Client


def _client(cli: CliContext) -> Client:
    from tradewind.api.client import get_client

    return get_client(cli.config)


def _output_option(func: Any) -> Any:
    return click.option(
        "--output",
        "-o",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="How to print the result.",
    )(func)


# --- dags -------------------------------------------------------------------------------------


@dags.command("trigger")
@click.argument("dag_id")
@click.option("--run-id", "-r", default=None, help="Default: manual__<execution date>.")
@click.option("--conf", "-c", default=None, help='JSON object, e.g. \'{"key": "value"}\'.')
@click.option("--exec-date", "-e", "execution_date", default=None, help="ISO 8601 date.")
@pass_cli
def trigger(
    cli: CliContext, dag_id: str, run_id: str | None, conf: str | None, execution_date: str | None
) -> None:
    """Queue a run of DAG_ID (a paused DAG's run waits for the unpause)."""
    if conf is not None:
        try:
            parsed = json.loads(conf)
        except ValueError:
            raise BadRequest(f"--conf is not valid JSON: {conf}") from None
        if not isinstance(parsed, dict):
            raise BadRequest(
                "Dag Run conf must be a dictionary object, other types are not supported"
            )
    result = _client(cli).trigger_dag(
        dag_id, run_id=run_id, conf=conf, execution_date=execution_date
    )
    click.echo(result["message"])


@dags.command("delete")
@click.argument("dag_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def delete(cli: CliContext, dag_id: str, yes: bool) -> None:
    """Delete every record of DAG_ID (runs, task instances, XComs)."""
    if not yes:
        click.confirm(f"Delete all records of DAG {dag_id}? This cannot be undone.", abort=True)
    click.echo(_client(cli).delete_dag(dag_id)["message"])


def _set_paused(cli: CliContext, dag_id: str, paused: bool) -> None:
    client = _client(cli)
    client.set_paused(dag_id, paused)
    click.echo(f"Dag: {dag_id}, paused: {client.is_paused(dag_id)}")


@dags.command("pause")
@click.argument("dag_id")
@pass_cli
def pause(cli: CliContext, dag_id: str) -> None:
    """Pause DAG_ID: no new task starts until it is unpaused."""
    _set_paused(cli, dag_id, True)


@dags.command("unpause")
@click.argument("dag_id")
@pass_cli
def unpause(cli: CliContext, dag_id: str) -> None:
    """Unpause DAG_ID."""
    _set_paused(cli, dag_id, False)


@dags.command("state")
@click.argument("dag_id")
@click.argument("execution_date_or_run_id")
@pass_cli
def state(cli: CliContext, dag_id: str, execution_date_or_run_id: str) -> None:
    """Print the state of a run (and its conf, when it has one)."""
    run = _client(cli).get_dag_run(dag_id, execution_date_or_run_id)
    conf = run.get("conf")
    click.echo(f"{run['state']}, {json.dumps(conf)}" if conf else run["state"])


@dags.command("list-runs")
@click.argument("dag_id")
@click.option("--state", default=None, help="Only runs in this state.")
@_output_option
@pass_cli
def list_runs(cli: CliContext, dag_id: str, state: str | None, output: str) -> None:
    """List the runs of DAG_ID, oldest first."""
    runs = _client(cli).list_dag_runs(dag_id, state=state)
    echo_rows(runs, ["dag_id", "run_id", "state", "execution_date", "start_date"], output=output)


# --- tasks ------------------------------------------------------------------------------------


@tasks.command("state")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("execution_date_or_run_id")
@map_index_option
@pass_cli
def task_state(
    cli: CliContext, dag_id: str, task_id: str, execution_date_or_run_id: str, map_index: int
) -> None:
    """Print the state of a task instance ("None" before it is scheduled)."""
    ti = _client(cli).get_task_instance(dag_id, execution_date_or_run_id, task_id, map_index)
    click.echo(ti["state"])


# --- pools ------------------------------------------------------------------------------------

_POOL_COLUMNS = ["pool", "slots", "description", "open_slots", "running_slots", "queued_slots"]


def _print_pools(rows: list[dict[str, Any]], output: str) -> None:
    echo_rows(rows, _POOL_COLUMNS, output=output)


@pools.command("list")
@_output_option
@pass_cli
def pools_list(cli: CliContext, output: str) -> None:
    """List pools."""
    _print_pools(_client(cli).get_pools(), output)


@pools.command("get")
@click.argument("name")
@_output_option
@pass_cli
def pools_get(cli: CliContext, name: str, output: str) -> None:
    """Show one pool."""
    _print_pools([_client(cli).get_pool(name)], output)


@pools.command("set")
@click.argument("name")
@click.argument("slots")
@click.argument("description", default="")
@pass_cli
def pools_set(cli: CliContext, name: str, slots: str, description: str) -> None:
    """Create pool NAME with SLOTS (-1: unlimited), or update it."""
    pool = _client(cli).create_pool(name, slots, description)
    click.echo(f"Pool {pool['pool']} set: {pool['slots']} slot(s)")


@pools.command("delete")
@click.argument("name")
@pass_cli
def pools_delete(cli: CliContext, name: str) -> None:
    """Delete pool NAME (default_pool cannot be deleted)."""
    _client(cli).delete_pool(name)
    click.echo(f"Pool {name} deleted")


@pools.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def pools_import(cli: CliContext, path: Path) -> None:
    """Create or update pools from a JSON file: {"name": {"slots": N, "description": "..."}}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BadRequest(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise BadRequest(f'{path} must hold {{"<pool name>": {{"slots": N, "description": ...}}}}')
    client = _client(cli)
    for name, spec in data.items():
        if "slots" not in spec:
            raise BadRequest(f"Pool {name} in {path} has no slots")
    for name, spec in data.items():
        client.create_pool(name, spec["slots"], spec.get("description") or "")
    click.echo(f"Imported {len(data)} pool(s) from {path}")


@pools.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def pools_export(cli: CliContext, path: Path) -> None:
    """Write every pool to a JSON file that `pools import` reads back."""
    rows = _client(cli).get_pools()
    data = {
        row["pool"]: {
            "slots": row["slots"],
            "description": row["description"],
            "include_deferred": row.get("include_deferred", False),
        }
        for row in rows
    }
    path.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    click.echo(f"Exported {len(data)} pool(s) to {path}")
