"""``tradewind variables ...`` and ``tradewind rotate-fernet-key`` (Airflow's names and flags).

They work on the metadata database directly (like ``users``), as the values they show
and take are secrets the API would mask.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tradewind.cli.app import main, variables
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.tables import echo_rows
from tradewind.exceptions import BadRequest, VariableNotFound

ACTOR = "cli"


def secrets_store(cli: CliContext) -> Any:
    from tradewind.db.secrets_store import SecretsStore

    return SecretsStore(cli.database(), cli.config)


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BadRequest(f"{path} is not valid JSON: {exc}") from None


@variables.command("list")
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
@pass_cli
def variables_list(cli: CliContext, output: str) -> None:
    """List the stored variables' keys (and descriptions)."""
    from tradewind.operations.variables import list_variables

    rows = list_variables(secrets_store(cli))
    echo_rows(rows, ["key", "description"], output=output, when_empty="No variables")


@variables.command("get")
@click.argument("key")
@click.option("--default", "-d", "default", default=None, help="Printed if KEY has no value.")
@click.option("--json", "-j", "as_json", is_flag=True, help="Parse the value as JSON.")
@pass_cli
def variables_get(cli: CliContext, key: str, default: str | None, as_json: bool) -> None:
    """Print the value of KEY (the environment's TRADEWIND_VAR_<KEY> first)."""
    from tradewind.operations.variables import get_variable

    try:
        value = get_variable(secrets_store(cli), key, reveal=True)["value"]
    except VariableNotFound:
        if default is None:
            raise
        value = default
    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except ValueError:
            raise BadRequest(f"Variable {key} is not valid JSON") from None
    click.echo(value)


@variables.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--description", default=None, help="What the variable is for.")
@click.option("--json", "-j", "as_json", is_flag=True, help="VALUE is JSON: check and store it.")
@pass_cli
def variables_set(
    cli: CliContext, key: str, value: str, description: str | None, as_json: bool
) -> None:
    """Set KEY to VALUE (encrypted at rest when [core] fernet_key is set)."""
    from tradewind.operations.variables import set_variable

    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except ValueError as exc:
            raise BadRequest(f"VALUE is not valid JSON: {exc}") from None
    set_variable(secrets_store(cli), key, value, description, actor=ACTOR)
    click.echo(f"Variable {key} created")


@variables.command("delete")
@click.argument("key")
@pass_cli
def variables_delete(cli: CliContext, key: str) -> None:
    """Delete the stored variable KEY."""
    from tradewind.operations.variables import delete_variable

    delete_variable(secrets_store(cli), key, actor=ACTOR)
    click.echo(f"Variable {key} deleted")


@variables.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def variables_import(cli: CliContext, path: Path) -> None:
    """Set variables from a JSON file: {"key": value, ...} (non-strings stored as JSON)."""
    from tradewind.operations.variables import import_variables

    count = import_variables(secrets_store(cli), read_json_file(path), actor=ACTOR)
    click.echo(f"{count} of {count} variables successfully updated.")


@variables.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_cli
def variables_export(cli: CliContext, path: Path) -> None:
    """Write every stored variable to a JSON file ({"key": value}), values decrypted."""
    from tradewind.operations.variables import export_variables

    data = export_variables(secrets_store(cli))
    path.write_text(json.dumps(data, indent=4, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(f"{len(data)} variables successfully exported to {path}")


@main.command("rotate-fernet-key")
@pass_cli
def rotate_fernet_key(cli: CliContext) -> None:
    """Re-encrypt every variable and connection with the first key of [core] fernet_key.

    Put the new key first and keep the old one after a comma (``new,old``), run this, then
    remove the old key.
    """
    store = secrets_store(cli)
    if not store.codec.encrypts:
        raise BadRequest("[core] fernet_key is empty: there is no key to encrypt with")
    variables_done, connections_done = store.rotate_fernet_key()
    click.echo(
        f"Re-encrypted {variables_done} variable(s) and {connections_done} connection(s) "
        "with the first key of [core] fernet_key"
    )
