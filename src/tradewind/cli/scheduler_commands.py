"""``tradewind scheduler`` and the commands that run, inspect and clear task instances."""

from __future__ import annotations

import functools

import click

from tradewind.cli.app import MAP_INDEX_FLAG, dags, main, map_index_option, tasks
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.progress import Progress


@main.command("scheduler")
@click.option("--num-runs", type=int, default=None, help="Stop after this many loop passes.")
@pass_cli
def scheduler_command(cli: CliContext, num_runs: int | None) -> None:
    """Run the scheduler: create runs, start tasks on the executor, track their states.

    Ctrl-C or SIGTERM stops it within [core] shutdown_grace seconds: tries it runs
    (local executor) get until then to finish, then are killed and failed or retried.
    """
    from tradewind.scheduling.scheduler import run_scheduler

    cli.database()  # refuse to start on an unmigrated database
    run_scheduler(cli.config, num_passes=num_runs)


def _resolve_run(cli: CliContext, dag_id: str, ref: str) -> str:
    from tradewind.operations.dag_runs import find_dag_run

    with cli.database().read_session() as session:
        return find_dag_run(session, dag_id, ref).run_id


def _check_map_index(cli: CliContext, dag_id: str, run_id: str, task_id: str, index: int) -> None:
    """A mapped task needs ``--map-index``, and only a mapped task takes one."""
    from tradewind.operations.dags import get_serialized_dag
    from tradewind.operations.map_indexes import check_map_index
    from tradewind.operations.task_instances import task_not_found

    with cli.database().read_session() as session:
        task = get_serialized_dag(session, dag_id).tasks.get(task_id)
        if task is None:
            raise task_not_found(dag_id, task_id)
        check_map_index(
            session,
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            is_mapped=task.is_mapped,
            map_index=index,
            how=MAP_INDEX_FLAG,
        )


@tasks.command("run")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run_ref", metavar="RUN_ID_OR_DATE")
@click.option("--ignore-dependencies", "-i", is_flag=True, help="Run even if upstream is not done.")
@click.option("--force", "-f", is_flag=True, help="Run even if it already succeeded.")
@map_index_option
@pass_cli
def tasks_run(
    cli: CliContext,
    dag_id: str,
    task_id: str,
    run_ref: str,
    ignore_dependencies: bool,
    force: bool,
    map_index: int,
) -> None:
    """Run one task instance now, in its own process, the way executors run it."""
    from tradewind.execution.manual_run import run_task_instance
    from tradewind.scheduling.failed_deps import ManualStart

    run_id = _resolve_run(cli, dag_id, run_ref)
    _check_map_index(cli, dag_id, run_id, task_id, map_index)
    result = run_task_instance(
        cli.config,
        cli.database(),
        dag_id=dag_id,
        run_id=run_id,
        task_id=task_id,
        rules=ManualStart(),
        ignore_dependencies=ignore_dependencies,
        force=force,
        map_index=map_index,
    )
    click.echo(result.message)
    if not result.ok:
        raise SystemExit(1)


@tasks.command("logs")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run_ref", metavar="RUN_ID_OR_DATE")
@click.option("--try", "try_number", type=int, default=None, help="Try number (default: latest).")
@map_index_option
@pass_cli
def tasks_logs(
    cli: CliContext,
    dag_id: str,
    task_id: str,
    run_ref: str,
    try_number: int | None,
    map_index: int,
) -> None:
    """Print the log of one try of a task instance."""
    from tradewind.operations.task_logs import read_task_log_by_ref

    _check_map_index(cli, dag_id, _resolve_run(cli, dag_id, run_ref), task_id, map_index)
    _, _, text = read_task_log_by_ref(
        cli.database(), cli.config, dag_id, run_ref, task_id, try_number, map_index
    )
    click.echo(text, nl=False)


