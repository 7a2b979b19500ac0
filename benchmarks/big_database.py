"""Benchmark: every list endpoint and UI page on a metadata database of 1,000,000 task instances.

Seeds 1,000 DAGs of 10 tasks with 100 runs each (100,000 dag runs, 1,000,000 task
instances), one XCom and one audit-log row per run, then requests each list endpoint of
the experimental API and of /api/v1 (default limits) and each UI page in-process (the
real app from ``tradewind.webserver.create_app``, no network) and prints the median and
worst of ``--repeat`` requests, flagging every one over the 200 ms target.

    python benchmarks/big_database.py                       # SQLite in a temporary folder
    python benchmarks/big_database.py --dags 100            # a tenth of the rows
    python benchmarks/big_database.py --postgres postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/big_database.py --idle-scheduler 10000   # and --postgres URL

``--idle-scheduler N`` instead seeds N unpaused ``@hourly`` DAGs whose next run is due in
the future (nothing to do) and times single ``Scheduler.run_pass`` calls (the cost of a
scheduler that is only watching), then the DAG list page and ``GET /api/v1/dags``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from seeding import dag_id_of, history_rows, seed_dags, template_dag
from sqlalchemy import func, insert, select, text

from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.models import (
    AuditLog,
    Connection,
    DagModel,
    DagRun,
    ImportErrorModel,
    TaskInstance,
    Variable,
    XCom,
)
from tradewind.db.schema import migrate, reset
from tradewind.execution.executors.base import BaseExecutor

TARGET_MS = 200.0
STEPS = 8
TASKS = STEPS + 2  # with the start and end tasks


@dataclass(frozen=True)
class Probe:
    """One request to time: a name, a method and a path (and a JSON body for POSTs)."""

    name: str
    path: str
    body: dict[str, Any] | None = None


def tags_of(index: int) -> list[str]:
    return ["etl" if index % 2 else "ml"]


def seed_history_with_extras(
    database: Database, dag_id: str, index: int, runs: int, tasks: list[str], now: datetime
) -> None:
    """One DAG's runs, each with its task instances, an XCom and an audit-log row."""
    run_rows, tis = history_rows(dag_id, index, runs, tasks, now)
    xcoms = [
        {
            "dag_id": dag_id,
            "run_id": run["run_id"],
            "task_id": tasks[1],
            "map_index": -1,
            "key": "return_value",
            "value": "hi",
            "timestamp": run["execution_date"],
        }
        for run in run_rows
    ]
    logs = [
        {
            "dttm": run["execution_date"],
            "event": "trigger",
            "owner": "bench",
            "dag_id": dag_id,
            "run_id": run["run_id"],
        }
        for run in run_rows
    ]
    with database.session() as session:
        session.execute(insert(DagRun), run_rows)
        session.execute(insert(TaskInstance), tis)
        session.execute(insert(XCom), xcoms)
        session.execute(insert(AuditLog), logs)


def seed(database: Database, dags: int, runs_per_dag: int, now: datetime) -> None:
    template = template_dag(STEPS)
    tasks = [task["task_id"] for task in template["tasks"]]
    seed_dags(database, dags, template, now, tags=tags_of)
    with database.session() as session:
        session.execute(
            insert(ImportErrorModel),
            [
                {"filename": f"/bench/broken_{n}.py", "timestamp": now, "message": "SyntaxError"}
                for n in range(20)
            ],
        )
        session.execute(
            insert(Variable),
            [{"key": f"var_{n:04d}", "val": "v", "is_encrypted": False} for n in range(500)],
        )
        session.execute(
            insert(Connection),
            [{"conn_id": f"conn_{n:04d}", "conn_type": "http", "host": "h"} for n in range(500)],
        )
    for index in range(dags):  # one transaction per DAG keeps memory flat
        seed_history_with_extras(database, dag_id_of(index), index, runs_per_dag, tasks, now)


