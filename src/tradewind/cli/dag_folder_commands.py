"""Commands about the DAG folder: list, show and report DAGs, and test a task locally.

Like Airflow's, the listing commands first bring the database in line with the DAG folder
(cheap when nothing changed: unchanged files are not imported), then read the database.
``tasks test`` is different: it imports the DAG file into this process and runs one task
with an in-memory XCom store, recording nothing.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.app import dags, map_index_option, tasks
from tradewind.cli.context import CliContext, pass_cli
from tradewind.cli.tables import echo_rows
from tradewind.exceptions import BadRequest, DagNotFound, TradewindException

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG
    from tradewind.config import Config
    from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
    from tradewind.dagfiles.sync import SyncReport
    from tradewind.db.engine import Database

OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)


# --- dags -----------------------------------------------------------------------------------


@dags.command("list")
@OUTPUT_OPTION
@pass_cli
def list_dags(cli: CliContext, output: str) -> None:
    """List the DAGs of the DAG folder (parsing changed files first)."""
    from sqlalchemy import select

    from tradewind.db.models import DagModel

    database, _ = _synced(cli)
    with database.read_session() as session:
        models = session.scalars(
            select(DagModel).where(DagModel.is_active).order_by(DagModel.dag_id)
        ).all()
    rows = [
        {
            "dag_id": model.dag_id,
            "fileloc": model.fileloc,
            "owners": model.owners,
            "is_paused": model.is_paused,
            "schedule": model.schedule,
            "tags": list(model.tags or []),
        }
        for model in models
    ]
    _emit(rows, output, columns=["dag_id", "fileloc", "owners", "is_paused", "schedule"])
    _warn_about_import_errors(database)


@dags.command("list-import-errors")
@OUTPUT_OPTION
@pass_cli
def list_import_errors(cli: CliContext, output: str) -> None:
    """List DAG files that failed to import, with the reason."""
    from sqlalchemy import select

    from tradewind.db.models import ImportErrorModel

    database, _ = _synced(cli)
    with database.read_session() as session:
        errors = session.scalars(
            select(ImportErrorModel).order_by(ImportErrorModel.filename, ImportErrorModel.id)
        ).all()
    if output == "json":
        rows = [
            {
                "filename": error.filename,
                "timestamp": error.timestamp.isoformat(),
                "message": error.message,
                "stacktrace": error.stacktrace,
            }
            for error in errors
        ]
        _emit(rows, output, columns=[])
        return
    if not errors:
        click.echo("No import errors.")
    else:
        table = [{"filename": error.filename, "error": error.message} for error in errors]
        _emit(table, output, columns=["filename", "error"])
    _echo_parse_warnings(_parse_warnings(database))


def _echo_parse_warnings(by_file: dict[str, list[str]]) -> None:
    """Files that imported, but with warnings: shown here too so none goes unseen."""
    if not by_file:
        return
    click.echo("")
    click.echo("Warnings raised while parsing DAG files that imported:")
    for fileloc, lines in sorted(by_file.items()):
        click.echo(fileloc)
        for line in lines:
            click.echo(f"  {line}")


def _parse_warnings(database: Database) -> dict[str, list[str]]:
    """The warnings stored with the serialized DAGs, by DAG file, each warning once."""
    from sqlalchemy import select

    from tradewind.db.models import SerializedDagModel

    by_file: dict[str, list[str]] = {}
    with database.read_session() as session:
        rows = session.execute(
            select(SerializedDagModel.fileloc, SerializedDagModel.data["warnings"])
        ).all()
    for fileloc, lines in rows:
        kept = by_file.setdefault(fileloc, [])
        kept.extend(line for line in lines or [] if line not in kept)
    return {fileloc: lines for fileloc, lines in by_file.items() if lines}


@dags.command("show")
@click.argument("dag_id")
@pass_cli
def show_dag(cli: CliContext, dag_id: str) -> None:
    """Print a DAG's tasks and their dependencies."""
    database, _ = _synced(cli)
    dag = _serialized_dag(database, dag_id)
    click.echo(f"DAG: {dag.dag_id}")
    click.echo(f"File: {dag.fileloc}")
    click.echo(f"Schedule: {dag.schedule}")
    if dag.description:
        click.echo(f"Description: {dag.description}")
    click.echo("")
    click.echo("Tasks:")
    order = dag.topological_order()
    for task_id in order:
        task = dag.tasks[task_id]
        click.echo(f"  {task_id} ({task.operator_name}, trigger_rule={task.trigger_rule})")
    click.echo("")
    click.echo("Dependencies:")
    edges = [
        f"  {task_id} >> {downstream}"
        for task_id in order
        for downstream in sorted(dag.tasks[task_id].downstream_task_ids)
    ]
    click.echo("\n".join(edges) if edges else "  (none)")