@tasks.command("clear")
@click.argument("dag_id")
@click.option("--task-regex", "-t", default=None, help="Only tasks whose id matches.")
@click.option("--start-date", "-s", default=None, help="Only runs at or after this date.")
@click.option("--end-date", "-e", default=None, help="Only runs at or before this date.")
@click.option("--only-failed", "-f", is_flag=True, help="Only failed/upstream_failed tasks.")
@click.option("--only-running", "-r", is_flag=True, help="Only running tasks.")
@click.option("--downstream", "-d", is_flag=True, help="Also the tasks below the matching ones.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def tasks_clear(
    cli: CliContext,
    dag_id: str,
    task_regex: str | None,
    start_date: str | None,
    end_date: str | None,
    only_failed: bool,
    only_running: bool,
    downstream: bool,
    yes: bool,
) -> None:
    """Clear task instances so the scheduler runs them again.

    A cleared ExternalTaskMarker also clears its task in the other DAG (and what follows).
    """
    from tradewind.operations.clearing import clear_task_instances
    from tradewind.operations.dates import parse_execution_date

    clear_matching = functools.partial(
        clear_task_instances,
        task_regex=task_regex,
        start_date=parse_execution_date(start_date) if start_date else None,
        end_date=parse_execution_date(end_date) if end_date else None,
        only_failed=only_failed,
        only_running=only_running,
        downstream=downstream,
        actor="cli",
    )
    db = cli.database()
    matching = clear_matching(db, None, dag_id, dry_run=True)
    if not matching:
        click.echo("No task instances to clear.")
        return
    for item in matching:
        name = f"{item.dag_id or dag_id}.{item.task_id}"
        click.echo(f"<TaskInstance: {name} {item.run_id} [{item.previous_state}]>")
    if not yes and not click.confirm(f"Clear these {len(matching)} task instance(s)?"):
        click.echo("Cancelled, nothing was cleared.")
        return
    cleared = clear_matching(db, cli.config, dag_id)
    click.echo(f"Cleared {len(cleared)} task instance(s).")


@tasks.command("failed-deps")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run_ref", metavar="RUN_ID_OR_DATE")
@map_index_option
@pass_cli
def tasks_failed_deps(
    cli: CliContext, dag_id: str, task_id: str, run_ref: str, map_index: int
) -> None:
    """Say why a task instance is not running."""
    from tradewind.db.models import TaskInstance
    from tradewind.exceptions import TaskNotFound
    from tradewind.scheduling.failed_deps import failed_dependencies

    run_id = _resolve_run(cli, dag_id, run_ref)
    _check_map_index(cli, dag_id, run_id, task_id, map_index)
    name = f"{task_id}[{map_index}]" if map_index >= 0 else task_id
    with cli.database().read_session() as session:
        ti = session.get(TaskInstance, (dag_id, run_id, task_id, map_index))
        if ti is None:
            raise TaskNotFound(f"Task {name} has no instance in run {run_id} of {dag_id}")
        reasons = failed_dependencies(session, cli.config, ti)
    if not reasons:
        click.echo("Task instance dependencies are all met.")
        return
    click.echo(f"Task instance dependencies not met for {dag_id}.{name} ({run_id}):")
    for reason in reasons:
        click.echo(f"- {reason}")


class _BackfillProgress:
    """Runs done / total on stderr, with the time left (see :mod:`tradewind.cli.progress`)."""

    def __init__(self, dag_id: str) -> None:
        self.dag_id = dag_id
        self.progress: Progress | None = None

    def begin(self, total: int) -> None:
        self.progress = Progress(total, f"Backfilling {self.dag_id}", "runs").__enter__()

    def run_finished(self, run_id: str, state: str) -> None:
        assert self.progress is not None
        self.progress.step(f"{run_id}: {state}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)


@dags.command("backfill")
@click.argument("dag_id")
@click.option("--start-date", "-s", required=True, help="First logical date (inclusive).")
@click.option("--end-date", "-e", required=True, help="Last logical date (inclusive).")
@pass_cli
def dags_backfill(cli: CliContext, dag_id: str, start_date: str, end_date: str) -> None:
    """Create runs for the intervals between two dates and run them now."""
    from tradewind.operations.backfill import run_backfill
    from tradewind.operations.dates import parse_execution_date
    from tradewind.states import DagRunState

    watcher = _BackfillProgress(dag_id)
    try:
        result = run_backfill(
            cli.config,
            cli.database(),
            dag_id,
            parse_execution_date(start_date),
            parse_execution_date(end_date),
            watcher=watcher,
        )
    finally:
        watcher.close()
    if not result.run_ids:
        click.echo("No runs to backfill in that range.")
        return
    for run_id in result.run_ids:
        click.echo(f"{run_id}: {result.states.get(run_id)}")
    if any(state != DagRunState.SUCCESS for state in result.states.values()):
        raise SystemExit(1)