def probes(dags: int, run_id: str) -> list[Probe]:
    """Every list request and UI page, on the middle DAG and its newest (running) run."""
    dag_id = dag_id_of(dags // 2)
    newest = quote(run_id, safe="")
    return [
        Probe("exp GET /dags/{id}/dag_runs", f"/api/experimental/dags/{dag_id}/dag_runs"),
        Probe("exp GET /latest_runs", "/api/experimental/latest_runs"),
        Probe("exp GET /pools", "/api/experimental/pools"),
        Probe("exp GET /variables", "/api/experimental/variables"),
        Probe("exp GET /connections", "/api/experimental/connections"),
        Probe("v1 GET /dags", "/api/v1/dags"),
        Probe("v1 GET /dags?only_active", "/api/v1/dags?only_active=true&tags=etl"),
        Probe("v1 GET /dags/{id}/tasks", f"/api/v1/dags/{dag_id}/tasks"),
        Probe("v1 GET /dags/{id}/dagRuns", f"/api/v1/dags/{dag_id}/dagRuns"),
        Probe("v1 GET /dags/~/dagRuns", "/api/v1/dags/~/dagRuns"),
        Probe("v1 GET /dags/~/dagRuns?state", "/api/v1/dags/~/dagRuns?state=failed"),
        Probe("v1 GET ~/dagRuns order_by", "/api/v1/dags/~/dagRuns?order_by=-execution_date"),
        Probe("v1 POST /dags/~/dagRuns/list", "/api/v1/dags/~/dagRuns/list", {}),
        Probe(
            "v1 GET run's taskInstances",
            f"/api/v1/dags/{dag_id}/dagRuns/{newest}/taskInstances",
        ),
        Probe("v1 GET {id}/~/taskInstances", f"/api/v1/dags/{dag_id}/dagRuns/~/taskInstances"),
        Probe("v1 GET ~/~/taskInstances", "/api/v1/dags/~/dagRuns/~/taskInstances"),
        Probe(
            "v1 GET ~/~/taskInstances?state",
            "/api/v1/dags/~/dagRuns/~/taskInstances?state=failed",
        ),
        Probe(
            "v1 POST ~/~/taskInstances/list",
            "/api/v1/dags/~/dagRuns/~/taskInstances/list",
            {},
        ),
        Probe(
            "v1 GET xcomEntries (one TI)",
            f"/api/v1/dags/{dag_id}/dagRuns/{newest}/taskInstances/step_0/xcomEntries",
        ),
        Probe(
            "v1 GET ~ xcomEntries",
            "/api/v1/dags/~/dagRuns/~/taskInstances/~/xcomEntries",
        ),
        Probe("v1 GET /importErrors", "/api/v1/importErrors"),
        Probe("v1 GET /pools", "/api/v1/pools"),
        Probe("v1 GET /variables", "/api/v1/variables"),
        Probe("v1 GET /connections", "/api/v1/connections"),
        Probe("UI DAG list", "/dags"),
        Probe("UI DAG list, page 10", "/dags?page=10"),
        Probe("UI grid (25 runs)", f"/dags/{dag_id}"),
        Probe("UI grid (100 runs)", f"/dags/{dag_id}?runs=100"),
        Probe("UI graph", f"/dags/{dag_id}/graph"),
        Probe("UI durations", f"/dags/{dag_id}/durations"),
        Probe("UI audit log", f"/dags/{dag_id}/audit_log"),
        Probe("UI run page", f"/dags/{dag_id}/runs/{newest}"),
        Probe("UI gantt", f"/dags/{dag_id}/runs/{newest}/gantt"),
        Probe("UI task instance page", f"/dags/{dag_id}/runs/{newest}/tasks/step_0"),
        Probe("UI pools", "/pools"),
        Probe("UI variables", "/variables"),
        Probe("UI connections", "/connections"),
    ]


def request(client: Any, probe: Probe) -> Any:
    if probe.body is None:
        return client.get(probe.path)
    return client.post(
        probe.path, content=json.dumps(probe.body), headers={"Content-Type": "application/json"}
    )


def measure(client: Any, probe: Probe, repeat: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of ``repeat`` requests, after one warming request."""
    status = request(client, probe).status_code
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = request(client, probe).status_code
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), status


class IdleExecutor(BaseExecutor):
    """Runs nothing: an idle pass hands it nothing, and it never has an outcome to report."""

    def start(self) -> None:
        pass

    def _submit(self, workload: Any) -> None:
        raise AssertionError(f"an idle pass queued {workload}")

    def _collect(self) -> list[Any]:
        return []

    def end(self) -> None:
        pass


def idle_scheduler(config: Any, database: Database, dags: int, repeat: int) -> None:
    """Time passes of a scheduler over ``dags`` unpaused @hourly DAGs, none of them due."""
    from tradewind.scheduling.scheduler import Scheduler

    now = datetime.now(UTC).replace(microsecond=0)
    template = template_dag(STEPS, "@hourly")
    seed_dags(database, dags, template, now, tags=tags_of)
    hour = now.replace(minute=0, second=0) + timedelta(hours=1)
    with database.session() as session:
        session.execute(
            DagModel.__table__.update().values(
                is_paused=False,
                schedule="@hourly",
                next_dagrun=hour - timedelta(hours=1),
                next_dagrun_data_interval_start=hour - timedelta(hours=1),
                next_dagrun_data_interval_end=hour,
                next_dagrun_create_after=hour,
            )
        )
        session.execute(text("ANALYZE"))
    scheduler = Scheduler(config, database, IdleExecutor(config), sync_dag_folder=False)
    scheduler.start_job()
    times, cpu = [], []  # wall clock; this process's CPU (all of it on SQLite), robust to load
    for _ in range(repeat + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = scheduler.run_pass()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if result.workloads:
            raise SystemExit(f"the pass was not idle: {len(result.workloads)} workloads")
    print(f"{database.dialect}: {dags} unpaused @hourly DAGs, none due; {repeat} passes after "
          f"the first ({times[0]:.1f} ms): median {statistics.median(times[1:]):.1f} ms, "
          f"worst {max(times[1:]):.1f} ms; CPU in this process: median "
          f"{statistics.median(cpu[1:]):.1f} ms")  # fmt: skip
    client = test_client(config, database)
    for probe in (Probe("UI DAG list", "/dags"), Probe("v1 GET /dags", "/api/v1/dags")):
        median, worst, status = measure(client, probe, repeat)
        print(f"{database.dialect}: {dags} DAGs, {probe.name}: median {median:.1f} ms, "
              f"worst {worst:.1f} ms (HTTP {status})")  # fmt: skip


def test_client(config: Any, database: Database) -> Any:
    """The real webserver app, called in-process."""
    from starlette.testclient import TestClient

    from tradewind.webserver import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(config, database))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, default=1000)
    parser.add_argument("--runs-per-dag", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (reset!)")
    parser.add_argument(
        "--idle-scheduler", type=int, metavar="N", help="time idle passes over N DAGs instead"
    )
    parser.add_argument("--sqlite-file", type=Path, help="keep the SQLite database here")
    parser.add_argument(
        "--reuse", action="store_true", help="time a database seeded by an earlier run as is"
    )
    parser.add_argument("--only", help="time only probes whose name holds this text")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = args.postgres or f"sqlite:///{args.sqlite_file or home / 'bench.db'}"
        config = load_config(
            {"TRADEWIND_HOME": str(home), "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url}
        )
        database = Database.from_config(config)
        if args.postgres and not args.reuse:
            reset(database)
        migrate(database)
        if args.idle_scheduler:
            idle_scheduler(config, database, args.idle_scheduler, args.repeat)
            database.dispose()
            return
        if not args.reuse:
            started = time.perf_counter()
            seed(database, args.dags, args.runs_per_dag, datetime.now(UTC).replace(microsecond=0))
            runs = args.dags * args.runs_per_dag
            print(
                f"{database.dialect}: seeded {args.dags} DAGs, {runs} runs, {runs * TASKS} task "
                f"instances, {runs} XComs, {runs} audit rows in "
                f"{time.perf_counter() - started:.0f} s"
            )
            with database.session() as session:  # what autovacuum / a long-running db does
                session.execute(text("ANALYZE"))
        with database.read_session() as session:
            newest = session.scalar(select(func.max(DagRun.run_id)))
        client = test_client(config, database)
        print(f"{'request':34} {'median ms':>10} {'worst ms':>9}  ({args.repeat} requests)")
        slow = 0
        for probe in probes(args.dags, str(newest)):
            if args.only and args.only not in probe.name:
                continue
            median, worst, status = measure(client, probe, args.repeat)
            flag = "  OVER 200 ms" if median > TARGET_MS else ""
            flag += f"  (HTTP {status})" if status != 200 else ""
            slow += median > TARGET_MS
            print(f"{probe.name:34} {median:10.1f} {worst:9.1f}{flag}")
        print(f"{slow} over {TARGET_MS:.0f} ms (median)")
        database.dispose()


if __name__ == "__main__":
    main()
