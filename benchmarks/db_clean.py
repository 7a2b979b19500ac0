"""``tradewind db clean`` on a large history, with a scheduler running runs throughout.

Seeds finished runs (each with task instances and XComs) into a fresh SQLite (or
PostgreSQL) database, starts ``tradewind scheduler``, then runs ``tradewind db clean``
while this script triggers one-task runs one after another. Prints how long the clean
took, rows per second, and the trigger -> success times of the runs that went through
the clean (against the same before it started): a scheduler stalled by the clean shows
there.

    python benchmarks/db_clean.py                     # 10,000 runs x 10 tasks, SQLite
    python benchmarks/db_clean.py --runs 100000       # a million task instances
    python benchmarks/db_clean.py --postgres postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from tradewind.config import Config, load_config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance, XCom
from tradewind.db.schema import migrate, reset

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
OLD = datetime(2020, 1, 1, tzinfo=UTC)
DAG_FILE = """\
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("live", start_date=datetime(2020, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def seed(database: Database, runs: int, tasks: int) -> None:
    """``runs`` finished runs a minute apart in 2020, ``tasks`` task instances and XComs each."""
    for first in range(0, runs, 1000):
        run_rows, ti_rows, xcom_rows = [], [], []
        for index in range(first, min(first + 1000, runs)):
            when = OLD + timedelta(minutes=index)
            run_id = f"old_{index}"
            run_rows.append(
                {
                    "dag_id": "history",
                    "run_id": run_id,
                    "execution_date": when,
                    "state": "success",
                    "run_type": "manual",
                    "external_trigger": True,
                    "start_date": when,
                    "end_date": when,
                }
            )
            for task in range(tasks):
                key = {"dag_id": "history", "run_id": run_id, "task_id": f"t{task}"}
                ti_rows.append({**key, "state": "success", "start_date": when, "end_date": when})
                xcom_rows.append({**key, "key": "return_value", "value": 1, "timestamp": when})
        with database.session() as session:
            session.execute(insert(DagRun), run_rows)
            session.execute(insert(TaskInstance), ti_rows)
            session.execute(insert(XCom), xcom_rows)


def round_trip(database: Database, config: Config, index: int) -> float:
    from sqlalchemy import select

    from tradewind.operations.dag_runs import trigger_dag

    started = time.perf_counter()
    run_id = f"live_{index}"
    trigger_dag(
        database, "live", run_id=run_id, actor="bench", config=config, replace_microseconds=False
    )
    while True:
        with database.read_session() as session:
            state = session.scalar(
                select(DagRun.state).where(
                    DagRun.dag_id == "live", DagRun.run_id == f"live_{index}"
                )
            )
        if state in ("success", "failed"):
            return time.perf_counter() - started
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--postgres", help="PostgreSQL URL to use (it is reset!)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tw_db_clean_"))
    (home / "dags").mkdir()
    (home / "dags" / "live.py").write_text(DAG_FILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        }
    )
    if args.postgres:
        env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"] = args.postgres
    config = load_config(env)
    database = Database.from_config(config)
    (reset if args.postgres else migrate)(database)
    started = time.perf_counter()
    seed(database, args.runs, args.tasks)
    if args.postgres:  # as autovacuum would soon: plans for the bulk-loaded tables
        with database.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    rows = args.runs * (1 + 2 * args.tasks)
    print(
        f"database: {database.dialect}; seeded {args.runs:,} runs x {args.tasks} tasks "
        f"({rows:,} rows with the XComs) in {time.perf_counter() - started:.0f} s"
    )
    subprocess.run([*TRADEWIND, "dags", "reserialize"], env=env, check=True, capture_output=True)
    scheduler = subprocess.Popen(
        [*TRADEWIND, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(2)
        batch = str(args.batch_size)
        quiet = [round_trip(database, config, index) for index in range(10)]
        clean = subprocess.Popen(
            [*TRADEWIND, "db", "clean", "--older-than", "2021-01-01", "-y", "--batch-size", batch],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = time.perf_counter()
        during = []
        while clean.poll() is None:
            during.append(round_trip(database, config, len(quiet) + len(during)))
        took = time.perf_counter() - started
        out = clean.communicate()[0]
        if clean.returncode:
            raise SystemExit(f"db clean failed ({clean.returncode})")
        print(out.rstrip())
        print(f"db clean (batches of {args.batch_size}): {took:.1f} s, {rows / took:,.0f} rows/s")
        quiet_ms, during_ms = statistics.median(quiet) * 1000, statistics.median(during) * 1000
        print(
            f"trigger -> success before the clean: median {quiet_ms:.0f} ms; "
            f"during it ({len(during)} runs): median {during_ms:.0f} ms, "
            f"max {max(during) * 1000:.0f} ms"
        )
    finally:
        scheduler.terminate()
        scheduler.wait(30)
        database.dispose()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
