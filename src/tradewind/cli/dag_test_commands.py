"""``tradewind dags test``: run a whole DAG once, here, and print every task's log.

Unlike ``tasks test`` (one task, nothing recorded), the run is recorded as Airflow records
it (``manual__<date>``), so ``dags list-runs``, the API and the UI show it afterwards.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

import click

from tradewind.cli.app import dags
from tradewind.cli.context import CliContext, pass_cli
from tradewind.exceptions import BadRequest

if TYPE_CHECKING:
    from datetime import datetime

#: Airflow's ``dags test`` options Tradewind does not provide, and why.
NOT_PROVIDED = {
    "show_dagrun": "--show-dagrun (a DOT diagram of the run; see the web UI's graph)",
    "imgcat_dagrun": "--imgcat-dagrun (an iTerm image of the run)",
    "save_dagrun": "--save-dagrun (a diagram file of the run)",
}


@dags.command("test")
@click.argument("dag_id")
@click.argument("logical_date", required=False)
@click.option("--conf", "-c", default=None, help="JSON object: the run's conf.")
@click.option(
    "--use-executor",
    is_flag=True,
    help="Run tries on the configured [core] executor instead of one at a time here.",
)
@click.option("--show-dagrun", is_flag=True, hidden=True)
@click.option("--imgcat-dagrun", is_flag=True, hidden=True)
@click.option("--save-dagrun", default=None, hidden=True)
@click.option(
    "--mark-success-pattern",
    default=None,
    metavar="REGEX",
    help="Record tasks whose id matches REGEX successful instead of running them.",
)
@pass_cli
def test_dag(
    cli: CliContext,
    dag_id: str,
    logical_date: str | None,
    conf: str | None,
    use_executor: bool,
    mark_success_pattern: str | None,
    **unsupported: object,
) -> None:
    """Run one whole DAG run now, in dependency order, printing each task's log live.

    No scheduler needs to be running: this command schedules the run itself with the
    scheduler's own rules (trigger rules, retries and their delays, pools). The run is
    recorded as manual__LOGICAL_DATE (LOGICAL_DATE defaults to now); a run already
    recorded at that date is replaced. Exits 1 if the run fails. Airflow's
    --show-dagrun, --imgcat-dagrun and --save-dagrun (diagrams) are not provided.
    """
    from tradewind.cli.dag_folder_commands import _active_dag_fileloc, _synced
    from tradewind.cli.terminal_log import TerminalLog
    from tradewind.operations.dag_runs import parse_conf
    from tradewind.operations.dag_test import run_dag_test

    _refuse_unsupported(unsupported)
    when = _logical_date(logical_date)
    conf_dict = parse_conf(conf)
    mark_success = _pattern(mark_success_pattern)
    database, _ = _synced(cli)
    _active_dag_fileloc(database, dag_id)
    click.echo(f"Testing DAG {dag_id} at {when.isoformat()}")
    terminal = TerminalLog()
    try:
        result = run_dag_test(
            cli.config,
            database,
            dag_id,
            when,
            conf=conf_dict,
            use_executor=use_executor,
            mark_success=mark_success,
            observer=terminal,
        )
    finally:
        terminal.close()
    if result.interrupted:
        click.echo("Interrupted: running tries were stopped and the run marked failed.")
    click.echo(f"Run {result.run_id} of {dag_id}: {result.state}")
    for task_id, state in sorted(result.task_states.items()):
        click.echo(f"  {task_id}: {state}")
    if not result.succeeded:
        sys.exit(1)


def _refuse_unsupported(options: dict[str, object]) -> None:
    given = [NOT_PROVIDED[name] for name, value in options.items() if value]
    if given:
        raise click.UsageError(f"Tradewind's dags test does not provide {', '.join(given)}.")


def _pattern(text: str | None) -> re.Pattern[str] | None:
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise BadRequest(
            f"--mark-success-pattern {text!r} is not a regular expression: {exc}"
        ) from None


def _logical_date(text: str | None) -> datetime:
    from tradewind.authoring.timezone import parse_datetime, utcnow

    if text is None:
        return utcnow().replace(microsecond=0)
    try:
        return parse_datetime(text)
    except ValueError:
        raise BadRequest(
            f"{text!r} is not a date (use e.g. 2024-01-31 or 2024-01-31T06:00:00)"
        ) from None
