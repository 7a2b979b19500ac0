"""``tradewind triggerer``: run the triggers deferred tasks wait on."""

from __future__ import annotations

import click

from tradewind.cli.app import main
from tradewind.cli.context import CliContext, pass_cli


@main.command("triggerer")
@click.option("--num-runs", type=int, default=None, help="Stop after this many loop passes.")
@pass_cli
def triggerer_command(cli: CliContext, num_runs: int | None) -> None:
    """Run the triggerer: wait on deferred tasks' triggers and resume the tasks they free.

    Several may run on PostgreSQL, sharing the triggers ([triggerer] capacity each); one
    that stops heartbeating has its triggers taken over. Ctrl-C or SIGTERM stops it and
    hands its triggers back.
    """
    from tradewind.triggering.triggerer import run_triggerer

    cli.database()  # refuse to start on an unmigrated database
    run_triggerer(cli.config, num_passes=num_runs)
