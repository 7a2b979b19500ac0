"""``tradewind kerberos``: keep a Kerberos ticket cache fresh from a keytab."""

from __future__ import annotations

import click

from tradewind.cli.app import main
from tradewind.cli.context import CliContext, pass_cli


@main.command("kerberos")
@click.argument("principal", required=False)
@click.option("--keytab", "-k", default=None, help="Default: [kerberos] keytab.")
@click.option("--one-time", is_flag=True, help="Get one ticket and exit (no renewal loop).")
@pass_cli
def kerberos(cli: CliContext, principal: str | None, keytab: str | None, one_time: bool) -> None:
    """Get a ticket for PRINCIPAL (default: [kerberos] principal) into [kerberos] ccache.

    Then get a fresh one every [kerberos] reinit_frequency seconds until stopped, so
    processes using that cache (KRB5CCNAME) always hold a valid ticket.
    """
    from tradewind.security.kerberos import TicketSettings, run_ticket_renewer

    settings = TicketSettings.from_config(cli.config, principal=principal, keytab=keytab)
    if not one_time:
        click.echo(
            f"Keeping {settings.ccache} fresh for {settings.principal} "
            f"(every {settings.reinit_frequency:.0f} s)"
        )
    run_ticket_renewer(settings, one_time=one_time)
    if one_time:
        click.echo(f"Ticket for {settings.principal} in {settings.ccache}")
