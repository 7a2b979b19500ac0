"""``tradewind webserver`` (the API and UI server) and ``tradewind standalone`` (all in one)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from tradewind.cli.app import main
from tradewind.cli.context import CliContext, pass_cli

if TYPE_CHECKING:
    from types import FrameType

    from tradewind.cli.watched_children import WatchedChildren
    from tradewind.config import Config

APP_FACTORY = "tradewind.webserver:app_from_environment"
#: Seconds ``standalone`` waits beyond [core] shutdown_grace before it SIGKILLs a child.
STOP_MARGIN = 5.0
#: The exit code of a webserver that could not start serving (uvicorn's).
STARTUP_FAILURE = 3


@main.command("webserver")
@click.option("--port", "-p", type=int, default=None, help="Default: [webserver] web_server_port.")
@click.option("--hostname", "-H", default=None, help="Default: [webserver] web_server_host.")
@click.option("--workers", "-w", type=int, default=None, help="Default: [webserver] workers.")
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
@click.option(
    "--with-triggerer",
    is_flag=True,
    hidden=True,
    help="Also run the triggerer, in a thread of this process (what standalone does).",
)
@pass_cli
def webserver(
    cli: CliContext,
    port: int | None,
    hostname: str | None,
    workers: int | None,
    access_log: bool,
    with_triggerer: bool,
) -> None:
    """Serve the experimental REST API, /health and the web UI.

    Reads and writes the metadata database only: no DAG file is imported, nothing is
    scheduled here. Stops cleanly on Ctrl-C or SIGTERM: requests in flight get
    [core] shutdown_grace seconds to finish. Requests are bounded by
    [webserver] max_request_header_size, request_header_timeout, request_body_timeout,
    keep_alive_timeout and worker_connections.
    """
    config = cli.config
    host = hostname or str(config.get("webserver", "web_server_host"))
    port = port or int(config.get("webserver", "web_server_port"))
    workers = workers or int(config.get("webserver", "workers"))
    server = _prepare_server(cli, host, port, workers, access_log=access_log)
    click.echo(f"Tradewind webserver on http://{_display(host)}:{port} ({workers} worker(s))")
    with _hosted_triggerer(server.config, with_triggerer):
        server.run()


@dataclass(frozen=True)
class _Server:
    """The uvicorn settings of a webserver, checked (see :func:`_prepare_server`)."""

    config: Config
    options: dict[str, Any]

    def run(self) -> None:
        import uvicorn

        uvicorn.run(APP_FACTORY, factory=True, **self.options)

    def run_supervising(self, watched: WatchedChildren) -> None:
        """Serve with one worker in this process; stop ``watched`` the moment a stop signal
        comes, and stop serving if one of them ends."""
        import uvicorn

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: FrameType | None) -> None:
                watched.stop()
                super().handle_exit(sig, frame)

        server = Server(uvicorn.Config(APP_FACTORY, factory=True, **self.options))
        watched.on_child_end = lambda: setattr(server, "should_exit", True)
        server.run()
        if not server.started:
            sys.exit(STARTUP_FAILURE)


def _prepare_server(
    cli: CliContext, host: str, port: int, workers: int, *, access_log: bool = False
) -> _Server:
    """Check what a webserver needs before it starts (one clear error here, not one in every
    worker after the fork) and put its address where its workers read the config."""
    import os

    from tradewind.api.auth.base import load_backend
    from tradewind.api.request_limits import RequestLimits, protocol_factory

    if workers < 1:
        raise click.BadParameter("must be 1 or more", param_hint="--workers")
    config = cli.config
    # The worker processes load the config themselves: hand them the effective address.
    os.environ["TRADEWIND__WEBSERVER__WEB_SERVER_HOST"] = host
    os.environ["TRADEWIND__WEBSERVER__WEB_SERVER_PORT"] = str(port)
    config = config.with_overrides(
        {("webserver", "web_server_host"): host, ("webserver", "web_server_port"): str(port)}
    )
    limits = RequestLimits.from_config(config)
    database = cli.database()
    load_backend(config, database)
    database.dispose()
    options = {
        "host": host,
        "port": port,
        "workers": workers,
        "loop": "uvloop",
        "http": protocol_factory(limits),
        "timeout_keep_alive": int(config.get("webserver", "keep_alive_timeout")),
        "limit_concurrency": int(config.get("webserver", "worker_connections")),
        "access_log": access_log,
        "log_level": "info" if access_log else "warning",
        "timeout_graceful_shutdown": max(int(float(config.get("core", "shutdown_grace"))), 1),
    }
    return _Server(config, options)


@contextlib.contextmanager
def _hosted_triggerer(config: Config, wanted: bool) -> Iterator[None]:
    """Run the triggerer in a thread while the block (uvicorn) runs, if ``wanted``.

    uvicorn stops on SIGTERM or SIGINT, then raises the signal again once it is done;
    here both raise KeyboardInterrupt, which uvicorn and this block take as "stopped", so
    the triggerer is stopped next. If the triggerer fails, this process stops (SIGTERM to
    itself) and exits with code 1, so ``standalone``'s supervisor stops everything.
    """
    if not wanted:
        yield
        return
    import os
    import signal

    from tradewind.triggering.hosted import HostedTriggerer

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    hosted = HostedTriggerer(config, on_failure=lambda: os.kill(os.getpid(), signal.SIGTERM))
    try:
        hosted.start()
        with contextlib.suppress(KeyboardInterrupt):
            yield
    except KeyboardInterrupt:
        pass
    finally:
        hosted.stop(float(config.get("core", "shutdown_grace")))
    if hosted.failed:
        click.echo("Error: the triggerer stopped unexpectedly (see the log above).", err=True)
        sys.exit(1)


def _display(host: str) -> str:
    return "localhost" if host in {"0.0.0.0", "::"} else host


STANDALONE_HOST = "127.0.0.1"
#: One worker serves a trial setup's few users and keeps uvicorn in the webserver's own
#: process: no spawned interpreters, no multiprocessing resource tracker (about 120 MiB
#: less than two workers, ``benchmarks/footprint.py``).
STANDALONE_WORKERS = 1


@main.command("standalone")
@click.option("--port", "-p", type=int, default=None, help="Default: [webserver] web_server_port.")
@click.option(
    "--hostname",
    "-H",
    default=None,
    help=f"Default: [webserver] web_server_host if set, else {STANDALONE_HOST} (this host only).",
)
@click.option(
    "--workers",
    "-w",
    type=int,
    default=None,
    help=f"Default: [webserver] workers if set, else {STANDALONE_WORKERS}.",
)
@pass_cli
def standalone(
    cli: CliContext, port: int | None, hostname: str | None, workers: int | None
) -> None:
    """Migrate the database, then run a scheduler, a triggerer and a webserver until Ctrl-C
    or SIGTERM.

    A trial setup: it listens on this machine only unless told otherwise, and serves with
    one webserver worker (in the webserver's own process) unless [webserver] workers or
    --workers says otherwise. The triggerer runs in a thread of the webserver's process
    unless [triggerer] standalone_in_webserver is False. With one worker the webserver is
    standalone's own process and watches the others; with more, a small supervisor does.
    Stopping passes SIGTERM on and waits [core] shutdown_grace seconds (and a little for
    the last records) before it kills what is left; if one part stops on its own,
    standalone stops the rest.
    """
    from tradewind.supervision import Plan, exec_supervisor

    config = cli.config
    _migrate_in_a_child(cli)
    port = port or int(config.get("webserver", "web_server_port"))
    host = hostname or _standalone_host(config)
    workers = workers or _standalone_workers(config)
    server = _prepare_server(cli, host, port, workers)
    children = {"scheduler": ["scheduler"]} if "scheduler" in main.commands else {}
    in_webserver = ["--with-triggerer"]
    if "triggerer" not in main.commands:
        click.echo("This build has no scheduler command: serving the API only.", err=True)
        in_webserver = []
    elif not config.get("triggerer", "standalone_in_webserver"):
        children["triggerer"] = ["triggerer"]
        in_webserver = []
    grace = float(config.get("core", "shutdown_grace")) + STOP_MARGIN
    if workers == 1:
        _serve_over_children(server, children, grace, with_triggerer=bool(in_webserver))
        return
    webserver = ["webserver", "--port", str(port), "--hostname", host, "--workers", str(workers)]
    forked = _fork_children({**children, "webserver": webserver + in_webserver}, grace)
    click.echo(f"Tradewind is running: http://{_display(host)}:{port}  (Ctrl-C stops it)")
    exec_supervisor(Plan(forked, grace))


def _migrate_in_a_child(cli: CliContext) -> None:
    """Create or upgrade the schema in a short-lived child process.

    The scheduler and the webserver are forked from this process: what a migration leaves
    behind (alembic, the migration scripts, reflected tables; about 10 MiB) would stay in
    pages they share and then copy (``benchmarks/footprint.py``). A failure is reported by
    the child as any command's is, and stops ``standalone`` with code 1.
    """
    import os

    from tradewind.cli.app import report_failure
    from tradewind.db import schema

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            database = cli.database(check_schema=False)
            schema.migrate(database)
            database.dispose()
            code = 0
        except Exception as exc:
            with contextlib.suppress(SystemExit):  # it prints the error and exits 1
                report_failure(click.get_current_context(), exc)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(1)


def _fork_children(commands: dict[str, list[str]], grace: float) -> dict[str, int]:
    """Fork ``tradewind <command>`` for each, from this process warmed up first (they share
    what it imported); stop signals stay blocked for the caller to unblock."""
    import signal

    from tradewind.cli.forked import fork_command, warm_up
    from tradewind.supervision import STOP_SIGNALS, terminate

    warm_up()
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    children: dict[str, int] = {}
    try:
        for name, command in commands.items():
            children[name] = fork_command(name, command)
    except BaseException:
        terminate(children, grace)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        raise
    return children


def _serve_over_children(
    server: _Server, commands: dict[str, list[str]], grace: float, *, with_triggerer: bool
) -> None:
    """Fork the children, then serve in this process while watching them (no supervisor
    process: :mod:`tradewind.cli.watched_children`); exits 1 if one ended unasked."""
    import signal

    from tradewind.cli.forked import name_process
    from tradewind.cli.watched_children import WatchedChildren
    from tradewind.supervision import STOP_SIGNALS

    watched = WatchedChildren(_fork_children(commands, grace), grace)
    name_process("tw-webserver")
    host, port = server.options["host"], server.options["port"]
    click.echo(f"Tradewind is running: http://{_display(host)}:{port}  (Ctrl-C stops it)")

    def stop_on_signal(_signum: int, _frame: FrameType | None) -> None:
        watched.stop()
        raise KeyboardInterrupt

    code = 0
    try:
        watched.start()
        # A stop signal that came while the children were forked is handled from here on
        # (uvicorn installs its own handlers while it serves: see run_supervising).
        for signum in STOP_SIGNALS:
            signal.signal(signum, stop_on_signal)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        with _hosted_triggerer(server.config, with_triggerer):
            server.run_supervising(watched)
    except KeyboardInterrupt:
        pass  # stopped by a signal before or after uvicorn's handlers
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        code = max(watched.finish(), code)
    if code:
        sys.exit(code)
    click.echo("Tradewind stopped.")


def _standalone_host(config: Config) -> str:
    """Loopback unless ``[webserver] web_server_host`` was set on purpose (file or env)."""
    if config.source("webserver", "web_server_host") == "default":
        return STANDALONE_HOST
    return str(config.get("webserver", "web_server_host"))


def _standalone_workers(config: Config) -> int:
    """One unless ``[webserver] workers`` was set on purpose (file or env)."""
    if config.source("webserver", "workers") == "default":
        return STANDALONE_WORKERS
    return int(config.get("webserver", "workers"))
