"""``tradewind connections ...``: Airflow's subcommands and ``--conn-*`` flags.

Like ``variables`` they work on the metadata database directly. ``list``/``get`` show the
password as ``***`` unless ``--reveal``; ``export`` writes it (the file is for another
installation, as Airflow's is).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import click

from tradewind.cli.app import connections
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.tables import echo_rows
from tradewind.cli.variables_commands import ACTOR, read_json_file, secrets_store
from tradewind.exceptions import BadRequest

_COLUMNS = ["conn_id", "conn_type", "host", "port", "schema", "login", "password", "extra"]


@connections.command("list")
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
@pass_cli
def connections_list(cli: CliContext, output: str) -> None:
    """List the stored connections (passwords as ***)."""
    from tradewind.operations.connections import list_connections

    rows = list_connections(secrets_store(cli))
    echo_rows(rows, _COLUMNS, output=output, when_empty="No connections")


@connections.command("get")
@click.argument("conn_id")
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
@click.option("--reveal", is_flag=True, help="Show the password and extra's secrets.")
@pass_cli
def connections_get(cli: CliContext, conn_id: str, output: str, reveal: bool) -> None:
    """Show one connection (the environment's TRADEWIND_CONN_<ID> first)."""
    from tradewind.operations.connections import get_connection

    row = get_connection(secrets_store(cli), conn_id, reveal=reveal)
    echo_rows([row], _COLUMNS, output=output)


@connections.command("add")
@click.argument("conn_id")
@click.option("--conn-uri", default=None, help="type://login:password@host:port/schema?extra")
@click.option("--conn-json", default=None, help='{"conn_type": ..., "host": ..., ...}')
@click.option("--conn-type", default=None)
@click.option("--conn-host", default=None)
@click.option("--conn-login", default=None)
@click.option("--conn-password", default=None)
@click.option("--conn-schema", default=None)
@click.option("--conn-port", default=None)
@click.option("--conn-extra", default=None, help="A JSON object.")
@click.option("--conn-description", default=None)
@pass_cli
def connections_add(cli: CliContext, conn_id: str, **options: Any) -> None:
    """Add connection CONN_ID from --conn-uri, --conn-json or the --conn-* fields."""
    from tradewind.operations.connections import add_connection, connection_from_fields

    uri, as_json = options.pop("conn_uri"), options.pop("conn_json")
    fields = {key[len("conn_") :]: value for key, value in options.items() if value is not None}
    fields["conn_type"] = fields.pop("type", None)
    if fields.get("conn_type") is None:
        fields.pop("conn_type")
    given = [name for name, value in (("--conn-uri", uri), ("--conn-json", as_json)) if value]
    if len(given) > 1 or (given and set(fields) - {"description"}):
        raise BadRequest("give --conn-uri, --conn-json or the --conn-* fields, not several")
    if uri:
        fields = {"uri": uri}
    elif as_json:
        try:
            fields = json.loads(as_json)
        except ValueError as exc:
            raise BadRequest(f"--conn-json is not valid JSON: {exc}") from None
    elif not fields.get("conn_type"):
        raise BadRequest("give --conn-uri, --conn-json or at least --conn-type")
    description = options.get("conn_description")
    connection = connection_from_fields(conn_id, fields)
    if description is not None:
        connection.description = description
    add_connection(secrets_store(cli), connection, actor=ACTOR, replace=False)
    shown = copy.copy(connection)
    if shown.password:
        shown.password = "***"
    uri = shown.get_uri().replace(":%2A%2A%2A@", ":***@")
    click.echo(f"Successfully added `conn_id`={conn_id} : {uri}")


@connections.command("delete")
@click.argument("conn_id")
@pass_cli
def connections_delete(cli: CliContext, conn_id: str) -> None:
    """Delete connection CONN_ID."""
    from tradewind.operations.connections import delete_connection

    delete_connection(secrets_store(cli), conn_id, actor=ACTOR)
    click.echo(f"Successfully deleted connection with `conn_id`={conn_id}")


@connections.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace connections that already exist.")
@pass_cli
def connections_import(cli: CliContext, path: Path, overwrite: bool) -> None:
    """Add connections from a JSON file: {"conn_id": {"conn_type": ..., ...}, ...}."""
    from tradewind.operations.connections import import_connections

    data = read_json_file(path)
    written, skipped = import_connections(
        secrets_store(cli), data, actor=ACTOR, overwrite=overwrite
    )
    for conn_id in skipped:
        click.echo(f"Could not import connection {conn_id}: connection already exists.")
    click.echo(f"Imported {written} connection(s) from {path}")


@connections.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def connections_export(cli: CliContext, path: Path) -> None:
    """Write every stored connection to a JSON file, passwords included."""
    from tradewind.operations.connections import export_connections

    data = export_connections(secrets_store(cli))
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(f"Connections successfully exported to {path}.")


@connections.command("test")
@click.argument("conn_id")
@pass_cli
def connections_test(cli: CliContext, conn_id: str) -> None:
    """Try to reach CONN_ID (a query for SQL databases, a request for HTTP)."""
    from tradewind.operations.connections import test_connection

    ok, message = test_connection(secrets_store(cli), conn_id)
    if not ok:
        raise click.ClickException(f"Connection failed! {message}")
    click.echo(f"Connection success! {message}")
