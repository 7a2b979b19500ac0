"""Issue 17: ``/metrics`` during a real run, StatsD packets on a real socket, and auth.

A real ``tradewind scheduler`` and ``tradewind webserver`` share one home: what the
scheduler and its runner host count shows up in the webserver's scrape, beside the gauges
the scrape reads from the database.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.auth.webserver import TRADEWIND, run_cli, sqlite_env, webserver

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("metered", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="hello", bash_command="echo hi")
"""


def home_env(root: Path, template: Path, **settings: str) -> dict[str, str]:
    env = sqlite_env(
        root,
        template,
        TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        TRADEWIND__CORE__PARSING_PROCESSES="1",
        TRADEWIND__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="0.5",
        **settings,
    )
    dags = root / "home" / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    (dags / "metered.py").write_text(DAG_FILE)
    return env


@contextmanager
def scheduler(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*TRADEWIND, "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def wait_for_success(env: dict[str, str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = run_cli(env, "dags", "list-runs", "metered")
        if "success" in listed.stdout:
            return
        assert "failed" not in listed.stdout, listed.stdout
        time.sleep(0.5)
    raise AssertionError(f"the run did not succeed: {listed.stdout}{listed.stderr}")


def test_scrape_during_a_run_sees_counters_move(tmp_path: Path, _sqlite_template: Path) -> None:
    env = home_env(tmp_path, _sqlite_template, TRADEWIND__METRICS__PUBLIC="True")
    with webserver(env) as server, scheduler(env):
        deadline = time.monotonic() + 60
        while True:  # the scheduler's first sync has put the DAG in the database
            before = samples(httpx.get(f"{server.url}/metrics", timeout=10).text)
            if value(before, "tradewind_dags") == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert value(before, "tradewind_dags") == 1
        assert (
            value(before, "tradewind_tries_finished_total", dag_id="metered", state="success")
            is None
        )

        response = httpx.post(f"{server.api}/dags/metered/dag_runs", json={}, timeout=10)
        assert response.status_code == 200, response.text
        wait_for_success(env)
        time.sleep(1.0)  # a pass or two after the run ended
        scrape = httpx.get(f"{server.url}/metrics", timeout=10)
    assert scrape.headers["content-type"].startswith("text/plain")
    after = samples(scrape.text)
    assert value(after, "tradewind_tries_started_total", dag_id="metered") == 1
    assert value(after, "tradewind_tries_finished_total", dag_id="metered", state="success") == 1
    assert value(after, "tradewind_try_duration_seconds_count", dag_id="metered") == 1
    assert value(after, "tradewind_try_queued_seconds_count", dag_id="metered") == 1
    assert (
        value(after, "tradewind_dag_run_duration_seconds_count", dag_id="metered", state="success")
        == 1
    )
    passes = value(after, "tradewind_scheduler_pass_seconds_count")
    assert passes is not None and passes > (
        value(before, "tradewind_scheduler_pass_seconds_count") or 0
    )
    assert value(after, "tradewind_scheduler_tries_admitted_sum") == 1
    assert value(after, "tradewind_executor_open_slots") == 32  # [core] parallelism, all free
    assert (value(after, "tradewind_scheduler_heartbeats_total") or 0) >= 1
    # Read from the database at scrape time.
    assert value(after, "tradewind_tries_running") == 0
    assert value(after, "tradewind_pool_open_slots", pool="default_pool") == 128
    assert value(after, "tradewind_dag_import_errors") == 0
    parse = [v for (name, _), v in after.items() if name == "tradewind_dag_file_parse_seconds"]
    assert len(parse) == 1 and parse[0] > 0
    ages = [
        v for (name, _), v in after.items() if name == "tradewind_scheduler_heartbeat_age_seconds"
    ]
    assert ages == [] or all(age < 30 for age in ages)  # the scheduler stopped: its row ended
    trigger = value(
        after,
        "tradewind_http_request_seconds_count",
        route="/api/experimental/dags/{dag_id}/dag_runs",
        method="POST",
        status="200",
    )
    assert trigger == 1, sorted(k for k in after if k[0] == "tradewind_http_request_seconds_count")


class StatsdListener:
    """A UDP socket standing in for a StatsD server: collects every metric name received."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []

    def names(self) -> set[str]:
        return {line.split(":", 1)[0] for line in self.lines}

    def receive_until(self, wanted: set[str], timeout: float) -> set[str]:
        deadline = time.monotonic() + timeout
        while not wanted <= self.names() and time.monotonic() < deadline:
            try:
                packet = self.sock.recv(65535)
            except TimeoutError:
                continue
            self.lines.extend(packet.decode().splitlines())
        return wanted - self.names()


def test_statsd_gets_airflow_names_under_the_airflow_prefix(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    listener = StatsdListener()
    env = home_env(
        tmp_path,
        _sqlite_template,
        TRADEWIND__CORE__AIRFLOW_COMPAT="True",  # the prefix becomes airflow
        TRADEWIND__METRICS__STATSD_ON="True",
        TRADEWIND__METRICS__STATSD_HOST="127.0.0.1",
        TRADEWIND__METRICS__STATSD_PORT=str(listener.port),
    )
    with scheduler(env):
        missing = listener.receive_until({"airflow.dagbag_size"}, timeout=60)
        assert not missing, listener.lines[-20:]
        assert run_cli(env, "dags", "trigger", "metered").returncode == 0
        wanted = {
            "airflow.ti.start.metered.hello",
            "airflow.ti.finish.metered.hello.success",
            "airflow.ti_successes",
            "airflow.dag.metered.hello.duration",
            "airflow.dag.metered.hello.queued_duration",
            "airflow.dagrun.duration.success.metered",
            "airflow.scheduler_heartbeat",
            "airflow.scheduler.scheduler_loop_duration",
            "airflow.executor.open_slots",
            "airflow.scheduler.tasks.running",
            "airflow.pool.open_slots.default_pool",
            "airflow.dag_processing.import_errors",
            "airflow.dag_processing.last_duration.metered",
        }
        missing = listener.receive_until(wanted, timeout=60)
    assert not missing, sorted(listener.names())
    kinds = {line.split(":", 1)[0]: line.rsplit("|", 1)[-1] for line in listener.lines}
    assert kinds["airflow.ti_successes"] == "c"
    assert kinds["airflow.dag.metered.hello.duration"] == "ms"
    assert kinds["airflow.pool.open_slots.default_pool"] == "g"
    assert not any(name.startswith("tradewind.") for name in listener.names())


def test_metrics_take_the_api_credentials_unless_public(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    password = {"TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.password_auth"}
    env = home_env(tmp_path / "closed", _mkdir(tmp_path / "closed", _sqlite_template), **password)
    assert run_cli(env, "users", "create", "-u", "prom", "-p", "scrape-pw").returncode == 0
    with webserver(env) as server:
        refused = httpx.get(f"{server.url}/metrics", timeout=10)
        let_in = httpx.get(f"{server.url}/metrics", auth=("prom", "scrape-pw"), timeout=10)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Basic")
    assert "tradewind_" not in refused.text
    assert let_in.status_code == 200 and "tradewind_dags " in let_in.text

    public = home_env(
        tmp_path / "open",
        _mkdir(tmp_path / "open", _sqlite_template),
        TRADEWIND__METRICS__PUBLIC="True",
        **password,
    )
    with webserver(public) as server:
        assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 200
        assert httpx.get(f"{server.api}/pools", timeout=10).status_code == 401  # API still closed


def _mkdir(root: Path, template: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return template
