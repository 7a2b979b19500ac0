"""Benchmark: the webserver's throughput and latency, and trigger -> success over the API.

Starts a real ``tradewind webserver`` (and, for the round trip, ``tradewind scheduler``)
on a temporary home, seeds dag runs straight into the database, then drives it with wrk
(``-t2 -c16 -d10s`` by default) and prints requests/s and latency percentiles.

    python benchmarks/api_throughput.py                       # SQLite, 2 workers
    python benchmarks/api_throughput.py --workers 4 --duration 5
    python benchmarks/api_throughput.py --postgres postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from metrics_switch import add_flag, describe, metrics_env, tree_cpu_seconds
from sqlalchemy import insert, select

from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.db.schema import migrate, reset

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
DAG_FILE = """\
from datetime import datetime
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import PythonOperator

# bench_list, bench_big and 100 more DAGs: a full page of GET /api/v1/dags?limit=100.
for dag_id in ("bench_list", "bench_big", *(f"bench_many_{n:03}" for n in range(100))):
    with DAG(dag_id, start_date=datetime(2020, 1, 1), schedule=None) as dag:
        EmptyOperator(task_id="start") >> EmptyOperator(task_id="end")
    globals()[dag_id] = dag

# The same one-task Python DAG as benchmarks/scheduler_bench.py's, so the two latencies compare.
with DAG("bench_trigger", start_date=datetime(2020, 1, 1), schedule=None) as bench_trigger:
    PythonOperator(task_id="t", python_callable=lambda: 1)

# The same task again, with room for a whole burst of runs at once.
with DAG("bench_burst", start_date=datetime(2020, 1, 1), schedule=None, max_active_runs=512) as bb:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_runs(database: Database, dag_id: str, count: int) -> None:
    """``count`` finished runs, one a minute, inserted in batches (no ORM objects)."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    batch = []
    with database.session() as session:
        for index in range(count):
            when = start + timedelta(minutes=index)
            batch.append(
                {
                    "dag_id": dag_id,
                    "run_id": f"seed__{when.isoformat()}",
                    "execution_date": when,
                    "state": "success",
                    "run_type": "manual",
                    "external_trigger": True,
                    "queued_at": when,
                    "start_date": when,
                    "end_date": when + timedelta(seconds=5),
                }
            )
            if len(batch) == 5000:
                session.execute(insert(DagRun), batch)
                batch = []
        if batch:
            session.execute(insert(DagRun), batch)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def run_wrk(url: str, duration: int, threads: int, connections: int) -> tuple[float, str, str]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses on {url}")
    return rps, p50, p99


def single_latency_ms(client: httpx.Client, url: str, repeat: int = 30) -> float:
    client.get(url).raise_for_status()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def round_trips(api: str, count: int) -> list[float]:
    """Seconds from POST dag_runs to the run reading ``success`` (polling every 10 ms)."""
    times = []
    with httpx.Client(timeout=30) as client:
        client.get(f"{api}/dags/bench_trigger/paused/false").raise_for_status()
        for index in range(count):
            body = {"run_id": f"rt_{index}", "replace_microseconds": "false"}
            started = time.perf_counter()
            client.post(f"{api}/dags/bench_trigger/dag_runs", content=json.dumps(body))
            while True:
                state = client.get(f"{api}/dags/bench_trigger/dag_runs/rt_{index}").json()["state"]
                if state in ("success", "failed"):
                    break
                if time.perf_counter() - started > 60:
                    raise SystemExit("a triggered run did not finish within 60 s")
                time.sleep(0.01)
            times.append(time.perf_counter() - started)
            if state != "success":
                raise SystemExit(f"run rt_{index} ended {state}")
    return times


def scheduler_passes(home: Path) -> float | None:
    """The scheduler's passes so far, as ``/metrics`` counts them (``--metrics`` only)."""
    from prometheus_client.parser import text_string_to_metric_families

    from tradewind.observability.prometheus import FOLDER_NAME, exposition

    folder = home / FOLDER_NAME
    if not folder.is_dir():
        return None
    for family in text_string_to_metric_families(exposition(folder).decode()):
        for sample in family.samples:
            if sample.name == "tradewind_scheduler_pass_seconds_count":
                return sample.value
    return None


