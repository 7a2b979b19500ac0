"""The ``tradewind`` command group and its sub-groups.

Command modules attach themselves to these groups (``@dags.command(...)``); importing
them is what :mod:`tradewind.cli` does. Heavy imports stay inside command functions so
``tradewind --help`` and the API client commands start fast.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, NoReturn

import click

from tradewind.cli.context import CliContext
from tradewind.db.outage import outage_reason
from tradewind.exceptions import TradewindException


class _Group(click.Group):
    """Turns Tradewind's own errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            raise
        except BrokenPipeError:  # output piped into `head` and the like
            sys.exit(0)
        except Exception as exc:
            report_failure(ctx, exc)


def report_failure(ctx: click.Context, exc: Exception) -> NoReturn:
    """One line on stderr for ``exc`` (a traceback with ``--verbose``), then exit code 1."""
    if isinstance(exc, TradewindException):
        _fail(ctx, exc)
    if (reason := outage_reason(exc)) is not None:
        click.echo(f"Error: the metadata database is unavailable ({reason})", err=True)
        sys.exit(1)
    _fail(ctx, exc, unexpected=True)  # a bug or an unexpected environment problem


def _fail(ctx: click.Context, exc: Exception, *, unexpected: bool = False) -> NoReturn:
    root = ctx.find_root()
    verbose = bool(root.obj and root.obj.verbose)
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    prefix = f"Error ({type(exc).__name__})" if unexpected else "Error"
    click.echo(f"{prefix}: {exc}", err=True)
    if unexpected and not verbose:
        click.echo("Run again with --verbose to see the traceback.", err=True)
    sys.exit(1)


@click.group(cls=_Group)
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks and debug logging.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Tradewind: DAGs in Python files, a scheduler that runs them, Airflow's REST API."""
    ctx.obj = CliContext(verbose=verbose)


def group(name: str, help: str) -> click.Group:
    @main.group(name=name, cls=_Group, help=help)
    def _group() -> None:
        pass

    return _group


config_group = group("config", "Read the configuration.")
db_group = group("db", "Create, upgrade, check and reset the metadata database.")
dags = group("dags", "List, parse, trigger and manage DAGs.")
tasks = group("tasks", "Inspect, test, run and clear tasks.")
pools = group("pools", "Manage pools (named limits on running task slots).")
variables = group("variables", "Manage variables (settings tasks read at run time).")
connections = group("connections", "Manage connections (where outside systems are, how to log in).")
users = group("users", "Manage the accounts used by the API and the web UI.")

#: ``--map-index`` / ``-m`` (Airflow's flag): which instance of a mapped task a command is
#: about. -1, the default, is a task that is not mapped.
map_index_option = click.option(
    "--map-index",
    "-m",
    "map_index",
    type=click.IntRange(-1, 2**31 - 1),
    default=-1,
    show_default=True,
    help="The instance of a mapped task (its map index); -1 for a task that is not mapped.",
)
MAP_INDEX_FLAG = "--map-index (-m)"