@dags.command("report")
@OUTPUT_OPTION
@pass_cli
def report(cli: CliContext, output: str) -> None:
    """Per DAG file: parse time, its DAGs, their number of tasks and the parse warnings."""
    from sqlalchemy import select

    from tradewind.db.models import DagFile, SerializedDagModel

    database, _ = _synced(cli)
    with database.read_session() as session:
        files = session.execute(
            select(DagFile.fileloc, DagFile.parse_duration, DagFile.dag_ids).order_by(
                DagFile.parse_duration.desc()
            )
        ).all()
        task_counts = {
            dag_id: len(data.get("tasks", []))
            for dag_id, data in session.execute(
                select(SerializedDagModel.dag_id, SerializedDagModel.data)
            )
        }
    warnings = _parse_warnings(database)
    rows = [
        {
            "file": fileloc,
            "duration": f"{duration:.3f}s",
            "dag_num": len(dag_ids or []),
            "task_num": sum(task_counts.get(dag_id, 0) for dag_id in dag_ids or []),
            "dags": ", ".join(dag_ids or []),
            "warnings": warnings.get(fileloc, [])
            if output == "json"
            else len(warnings.get(fileloc, [])),
        }
        for fileloc, duration, dag_ids in files
    ]
    _emit(rows, output, columns=["file", "duration", "dag_num", "task_num", "dags", "warnings"])
    if output != "json":
        _echo_parse_warnings(warnings)


@dags.command("reserialize")
@pass_cli
def reserialize(cli: CliContext) -> None:
    """Re-import every DAG file and rewrite the stored DAGs, even unchanged ones."""
    from tradewind.dagfiles.sync import sync_dag_folder

    database = cli.database()
    result = sync_dag_folder(cli.config, database, force=True)
    click.echo(
        f"Re-serialized {len(result.dags_added) + len(result.dags_updated)} DAGs from "
        f"{result.files_parsed} files in {result.duration:.2f}s "
        f"({len(result.import_errors)} import errors)."
    )
    _warn_about_import_errors(database)


# --- tasks ----------------------------------------------------------------------------------


@tasks.command("list")
@click.argument("dag_id")
@click.option("--tree", "-t", is_flag=True, help="Show the tasks as a tree from the roots.")
@pass_cli
def list_tasks(cli: CliContext, dag_id: str, tree: bool) -> None:
    """List the tasks of a DAG."""
    database, _ = _synced(cli)
    dag = _serialized_dag(database, dag_id)
    if not tree:
        for task_id in sorted(dag.tasks):
            click.echo(task_id)
        return
    for line in _tree_lines(dag.tasks, [task.task_id for task in dag.roots], depth=0):
        click.echo(line)


def _tree_lines(
    tasks_by_id: dict[str, SerializedTask], task_ids: Iterable[str], depth: int
) -> Iterator[str]:
    for task_id in sorted(task_ids):
        task = tasks_by_id[task_id]
        yield f"{'    ' * depth}<Task({task.operator_name}): {task_id}>"
        yield from _tree_lines(tasks_by_id, task.downstream_task_ids, depth + 1)


@tasks.command("test")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date", required=False)
@map_index_option
@pass_cli
def test_task(
    cli: CliContext, dag_id: str, task_id: str, logical_date: str | None, map_index: int
) -> None:
    """Run one task here and now, without recording anything in the database.

    The DAG file is imported into this process, templates are rendered and the task's
    output is printed. XComs live in memory only, so values a task would pull from its
    upstream tasks are None. Exits 1 if the task fails.
    """
    from tradewind.authoring.timezone import parse_datetime, utcnow

    when = utcnow()
    if logical_date is not None:
        try:
            when = parse_datetime(logical_date)
        except ValueError:
            raise BadRequest(
                f"{logical_date!r} is not a date (use e.g. 2024-01-31 or 2024-01-31T06:00:00)"
            ) from None
    dag = _load_live_dag(cli, dag_id)
    _run_task_for_test(dag, task_id, when, cli.config, map_index)


def _load_live_dag(cli: CliContext, dag_id: str) -> DAG:
    """Import the file that defines ``dag_id`` (as the database knows it) in this process."""
    from tradewind import compat
    from tradewind.authoring.runtime_secrets import install_secrets_access
    from tradewind.dagfiles.discovery import import_folders
    from tradewind.dagfiles.loader import ensure_importable, load_dags_from_file
    from tradewind.db.secrets_store import SecretsStore

    database, _ = _synced(cli)
    fileloc = _active_dag_fileloc(database, dag_id)
    ensure_importable(import_folders(cli.config))
    compat.install(cli.config)
    # The DAG file and the task under test read variables and connections from here.
    install_secrets_access(SecretsStore(database, cli.config))
    try:
        loaded = load_dags_from_file(fileloc)
    except Exception as exc:
        message = "".join(traceback.format_exception_only(exc)).strip()
        raise TradewindException(f"Cannot import DAG file {fileloc}: {message}") from exc
    for dag in loaded:
        if dag.dag_id == dag_id:
            return dag
    raise DagNotFound(f"DAG {dag_id!r} not found in {fileloc} (was the file just changed?)")


