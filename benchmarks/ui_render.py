"""Benchmark: server-side render time of the web UI's pages on a big metadata database.

Seeds 1,000 DAGs (6 tasks each) and 100,000 dag runs (100 per DAG, each with its task
instances: 600,000 rows) into SQLite, then requests every page type in-process (no
network, no browser) and prints the median and worst time per page.

    python benchmarks/ui_render.py                      # SQLite in a temporary folder
    python benchmarks/ui_render.py --dags 200 --runs-per-dag 50
    python benchmarks/ui_render.py --postgres postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/ui_render.py --shapes-only        # only the groups-and-mapping DAG

It also seeds one DAG of the modern shapes (10 task groups of 10 tasks, then one task
mapped over 500 items) with 25 runs, each holding its 100 grouped and 500 mapped task
instances, and times its grid (groups collapsed and all open), one run's page and the
mapped task's instance list.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from seeding import dag_id_of, seed_dags, seed_history, template_dag
from sqlalchemy import insert, select, text

from tradewind.config import load_config
from tradewind.dagfiles.serialization import dag_hash, serialize_dag
from tradewind.db.engine import Database
from tradewind.db.models import (
    DagModel,
    DagRun,
    ImportErrorModel,
    SerializedDagModel,
    TaskInstance,
)
from tradewind.db.schema import migrate, reset
from tradewind.operations.dag_runs import dag_run_url

STEPS = 4  # and a start and an end task: six tasks per DAG
TAGS = ["etl", "reporting", "ml", "finance", "ops"]


def tags_of(index: int) -> list[str]:
    return [TAGS[index % 5], TAGS[(index * 3) % 5]]


def seed(database: Database, dags: int, runs_per_dag: int) -> None:
    template = template_dag(STEPS)
    task_ids = [task["task_id"] for task in template["tasks"]]
    now = datetime.now(UTC).replace(microsecond=0)
    seed_dags(database, dags, template, now, tags=tags_of)
    with database.session() as session:
        session.execute(
            insert(ImportErrorModel),
            [{"filename": "/bench/broken.py", "timestamp": now, "message": "SyntaxError"}],
        )
    for index in range(dags):  # one transaction per DAG keeps memory flat
        seed_history(database, dag_id_of(index), index, runs_per_dag, task_ids, now)


SHAPES_DAG_ID = "shapes"
SHAPES_GROUPS = 10
SHAPES_TASKS_PER_GROUP = 10
SHAPES_MAPPED = 500


def shapes_dag() -> dict[str, Any]:
    """10 groups of 10 tasks in a chain, then one task mapped over 500 items."""
    from tradewind import DAG, TaskGroup
    from tradewind.operators.bash import BashOperator

    with DAG(SHAPES_DAG_ID, schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
        groups = []
        for g in range(SHAPES_GROUPS):
            with TaskGroup(f"group_{g}") as group:
                for t in range(SHAPES_TASKS_PER_GROUP):
                    BashOperator(task_id=f"task_{t}", bash_command="true")
            groups.append(group)
        for upstream, downstream in itertools.pairwise(groups):
            upstream >> downstream
        mapped = BashOperator.partial(task_id="each").expand(bash_command=["true"] * SHAPES_MAPPED)
        groups[-1] >> mapped
    return serialize_dag(dag)


def seed_shapes(database: Database, runs: int) -> None:
    """The shapes DAG and ``runs`` runs; the newest is running with part of the map done."""
    data = {**shapes_dag(), "fileloc": "/bench/shapes.py"}
    now = datetime.now(UTC).replace(microsecond=0)
    with database.session() as session:
        session.execute(
            insert(DagModel),
            [
                {
                    "dag_id": SHAPES_DAG_ID,
                    "is_paused": False,
                    "is_active": True,
                    "fileloc": data["fileloc"],
                    "schedule": "@daily",
                    "owners": "bench",
                    "tags": ["shapes"],
                }
            ],
        )
        session.execute(
            insert(SerializedDagModel),
            [
                {
                    "dag_id": SHAPES_DAG_ID,
                    "fileloc": data["fileloc"],
                    "data": data,
                    "dag_hash": dag_hash(data),
                    "last_updated": now,
                }
            ],
        )
    static = [task["task_id"] for task in data["tasks"] if task["task_id"] != "each"]
    for n in range(runs):
        when = now - timedelta(days=runs - n)
        newest = n == runs - 1
        run_id = f"scheduled__{when.isoformat()}"
        base = {
            "dag_id": SHAPES_DAG_ID,
            "run_id": run_id,
            "try_number": 1,
            "start_date": when,
            "end_date": when + timedelta(seconds=5),
            "duration": 5.0,
            "operator": "BashOperator",
        }
        tis = [{**base, "task_id": task_id, "state": "success"} for task_id in static]
        tis.extend(
            {
                **base,
                "task_id": "each",
                "map_index": index,
                "state": _mapped_state(index, newest),
            }
            for index in range(SHAPES_MAPPED)
        )
        with database.session() as session:
            session.execute(
                insert(DagRun),
                [
                    {
                        "dag_id": SHAPES_DAG_ID,
                        "run_id": run_id,
                        "execution_date": when,
                        "state": "running" if newest else "success",
                        "run_type": "scheduled",
                        "external_trigger": False,
                        "start_date": when,
                        "queued_at": when,
                    }
                ],
            )
            session.execute(insert(TaskInstance), tis)


def _mapped_state(index: int, running: bool) -> str | None:
    if not running:
        return "success"
    return ("success", "success", "running", "failed", None)[index % 5]


def shapes_pages(database: Database, runs: int) -> list[tuple[str, str]]:
    with database.read_session() as session:
        newest = session.scalar(
            select(DagRun.run_id)
            .where(DagRun.dag_id == SHAPES_DAG_ID)
            .order_by(DagRun.execution_date.desc())
            .limit(1)
        )
    run = dag_run_url(SHAPES_DAG_ID, newest)
    return [
        ("Shapes grid (1 run)", f"/dags/{SHAPES_DAG_ID}?runs=1"),
        (f"Shapes grid ({runs} runs)", f"/dags/{SHAPES_DAG_ID}?runs={runs}"),
        (f"Shapes grid, all open ({runs})", f"/dags/{SHAPES_DAG_ID}?runs={runs}&expand=*"),
        ("Shapes run page", run),
        ("Shapes mapped instances", f"{run}/tasks/each"),
        ("Shapes one mapped instance", f"{run}/tasks/each?map_index=7"),
    ]


def measure(client: Any, path: str, repeat: int) -> tuple[float, float, float]:
    client.get(path)  # warm caches (templates, serialized DAG) as a running server has
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, default=1000)
    parser.add_argument("--runs-per-dag", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (reset!)")
    parser.add_argument("--shape-runs", type=int, default=25, help="runs of the shapes DAG")
    parser.add_argument(
        "--shapes-only", action="store_true", help="seed and time only the shapes DAG"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = args.postgres or f"sqlite:///{home / 'bench.db'}"
        config = load_config(
            {"TRADEWIND_HOME": str(home), "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url}
        )
        database = Database.from_config(config)
        if args.postgres:
            reset(database)
        migrate(database)
        started = time.perf_counter()
        if not args.shapes_only:
            seed(database, args.dags, args.runs_per_dag)
            total_runs = args.dags * args.runs_per_dag
            print(
                f"{database.dialect}: seeded {args.dags} DAGs, {total_runs} runs, "
                f"{total_runs * 6} task instances in {time.perf_counter() - started:.1f} s"
            )
        started = time.perf_counter()
        seed_shapes(database, args.shape_runs)
        per_run = SHAPES_GROUPS * SHAPES_TASKS_PER_GROUP + SHAPES_MAPPED
        print(
            f"{database.dialect}: seeded DAG {SHAPES_DAG_ID!r} "
            f"({SHAPES_GROUPS} groups x {SHAPES_TASKS_PER_GROUP} tasks, 1 task mapped over "
            f"{SHAPES_MAPPED}), {args.shape_runs} runs, {args.shape_runs * per_run} task "
            f"instances in {time.perf_counter() - started:.1f} s"
        )

        if args.postgres:  # what autovacuum does within a minute of such inserts
            with database.session() as session:
                session.execute(text("ANALYZE"))

        from starlette.testclient import TestClient

        from tradewind.webserver import create_app

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client = TestClient(create_app(config, database))
        pages = shapes_pages(database, args.shape_runs)
        if not args.shapes_only:
            pages = [*big_history_pages(database, args.dags), *pages]
        print(
            f"{'page':32} {'median ms':>10} {'min ms':>8} {'max ms':>8}  ({args.repeat} requests)"
        )
        for name, path in pages:
            median, best, worst = measure(client, path, args.repeat)
            print(f"{name:32} {median:10.1f} {best:8.1f} {worst:8.1f}")
        database.dispose()


def big_history_pages(database: Database, dags: int) -> list[tuple[str, str]]:
    dag_id = dag_id_of(dags // 2)
    with database.read_session() as session:
        newest = session.scalar(
            select(DagRun.run_id)
            .where(DagRun.dag_id == dag_id)
            .order_by(DagRun.execution_date.desc())
            .limit(1)
        )
    run = dag_run_url(dag_id, newest)
    return [
        ("DAG list (page 1, 50 rows)", "/dags"),
        ("DAG list, page 10", "/dags?page=10"),
        ("DAG list, search", "/dags?search=bench_05"),
        ("DAG list, tag filter", "/dags?tag=finance"),
        ("DAG grid (25 runs)", f"/dags/{dag_id}"),
        ("DAG grid (100 runs)", f"/dags/{dag_id}?runs=100"),
        ("DAG graph", f"/dags/{dag_id}/graph"),
        ("DAG code", f"/dags/{dag_id}/code"),
        ("Trigger form", f"/dags/{dag_id}/trigger"),
        ("Run page", run),
        ("Task instance page", f"{run}/tasks/step_0"),
        ("Pools", "/pools"),
    ]


if __name__ == "__main__":
    main()
