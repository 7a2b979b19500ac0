"""``tradewind db clean``: delete history older than a timestamp, as Airflow's ``db clean``."""

from __future__ import annotations

import click

from tradewind.cli.app import db_group
from tradewind.cli.context import CliContext, pass_cli


def _cut_off(_ctx: click.Context, _param: click.Parameter, value: str | None) -> object:
    from tradewind.operations.history_cleanup import parse_cut_off

    if value is None:
        return None
    try:
        return parse_cut_off(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _table_names(_ctx: click.Context, _param: click.Parameter, value: str | None) -> object:
    from tradewind.operations.history_cleanup import UnknownTable, choose_tables

    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    try:
        return choose_tables(names or None)
    except UnknownTable as error:
        raise click.BadParameter(str(error)) from None


@db_group.command("clean")
@click.option(
    "--clean-before-timestamp",
    "--older-than",
    "before",
    required=True,
    callback=_cut_off,
    metavar="TIMESTAMP",
    help="Delete history from before this (ISO 8601; no offset means UTC), "
    "e.g. '2024-01-01 00:00:00+01:00'.",
)
@click.option(
    "--tables",
    "-t",
    "tables",
    default=None,
    callback=_table_names,
    help="Comma-separated tables to clean (default: all): dag_run, task_instance, xcom, "
    "rendered_task_instance_fields, task_reschedule, dataset_event, log, job, trigger.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--verbose", "-v", is_flag=True, help="Print every batch.")
@click.option(
    "--skip-archive",
    is_flag=True,
    help="Accepted for Airflow's scripts: Tradewind never keeps archive tables.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Rows deleted per transaction (default 1000): smaller holds the database for less.",
)
@pass_cli
def clean_command(
    cli: CliContext,
    before: object,
    tables: object,
    dry_run: bool,
    yes: bool,
    verbose: bool,
    skip_archive: bool,
    batch_size: int | None,
) -> None:
    """Delete runs, task instances, XComs, logs and other history started before
    --clean-before-timestamp, a batch of rows per short transaction, so a running scheduler
    goes on meanwhile.

    Never deleted: queued or running runs, the latest run of each DAG (and its latest
    scheduled run), running jobs and triggers a task waits on. A run's task instances,
    XComs, rendered fields and reschedules go with it. Nothing is archived.
    """
    from datetime import datetime

    from tradewind.cli.progress import Progress
    from tradewind.operations.history_cleanup import (
        DEFAULT_BATCH_SIZE,
        Batch,
        HistoryTable,
        clean,
        count_old,
    )

    assert isinstance(before, datetime)
    chosen: list[HistoryTable] = tables  # type: ignore[assignment]
    database = cli.database()
    stamp = before.isoformat()
    if dry_run:
        click.echo(f"Dry run: rows that db clean would delete from before {stamp}:")
        for table in chosen:
            count = count_old(database, table, before)
            click.echo(f"  {table.name:<31} {count:>10,}  (by {table.recency})")
        return
    names = ", ".join(table.name for table in chosen)
    if not yes:
        click.confirm(
            f"Delete every row from before {stamp} in {names} (there is no undo; "
            "--dry-run counts them first)?",
            abort=True,
        )

    for table in chosen:
        total = count_old(database, table, before)
        with Progress(total, f"db clean {table.name}", "rows") as progress:

            def report(batch: Batch) -> None:
                took = f"{batch.deleted:,} rows in {batch.seconds * 1000:.0f} ms"
                if verbose:
                    click.echo(f"  {batch.table}: {took}")
                progress.step(took, batch.deleted)

            deleted = clean(database, table, before, batch_size or DEFAULT_BATCH_SIZE, report)
        click.echo(f"{table.name}: {deleted:,} rows deleted")