class _InMemoryTaskInstance:
    """Stands in for the task instance: XComs go to a dict that dies with the command."""

    def __init__(self, dag_id: str, task_id: str, run_id: str) -> None:
        self.dag_id = dag_id
        self.task_id = task_id
        self.run_id = run_id
        self.try_number = 1
        self.map_index = -1
        self.xcoms: dict[tuple[str, str | None], Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[(self.task_id, key)] = value

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str | None = "return_value",
        include_prior_dates: bool = False,
        **kwargs: Any,
    ) -> Any:
        if task_ids is None:
            task_ids = self.task_id
        if isinstance(task_ids, str):
            return self.xcoms.get((task_ids, key))
        return [self.xcoms.get((task_id, key)) for task_id in task_ids]

    def skip_tasks(self, task_ids: Iterable[str]) -> None:
        """A branch's skips are only reported: nothing is recorded by ``tasks test``."""
        logging.getLogger("tradewind.task").info(
            "Not recorded: %s stay as they are", ", ".join(task_ids)
        )


def _run_task_for_test(
    dag: DAG, task_id: str, logical_date: datetime, config: Config, map_index: int = -1
) -> None:
    from tradewind.authoring.context import build_template_context
    from tradewind.authoring.current_context import running_task
    from tradewind.cli.live_mapping import live_instance
    from tradewind.compat.configuration import AirflowConfigView
    from tradewind.exceptions import TaskSkipped

    task = dag.get_task(task_id).prepare_for_execution()
    run_id = f"__tradewind_test__{logical_date.isoformat()}"
    ti = _InMemoryTaskInstance(dag.dag_id, task_id, run_id)
    _mask_secrets_in_output()
    log = _task_logger()
    log.info(
        "Testing task %s of DAG %s for %s (nothing is recorded)",
        task_id,
        dag.dag_id,
        logical_date.isoformat(),
    )
    context = build_template_context(
        dag=dag,
        task=task,
        run_id=run_id,
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=logical_date,
        conf=None,
        ti=ti,
        test_mode=True,
        configuration=AirflowConfigView(config),
    )
    task = live_instance(dag.dag_id, task, map_index, context)
    context["task"] = task
    ti.map_index = map_index
    try:
        with running_task(context):
            task.render_template_fields(context)
            result = task.execute(context)
    except TaskSkipped as exc:
        log.info("Task skipped: %s", exc)
        return
    except Exception as exc:
        sys.stdout.flush()
        # The log starts at the task's code: this module's frame is noise to the DAG author.
        own_frame = exc.__traceback__
        trace = traceback.format_exception(type(exc), exc, own_frame and own_frame.tb_next)
        log.error("Task failed:\n%s", "".join(trace).rstrip())
        raise TradewindException(
            f"Task {task_id!r} of DAG {dag.dag_id!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        sys.stdout.flush()
    if task.do_xcom_push and result is not None:
        ti.xcom_push("return_value", result)
    log.info("Task succeeded. Returned value: %r", result)


def _mask_secrets_in_output() -> None:
    """Passwords and secret variables the task reads are *** on the terminal, as in its log."""
    from tradewind.execution.output_streams import forgive_output_errors
    from tradewind.security.masking import RedactingFilter

    forgive_output_errors()
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())


def _task_logger() -> logging.Logger:
    """Task log lines on stdout, interleaved in order with what the task itself prints."""
    logger = logging.getLogger("tradewind.task")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s - %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


# --- shared helpers -------------------------------------------------------------------------


def _synced(cli: CliContext) -> tuple[Database, SyncReport]:
    from tradewind.dagfiles.sync import sync_dag_folder

    database = cli.database()
    return database, sync_dag_folder(cli.config, database)


def _active_dag_fileloc(database: Database, dag_id: str) -> str:
    from sqlalchemy import select

    from tradewind.db.models import DagModel

    with database.read_session() as session:
        fileloc = session.scalar(
            select(DagModel.fileloc).where(DagModel.dag_id == dag_id, DagModel.is_active)
        )
    if fileloc is None:
        raise DagNotFound(
            f"DAG {dag_id!r} not found in the DAG folder (see `tradewind dags list` and "
            f"`tradewind dags list-import-errors`)"
        )
    return fileloc


def _serialized_dag(database: Database, dag_id: str) -> SerializedDAG:
    from sqlalchemy import select

    from tradewind.dagfiles.serialization import SerializedDAG
    from tradewind.db.models import DagModel, SerializedDagModel

    _active_dag_fileloc(database, dag_id)
    with database.read_session() as session:
        data = session.scalar(
            select(SerializedDagModel.data)
            .join(DagModel, DagModel.dag_id == SerializedDagModel.dag_id)
            .where(SerializedDagModel.dag_id == dag_id)
        )
    if data is None:
        raise DagNotFound(f"DAG {dag_id!r} not found")
    return SerializedDAG.from_dict(data)


def _warn_about_import_errors(database: Database) -> None:
    from sqlalchemy import func, select

    from tradewind.db.models import ImportErrorModel

    with database.read_session() as session:
        count = session.scalar(select(func.count(func.distinct(ImportErrorModel.filename))))
    if count:
        files = "file" if count == 1 else "files"
        click.echo(
            f"{count} DAG {files} failed to import; see `tradewind dags list-import-errors`.",
            err=True,
        )


def _emit(rows: list[dict[str, Any]], output: str, columns: Sequence[str]) -> None:
    echo_rows(rows, columns, output=output, when_empty="No data found.")
