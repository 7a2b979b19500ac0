"""``tradewind config``: show what Tradewind will use and where each value came from."""

from __future__ import annotations

import click

from tradewind.cli.app import config_group
from tradewind.cli.context import CliContext, pass_cli

_SECRET_KEYS = {
    ("webserver", "secret_key"),
    ("core", "fernet_key"),
    ("database", "sql_alchemy_conn"),
    ("cli", "api_password"),
}


@config_group.command("get-value")
@click.argument("section")
@click.argument("key")
@pass_cli
def get_value(cli: CliContext, section: str, key: str) -> None:
    """Print the value of one key, e.g. `tradewind config get-value core dags_folder`."""
    value = cli.config.get(section.lower(), key.lower())
    click.echo(_render(value))
    _warn_about_exposed_secrets(cli)


@config_group.command("list")
@click.option("--sources", is_flag=True, help="Also say where each value came from.")
@pass_cli
def list_config(cli: CliContext, sources: bool) -> None:
    """Print every section and key with its current value."""
    current = None
    for section, key, value, source in cli.config.items():
        if section != current:
            if current is not None:
                click.echo("")
            click.echo(f"[{section}]")
            current = section
        shown = "< hidden >" if (section, key) in _SECRET_KEYS and value else _render(value)
        suffix = f"  # {source}" if sources else ""
        click.echo(f"{key} = {shown}{suffix}")
    if not cli.config.get("core", "fernet_key"):
        click.echo(
            "[core] fernet_key is empty: variable values and connection passwords and extras "
            "are stored as plaintext.",
            err=True,
        )
    _warn_about_exposed_secrets(cli)


def _warn_about_exposed_secrets(cli: CliContext) -> None:
    """On stderr, so scripts reading a value from stdout are not disturbed."""
    from tradewind.security.file_modes import exposed_secret_files

    for exposed in exposed_secret_files(cli.config):
        click.echo(exposed.warning(), err=True)


def _render(value: object) -> str:
    if value is None:  # an optional setting left empty
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)
