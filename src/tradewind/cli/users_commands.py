"""``tradewind users``: the accounts the password API backend and the web UI accept.

Passwords can come from ``--password`` (visible to other users in the process list and
kept in shell history), from ``--password-stdin`` (one line, for scripts) or, when neither
is given, from a hidden prompt.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tradewind.cli.app import users
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.tables import echo_rows

_USERNAME = click.option("--username", "-u", required=True, help="The account's name.")
_PASSWORD = click.option(
    "--password", "-p", default=None, help="Prefer --password-stdin or the prompt."
)
_PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


def _read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        raise click.UsageError("Give either --password or --password-stdin, not both.")
    if password is not None:
        return password
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise click.UsageError("No password: use --password-stdin or --password.")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("create")
@_USERNAME
@_PASSWORD
@_PASSWORD_STDIN
@click.option(
    "--role", "-r", default="Admin", show_default=True, help="Admin, Op, User, Viewer, Public."
)
@click.option("--email", "-e", default="", help="The account's e-mail address.")
@pass_cli
def create(
    cli: CliContext,
    username: str,
    password: str | None,
    password_stdin: bool,
    role: str,
    email: str,
) -> None:
    """Create an account (its password is stored only as a bcrypt hash)."""
    from tradewind.operations.users import create_user

    secret = _read_password(password, password_stdin)
    info = create_user(cli.database(), username, secret, role=role, email=email)
    click.echo(f"User '{info.username}' created with role {info.role}.")


@users.command("list")
@click.option(
    "--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_cli
def list_command(cli: CliContext, output: str) -> None:
    """List the accounts (never their passwords)."""
    from tradewind.operations.users import list_users

    rows: list[dict[str, Any]] = [
        {
            "username": u.username,
            "email": u.email,
            "role": u.role,
            "active": u.active,
            "created_at": u.created_at.isoformat(),
            "last_login": u.last_login.isoformat() if u.last_login else "",
        }
        for u in list_users(cli.database())
    ]
    echo_rows(
        rows,
        ["username", "email", "role", "active", "created_at", "last_login"],
        output=output,
        when_empty="No users. Create one with `tradewind users create`.",
    )


@users.command("delete")
@_USERNAME
@pass_cli
def delete(cli: CliContext, username: str) -> None:
    """Delete an account; its API access and web UI sessions end with the next request."""
    from tradewind.operations.users import delete_user

    delete_user(cli.database(), username)
    click.echo(f"User '{username}' deleted.")


@users.command("reset-password")
@_USERNAME
@_PASSWORD
@_PASSWORD_STDIN
@pass_cli
def reset_password_command(
    cli: CliContext, username: str, password: str | None, password_stdin: bool
) -> None:
    """Set a new password; the old one and every web UI session stop working."""
    from tradewind.operations.users import get_user, reset_password

    get_user(cli.database(), username)  # say "doesn't exist" before asking for a password
    reset_password(cli.database(), username, _read_password(password, password_stdin))
    click.echo(f"Password of user '{username}' changed.")


@users.command("deactivate")
@_USERNAME
@pass_cli
def deactivate(cli: CliContext, username: str) -> None:
    """Refuse the account's logins (API and UI) and end its UI sessions, keeping it."""
    from tradewind.operations.users import set_active

    set_active(cli.database(), username, False)
    click.echo(f"User '{username}' deactivated.")


@users.command("activate")
@_USERNAME
@pass_cli
def activate(cli: CliContext, username: str) -> None:
    """Let a deactivated account log in again."""
    from tradewind.operations.users import set_active

    set_active(cli.database(), username, True)
    click.echo(f"User '{username}' activated.")


@users.command("revoke-sessions")
@_USERNAME
@pass_cli
def revoke_sessions(cli: CliContext, username: str) -> None:
    """Log the account out of the web UI in every browser (takes a few seconds to reach
    every webserver worker); its password stays the same."""
    from tradewind.operations.users import end_sessions

    end_sessions(cli.database(), username)
    click.echo(f"Every web UI session of user '{username}' has ended.")
