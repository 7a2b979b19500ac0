"""``tradewind db``: migrate, check and reset the metadata database."""

from __future__ import annotations

import click

from tradewind.cli.app import db_group
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.progress import Progress


@db_group.command("migrate")
@pass_cli
def migrate(cli: CliContext) -> None:
    """Create the schema or upgrade it to this version; safe to run again."""
    from tradewind.db import schema

    database = cli.database(check_schema=False)
    pending = schema.pending_revisions(database)
    if pending:
        with Progress(len(pending), "Migrating", "migrations") as progress:
            schema.migrate(database, lambda step: progress.step(f"{step.revision} {step.doc}"))
    click.echo(f"Database at {_safe_url(cli)} is at revision {schema.head_revision()}.")


@db_group.command("check")
@pass_cli
def check(cli: CliContext) -> None:
    """Exit 0 if the database is reachable and migrated, 1 (with the reason) if not."""
    cli.database(check_schema=True)
    click.echo(f"Database at {_safe_url(cli)} is reachable and migrated.")


@db_group.command("reset")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def reset(cli: CliContext, yes: bool) -> None:
    """Drop every table and migrate afresh: all runs, history and users are lost."""
    from tradewind.db import schema

    if not yes:
        click.confirm(f"Delete ALL data in {_safe_url(cli)}?", abort=True)
    schema.reset(cli.database(check_schema=False))
    click.echo("Database reset.")


def _safe_url(cli: CliContext) -> str:
    return cli.database(check_schema=False).engine.url.render_as_string(hide_password=True)
