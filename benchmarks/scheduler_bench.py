"""Scheduler speed: trigger->success latency, fan-out throughput, many runs at once.

Starts a real ``tradewind scheduler`` process (LocalExecutor) against a temporary home and
triggers runs through ``tradewind.operations.dag_runs.trigger_dag`` (which wakes the
scheduler). Times come from the database: a run's ``queued_at`` (set by the trigger) to
its ``end_date`` (set by the scheduler when it marks the run finished).

    python benchmarks/scheduler_bench.py            # SQLite
    python benchmarks/scheduler_bench.py --postgres # PostgreSQL at 127.0.0.1:5432
    python benchmarks/scheduler_bench.py --postgres --celery-workers 2   # CeleryExecutor, Redis

With ``--celery-workers N`` the scheduler uses the CeleryExecutor and the script starts N
``tradewind celery worker`` processes on a queue of its own (broker: ``--broker``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

from metrics_switch import add_flag, describe, metrics_env, tree_cpu_seconds

DAGS = {
    "one_task": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.python import PythonOperator

        with DAG("one_task", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_runs=64) as dag:
            PythonOperator(task_id="t", python_callable=lambda: 1)
    """,
    "fanout_100": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.python import PythonOperator

        with DAG("fanout_100", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_tasks=64) as dag:
            for i in range(100):
                PythonOperator(task_id=f"t{i}", python_callable=lambda: None)
    """,
    "fanout_1000": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.python import PythonOperator

        with DAG("fanout_1000", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_tasks=64) as dag:
            for i in range(1000):
                PythonOperator(task_id=f"t{i}", python_callable=lambda: None)
    """,
    "mapped_1000": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.operators.python import PythonOperator

        with DAG("mapped_1000", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_tasks=64) as dag:
            PythonOperator.partial(task_id="t", python_callable=lambda i: None).expand(
                op_args=[[i] for i in range(1000)]
            )
    """,
    "pairs_500x2": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.decorators import task

        with DAG("pairs_500x2", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_tasks=64) as dag:
            @task
            def first(i):
                return i

            @task
            def second(value):
                return None

            for i in range(500):  # the mapped group's shape, written out: b pulls a's value
                second.override(task_id=f"second{i}")(first.override(task_id=f"first{i}")(i))
    """,
    "mapped_group_500x2": """
        from datetime import datetime
        from tradewind import DAG
        from tradewind.decorators import task, task_group

        with DAG("mapped_group_500x2", start_date=datetime(2024, 1, 1), schedule=None,
                 max_active_tasks=64) as dag:
            @task
            def first(i):
                return i

            @task
            def second(value):
                return None

            @task_group
            def group(i):
                second(first(i))

            group.expand(i=list(range(500)))
    """,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home.")
    parser.add_argument("--latency-runs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="Repeats of the throughput runs.")
    parser.add_argument("--celery-workers", type=int, default=0, help="Use the CeleryExecutor.")
    parser.add_argument("--worker-concurrency", type=int, default=8)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--mapping-only",
        action="store_true",
        help="Only compare one task mapped over 1,000 items with 1,000 static tasks (and a "
        "mapped task group of 500 x 2 tasks).",
    )
    parser.add_argument(
        "--latency-only", action="store_true", help="Only the trigger->success figures."
    )
    add_flag(parser)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tw_bench_"))
    (home / "dags").mkdir()
    for name, source in DAGS.items():
        (home / "dags" / f"{name}.py").write_text(textwrap.dedent(source))
    pg_name = None
    if args.postgres:
        pg_name = f"tw_bench_{uuid.uuid4().hex[:8]}"
        _pg(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{home}/tradewind.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url,
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "TRADEWIND__CORE__PARALLELISM": "64",
            "TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
        }
    )
    metrics, statsd = metrics_env(args.metrics)
    env.update(metrics)
    if args.celery_workers:
        env.update(
            {
                "TRADEWIND__CORE__EXECUTOR": "CeleryExecutor",
                "TRADEWIND__CELERY__BROKER_URL": args.broker,
                "TRADEWIND__CELERY__DEFAULT_QUEUE": f"tw_bench_{uuid.uuid4().hex[:8]}",
            }
        )
    os.environ.update(env)  # this script's own config, read once below

    from tradewind.config import load_config
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.engine import Database
    from tradewind.db.schema import migrate

    config = load_config(env)
    db = Database.from_config(config)
    migrate(db)
    sync_dag_folder(config, db)
    tradewind = [sys.executable, "-c", "from tradewind.cli import main; main()"]
    processes = [
        subprocess.Popen(
            [*tradewind, "scheduler"],
            env=env,
            stdout=open(home / "scheduler.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
    ]
    for n in range(args.celery_workers):
        name = f"bench{n}@%h"
        processes.append(
            subprocess.Popen(
                [*tradewind, "celery", "worker", "-c", str(args.worker_concurrency), "-H", name],
                env=env,
                stdout=open(home / f"worker{n}.log", "wb"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )
    try:
        time.sleep(1.5 + 2 * args.celery_workers)  # let the processes start and warm up
        kind = "PostgreSQL" if args.postgres else "SQLite"
        executor = (
            f"CeleryExecutor ({args.celery_workers} workers x {args.worker_concurrency}, "
            f"broker {args.broker})"
            if args.celery_workers
            else "LocalExecutor"
        )
        print(f"Tradewind scheduler benchmark: {kind} + {executor} (parallelism 64)")
        print("trigger_dag from tradewind.operations.dag_runs used to trigger (wakes scheduler)")
        first = _warm(db, config)
        print(
            f"trigger->success of the first run after start (the runner host's first try): "
            f"{first * 1000:.1f} ms"
        )
        cpu_before, tries_before = tree_cpu_seconds(processes[0].pid), _tries(db)
        if args.mapping_only:
            _mapping_case(db, config, args.repeat)
            return
        latencies = [_one_run(db, config, "one_task") for _ in range(args.latency_runs)]
        ms = [value * 1000 for value in latencies]
        print(
            f"trigger->success, one-task Python DAG: median {statistics.median(ms):.1f} ms"
            f" (min {min(ms):.1f}, max {max(ms):.1f}, n={len(ms)})"
        )
        if args.latency_only:
            return
        for name, count in (("fanout_100", 100), ("fanout_1000", 1000)):
            rates = [count / _one_run(db, config, name) for _ in range(args.repeat)]
            print(
                f"{count}-task fan-out: median {statistics.median(rates):.0f} tasks/s "
                f"(runs: {', '.join(f'{r:.0f}' for r in rates)})"
            )
        rates = [_many_runs(db, config, 20) for _ in range(args.repeat)]
        print(
            f"20 one-task runs triggered at once: median {statistics.median(rates):.0f} runs/s "
            f"(runs: {', '.join(f'{r:.0f}' for r in rates)})"
        )
        _mapping_case(db, config, args.repeat)
        cpu = tree_cpu_seconds(processes[0].pid) - cpu_before
        tries = _tries(db) - tries_before
        print(
            f"scheduler process tree (scheduler, runner host, zygotes, tries): "
            f"{cpu * 1000 / tries:.2f} ms CPU per task ({tries:,} tasks)"
        )
        print(describe(statsd))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)
        db.dispose()
        if pg_name:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print("kept", home)


def _mapping_case(db, config, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """One task mapped over 1,000 items against 1,000 static tasks, runs interleaved."""
    rates: dict[str, list[float]] = {"fanout_1000": [], "mapped_1000": []}
    for _ in range(repeat):
        for name, found in rates.items():
            found.append(1000 / _one_run(db, config, name))
    static = statistics.median(rates["fanout_1000"])
    mapped = statistics.median(rates["mapped_1000"])
    for label, name in (
        ("1000 static tasks", "fanout_1000"),
        ("1 task x 1000 mapped", "mapped_1000"),
    ):
        print(
            f"{label}: median {statistics.median(rates[name]):.0f} tasks/s "
            f"(runs: {', '.join(f'{r:.0f}' for r in rates[name])})"
        )
    print(f"mapped / static fan-out rate: {mapped / static:.2f}")
    shaped: dict[str, list[float]] = {"pairs_500x2": [], "mapped_group_500x2": []}
    for _ in range(repeat):
        for name, found in shaped.items():
            found.append(1000 / _one_run(db, config, name))
    for label, name in (
        ("500 static pairs (a >> b)", "pairs_500x2"),
        ("1 mapped group x 500 (a >> b)", "mapped_group_500x2"),
    ):
        print(
            f"{label}: median {statistics.median(shaped[name]):.0f} tasks/s "
            f"(runs: {', '.join(f'{r:.0f}' for r in shaped[name])})"
        )
    ratio = statistics.median(shaped["mapped_group_500x2"]) / statistics.median(
        shaped["pairs_500x2"]
    )
    print(f"mapped group / static pairs rate: {ratio:.2f}")


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(statement)


_counter = [0]


def _trigger(db, config, dag_id):  # type: ignore[no-untyped-def]
    from tradewind.operations.dag_runs import trigger_dag

    _counter[0] += 1
    return trigger_dag(
        db,
        dag_id,
        run_id=f"bench_{_counter[0]}",
        actor="bench",
        config=config,
        replace_microseconds=False,
    ).run_id


def _wait(db, dag_id, run_ids, timeout=300.0):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tradewind.db.models import DagRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read_session() as session:
            rows = session.execute(
                select(DagRun.state, DagRun.queued_at, DagRun.end_date).where(
                    DagRun.dag_id == dag_id, DagRun.run_id.in_(run_ids)
                )
            ).all()
        if rows and all(r.state in ("success", "failed") for r in rows):
            bad = [r for r in rows if r.state != "success"]
            if bad:
                raise SystemExit(f"{len(bad)} run(s) of {dag_id} failed")
            return rows
        # Durations come from the runs' own timestamps, so how often this loop looks does
        # not change them; looking every 2 ms took a sixth of the machine's CPU from the
        # processes being measured.
        time.sleep(0.025)
    raise SystemExit(f"timed out waiting for {dag_id}")


def _one_run(db, config, dag_id) -> float:  # type: ignore[no-untyped-def]
    run_id = _trigger(db, config, dag_id)
    (row,) = _wait(db, dag_id, [run_id])
    return (row.end_date - row.queued_at).total_seconds()


def _warm(db, config) -> float:  # type: ignore[no-untyped-def]
    """Two runs; the first one's trigger->success (it starts the runner host's processes)."""
    first = _one_run(db, config, "one_task")
    _one_run(db, config, "one_task")
    return first


def _tries(db) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from tradewind.db.models import TaskInstance

    with db.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(TaskInstance)) or 0)


def _many_runs(db, config, count: int) -> float:  # type: ignore[no-untyped-def]
    run_ids = [_trigger(db, config, "one_task") for _ in range(count)]
    rows = _wait(db, "one_task", run_ids)
    span = max(r.end_date for r in rows) - min(r.queued_at for r in rows)
    return count / span.total_seconds()


if __name__ == "__main__":
    main()
