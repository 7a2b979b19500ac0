"""``tradewind celery worker`` and ``tradewind celery flower``: the CeleryExecutor's side."""

from __future__ import annotations

import click

from tradewind.cli.app import group
from tradewind.cli.context import CliContext, pass_cli

celery_group = group("celery", "Run Celery workers (and Flower) for the CeleryExecutor.")


def _require_celery() -> None:
    try:
        import celery  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "Celery is not installed: pip install 'tradewind[celery]'"
        ) from None


@celery_group.command("worker")
@click.option(
    "--queues",
    "-q",
    default=None,
    help="Comma-separated queues to take tasks from. Default: [celery] default_queue.",
)
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(min=1),
    default=None,
    help="Tries run at once. Default: [celery] worker_concurrency.",
)
@click.option(
    "--celery-hostname",
    "-H",
    default="tradewind@%h",
    show_default=True,
    help="Celery node name; give each worker on one machine its own (%h is the host name).",
)
@pass_cli
def worker(
    cli: CliContext, queues: str | None, concurrency: int | None, celery_hostname: str
) -> None:
    """Run tries that schedulers with the CeleryExecutor send, until stopped.

    Each try runs in its own process, forked from a warm one, exactly as with the
    LocalExecutor: same logs, XComs and execution_timeout. SIGTERM stops taking new
    tries and waits for the running ones, up to [core] shutdown_grace seconds in all:
    near its end they are killed (and failed or retried by the scheduler).
    """
    _require_celery()
    from tradewind.execution.celery_worker import run_worker

    cli.database()  # the tries write their states there: refuse an unmigrated database
    config = cli.config
    names = [q.strip() for q in (queues or str(config.get("celery", "default_queue"))).split(",")]
    run_worker(
        config,
        queues=[name for name in names if name],
        concurrency=concurrency or int(config.get("celery", "worker_concurrency")),
        hostname=celery_hostname,
        loglevel="DEBUG" if cli.verbose else str(config.get("logging", "logging_level")),
    )


@celery_group.command("flower")
@click.option("--port", "-p", type=int, default=5555, show_default=True)
@pass_cli
def flower(cli: CliContext, port: int) -> None:
    """Start Flower, Celery's monitoring web UI, on the same broker (needs `pip install flower`)."""
    _require_celery()
    try:
        import flower as _flower  # noqa: F401
    except ImportError:
        raise click.ClickException("Flower is not installed: pip install flower") from None
    from tradewind.execution.celery_app import create_celery_app

    create_celery_app(cli.config).start(["flower", f"--port={port}"])
