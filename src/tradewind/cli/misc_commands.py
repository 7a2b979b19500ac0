"""Small top-level commands."""

from __future__ import annotations

import click

from tradewind.cli.app import main


@main.command("version")
def version() -> None:
    """Print Tradewind's version."""
    from tradewind import __version__

    click.echo(__version__)