def stages(database: Database, dag_id: str, prefix: str) -> str:
    """Where a run's time went, median over the runs whose id starts with ``prefix``, from
    the timestamps the database keeps: queued (the POST) -> run started (the scheduler) ->
    its task queued (the scheduler) -> the try started (runner host claim) -> the try ended
    (recorded) -> run success (the scheduler)."""
    query = (
        select(
            DagRun.queued_at,
            DagRun.start_date,
            TaskInstance.queued_dttm,
            TaskInstance.start_date,
            TaskInstance.end_date,
            DagRun.end_date,
        )
        .join(
            TaskInstance,
            (TaskInstance.dag_id == DagRun.dag_id) & (TaskInstance.run_id == DagRun.run_id),
        )
        .where(DagRun.dag_id == dag_id, DagRun.run_id.startswith(prefix, autoescape=True))
    )
    with database.session() as session:
        rows = session.execute(query).all()
    names = ("run start", "task queued", "try start", "try end", "run success")
    parts = []
    for index, name in enumerate(names):
        gaps = [(row[index + 1] - row[index]).total_seconds() * 1000 for row in rows]
        parts.append(f"{name} +{statistics.median(gaps):.0f}")
    return "queued -> " + ", ".join(parts) + " ms (medians)"


def burst(api: str, count: int, tag: str) -> float:
    """Seconds from the first of ``count`` runs POSTed one after another (one client, each
    request answered before the next is sent) until the last of them reads ``success``."""
    with httpx.Client(timeout=30) as client:
        client.get(f"{api}/dags/bench_burst/paused/false").raise_for_status()
        started = time.perf_counter()
        for index in range(count):
            body = {"run_id": f"{tag}_{index}", "replace_microseconds": "false"}
            response = client.post(f"{api}/dags/bench_burst/dag_runs", content=json.dumps(body))
            response.raise_for_status()
        while True:
            runs = client.get(f"{api}/dags/bench_burst/dag_runs").json()
            states = [run["state"] for run in runs if run["run_id"].startswith(f"{tag}_")]
            if "failed" in states:
                raise SystemExit(f"a run of the {count}-run burst failed")
            if states.count("success") == count:
                return time.perf_counter() - started
            if time.perf_counter() - started > 60 + count:
                raise SystemExit(f"the {count}-run burst did not finish in time")
            time.sleep(0.01)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--big", type=int, default=100_000, help="runs of the large DAG")
    parser.add_argument("--round-trips", type=int, default=10)
    parser.add_argument(
        "--bursts",
        type=int,
        nargs="*",
        default=[20, 200],
        help="burst sizes: runs triggered one after another, timed until all succeed",
    )
    parser.add_argument("--postgres", help="PostgreSQL URL to use (it is reset!)")
    add_flag(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")

    home = Path(tempfile.mkdtemp(prefix="tw_api_bench_"))
    (home / "dags").mkdir()
    (home / "dags" / "bench_dags.py").write_text(DAG_FILE)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
            "TRADEWIND__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    metrics, statsd = metrics_env(args.metrics)
    env.update(metrics)
    if args.postgres:
        env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"] = args.postgres
    config = load_config(env)
    database = Database.from_config(config)
    if args.postgres:
        reset(database)
    else:
        migrate(database)
    subprocess.run([*TRADEWIND, "dags", "reserialize"], env=env, check=True, capture_output=True)
    seed_runs(database, "bench_list", 25)
    started = time.perf_counter()
    seed_runs(database, "bench_big", args.big)
    took = time.perf_counter() - started
    print(f"database: {database.dialect}; seeded {args.big:,} runs in {took:.1f}s")
    database.dispose()

    api = f"http://127.0.0.1:{port}/api/experimental"
    v1 = f"http://127.0.0.1:{port}/api/v1"
    server = subprocess.Popen(
        [*TRADEWIND, "webserver", "-w", str(args.workers), "-p", str(port), "-H", "127.0.0.1"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    scheduler = None
    try:
        wait_until_up(f"{api}/test", server)
        targets = {
            "GET /test": f"{api}/test",
            "GET dag_runs (25 runs)": f"{api}/dags/bench_list/dag_runs",
            f"GET dag_runs?limit=25 ({args.big:,} runs)": f"{api}/dags/bench_big/dag_runs?limit=25",
            "GET dag_runs/<date>": f"{api}/dags/bench_list/dag_runs/2000-01-01T00:10:00%2B00:00",
            "GET pools": f"{api}/pools",
            "GET /api/v1/dags?limit=100 (102 DAGs)": f"{v1}/dags?limit=100",
            f"GET /api/v1/.../dagRuns?limit=100 ({args.big:,})": (
                f"{v1}/dags/bench_big/dagRuns?limit=100"
            ),
        }
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
            f"{args.workers} webserver worker(s), {os.cpu_count()} CPU(s)"
        )
        for name, url in targets.items():
            cpu_before = tree_cpu_seconds(server.pid)
            rps, p50, p99 = run_wrk(url, args.duration, args.threads, args.connections)
            cpu_us = (tree_cpu_seconds(server.pid) - cpu_before) * 1e6 / (rps * args.duration)
            print(
                f"  {name:<42} {rps:>9,.0f} req/s   p50 {p50:>8}   p99 {p99:>8}   "
                f"{cpu_us:>5.0f} us CPU/req"
            )
        with httpx.Client(timeout=30) as client:
            newest = (
                datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=args.big - 25)
            ).isoformat()
            for name, url in {
                "limit=25, oldest page": f"{api}/dags/bench_big/dag_runs?limit=25",
                "limit=25, newest page (execution_date_gte)": (
                    f"{api}/dags/bench_big/dag_runs?limit=25&execution_date_gte={newest}"
                ).replace("+", "%2B"),
                "state=failed (no match, full index range)": (
                    f"{api}/dags/bench_big/dag_runs?state=failed&limit=25"
                ),
            }.items():
                print(f"  single request, {args.big:,} runs, {name}: "
                      f"{single_latency_ms(client, url):.1f} ms median")  # fmt: skip

        if args.round_trips or args.bursts:
            scheduler = subprocess.Popen(
                [*TRADEWIND, "scheduler"],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(2)
        if args.round_trips:
            times = round_trips(api, args.round_trips)
            print(
                f"  trigger -> success over the API ({len(times)} runs, one-task Python DAG): "
                f"median {statistics.median(times) * 1000:.0f} ms, "
                f"max {max(times) * 1000:.0f} ms"
            )
        for size in args.bursts:
            assert scheduler is not None
            cpu_before = tree_cpu_seconds(scheduler.pid), tree_cpu_seconds(server.pid)
            passes_before = scheduler_passes(home)
            took = burst(api, size, f"burst{size}")
            cpu_scheduler = (tree_cpu_seconds(scheduler.pid) - cpu_before[0]) * 1000 / size
            cpu_server = (tree_cpu_seconds(server.pid) - cpu_before[1]) * 1000 / size
            passes_after = scheduler_passes(home)
            passes = (
                f", {passes_after - passes_before:.0f} scheduler passes"
                if passes_before is not None and passes_after is not None
                else ""
            )
            print(
                f"  burst: {size} runs POSTed one after another, all succeeded in "
                f"{took * 1000:.0f} ms ({size / took:.0f} runs/s); CPU per run: scheduler "
                f"and its children {cpu_scheduler:.1f} ms, webserver {cpu_server:.1f} ms"
                f"{passes}"
            )
            print(f"    {stages(database, 'bench_burst', f'burst{size}_')}")
        print(describe(statsd))
    finally:
        if scheduler is not None:
            stop(scheduler)
        stop(server)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
