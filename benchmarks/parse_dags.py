"""Benchmark: parse and sync a folder of 1,000 DAG files of 10 tasks each.

Prints the first parse-and-sync time, the re-sync time of the unchanged folder (median of
three), each with its CPU time (the parent's, and the parsing workers' for the first sync),
and peak RSS of this process and of its (forked) parsing workers.

    python benchmarks/parse_dags.py                  # SQLite in a temporary folder
    python benchmarks/parse_dags.py --files 200      # a smaller folder
    python benchmarks/parse_dags.py --postgres postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/parse_dags.py --airflow        # the same files in Airflow's syntax,
                                                     # [core] airflow_compat on
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tradewind.config import load_config
from tradewind.dagfiles.sync import sync_dag_folder
from tradewind.db.engine import Database
from tradewind.db.schema import migrate, reset

DAG_TEMPLATE = """\
from datetime import datetime

from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(
    "bench_{index:04d}",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["benchmark"],
) as dag:
    start = EmptyOperator(task_id="start")
    steps = [
        BashOperator(task_id=f"step_{{n}}", bash_command="echo {{{{ ds }}}} " + str(n))
        for n in range({middle})
    ]
    end = EmptyOperator(task_id="end")
    start >> steps >> end
"""


#: Tradewind import -> the Airflow import a ported DAG file has instead (``--airflow``).
AIRFLOW_IMPORTS = {
    "from tradewind import DAG": "from airflow import DAG",
    "from tradewind.operators.bash": "from airflow.operators.bash",
    "from tradewind.operators.empty": "from airflow.operators.empty",
}


def write_dag_files(folder: Path, count: int, tasks: int, *, airflow: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        text = DAG_TEMPLATE.format(index=index, middle=tasks - 2)
        for ours, theirs in AIRFLOW_IMPORTS.items() if airflow else ():
            text = text.replace(ours, theirs)
        (folder / f"bench_{index:04d}.py").write_text(text)


def cpu_seconds(who: int) -> float:
    """User + system CPU time of this process or of its (waited-for) children: on a shared
    machine a steadier figure than the wall clock."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def max_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--postgres", help="PostgreSQL URL to use instead of SQLite")
    parser.add_argument("--processes", type=int, default=2, help="[core] parsing_processes")
    parser.add_argument(
        "--airflow",
        action="store_true",
        help="write the files with Airflow imports and turn [core] airflow_compat on",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tw-parse-bench-") as tmp:
        home = Path(tmp)
        dags = home / "dags"
        write_dag_files(dags, args.files, args.tasks, airflow=args.airflow)
        url = args.postgres or f"sqlite:///{home / 'tradewind.db'}"
        env = {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__DAGS_FOLDER": str(dags),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__PARSING_PROCESSES": str(args.processes),
            "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url,
            "TRADEWIND__CORE__AIRFLOW_COMPAT": str(args.airflow),
        }
        config = load_config(env)
        database = Database.from_config(config)
        if args.postgres:
            reset(database)
        else:
            migrate(database)

        parent_cpu, workers_cpu = (
            cpu_seconds(resource.RUSAGE_SELF),
            cpu_seconds(resource.RUSAGE_CHILDREN),
        )
        started = time.perf_counter()
        first = sync_dag_folder(config, database)
        first_seconds = time.perf_counter() - started
        parent_cpu = cpu_seconds(resource.RUSAGE_SELF) - parent_cpu
        workers_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - workers_cpu
        if first.import_errors:
            print(f"unexpected import errors: {first.import_errors}", file=sys.stderr)
            return 1

        resync, resync_cpu = [], []
        for _ in range(3):
            started, cpu = time.perf_counter(), time.process_time()
            again = sync_dag_folder(config, database)
            resync.append(time.perf_counter() - started)
            resync_cpu.append(time.process_time() - cpu)
            assert again.files_parsed == 0, again

        database.dispose()
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"DAG files:                 {args.files} x {args.tasks} tasks ({backend})")
        print(f"parsing processes:         {args.processes}")
        print(f"Airflow syntax, compat on: {args.airflow}")
        print(f"first parse-and-sync:      {first_seconds:.2f} s ({len(first.dags_added)} DAGs)")
        print(f"  CPU: parent, workers:    {parent_cpu:.2f} s, {workers_cpu:.2f} s")
        print(f"unchanged re-sync:         {statistics.median(resync):.3f} s (median of 3)")
        print(f"  CPU:                     {statistics.median(resync_cpu):.3f} s (median of 3)")
        print(f"peak RSS parent:           {max_rss_mib(resource.RUSAGE_SELF):.0f} MiB")
        print(f"peak RSS largest worker:   {max_rss_mib(resource.RUSAGE_CHILDREN):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
