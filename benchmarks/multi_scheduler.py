"""Several schedulers on PostgreSQL: one against two, on 2,000 scheduled DAGs.

Writes a DAG folder of ``--dags`` DAGs, ``--dags-per-file`` to a file (a runner host keeps
one warm zygote per DAG file, so 2,000 files would be 2,000 interpreters per scheduler),
each of two Python tasks (``a >> b``) on ``@daily`` with ``catchup`` between two fixed dates,
so each DAG has ``--runs-per-dag`` runs to create the moment it is unpaused (the dates are
in the past: the clock does not change the workload). For each scheduler count it creates
a throw-away PostgreSQL database on 127.0.0.1:5432, syncs the folder (DAGs paused), starts
the schedulers (LocalExecutor, ``--parallelism`` each), waits until all of them have
started, unpauses every DAG in one statement and wakes them, and waits until every run has
finished. Then it drops the database.

    python benchmarks/multi_scheduler.py                    # 2,000 DAGs, 1 then 2 schedulers
    python benchmarks/multi_scheduler.py --repeat 2         # 1, 2, 1, 2
    python benchmarks/multi_scheduler.py --dags 200 --schedulers 2

Figures per round: runs created, tries finished, the time from the unpause to the last
run's ``end_date`` (timestamps written by the schedulers), runs/s, tasks/s, and the CPU
seconds of each scheduler's process tree (scheduler, runner host, zygote, tries) read from
/proc: wall-clock on a shared 2-core machine measures the neighbours too, CPU time much less.

Duplicates, checked in SQL after each round: two ``dag_run`` rows for one
(dag_id, execution_date); a task instance whose ``try_number`` is not 1 or that has a
``task_instance_history`` row (both mean a second try); and, from outside the database,
a line each task appends to a file when its code runs (``O_APPEND``): no (run, task) may
appear twice. Each round also shows how the tries were split between the schedulers
(``queued_by_job_id``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from metrics_switch import tree_cpu_seconds

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

DAG_TEMPLATE = """\
import os
from datetime import datetime

from tradewind import DAG
from tradewind.operators.python import PythonOperator

RAN = {ran!r}


def work(dag_run=None, task_instance=None):
    line = f"{{dag_run.run_id}} {{task_instance.dag_id}} {{task_instance.task_id}}\\n"
    fd = os.open(RAN, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


for index in range({first}, {end}):
    with DAG(
        f"multi_{{index:04d}}",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        end_date=datetime(2024, 1, {last_day}),
        catchup=True,
        max_active_runs=16,
    ) as dag:
        PythonOperator(task_id="a", python_callable=work) >> PythonOperator(
            task_id="b", python_callable=work
        )
    globals()[dag.dag_id] = dag
"""


@dataclass
class Round:
    schedulers: int
    runs: int
    tries: int
    seconds: float
    cpu: list[float]
    split: list[int]
    duplicate_runs: int
    retried: int
    history_rows: int
    ran_twice: int
    ran_lines: int

    def line(self) -> str:
        cpu = " + ".join(f"{c:.1f}" for c in self.cpu)
        split = " / ".join(f"{n:,}" for n in self.split)
        return (
            f"{self.schedulers} scheduler(s): {self.runs:,} runs, {self.tries:,} tries in "
            f"{self.seconds:.1f} s = {self.runs / self.seconds:.1f} runs/s, "
            f"{self.tries / self.seconds:.1f} tasks/s; CPU s per scheduler tree {cpu}; "
            f"tries per scheduler {split}"
        )

    def duplicates(self) -> str:
        return (
            f"  duplicates: {self.duplicate_runs} (dag_id, execution_date) with 2+ runs, "
            f"{self.retried} tries with try_number != 1, {self.history_rows} task instances "
            f"with 2+ task_instance_history rows, {self.ran_twice} (run, task) that ran twice "
            f"({self.ran_lines:,} task lines)"
        )

    @property
    def clean(self) -> bool:
        return not (self.duplicate_runs or self.retried or self.history_rows or self.ran_twice)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, default=2000)
    parser.add_argument("--runs-per-dag", type=int, default=1)
    parser.add_argument(
        "--dags-per-file",
        type=int,
        default=100,
        help="DAGs defined by one file (a runner host keeps a warm zygote per DAG file).",
    )
    parser.add_argument("--parallelism", type=int, default=16, help="Per scheduler.")
    parser.add_argument(
        "--schedulers", default="1,2", help="Scheduler counts to compare, in this order."
    )
    parser.add_argument("--repeat", type=int, default=1, help="Rounds of each count.")
    parser.add_argument("--timeout", type=float, default=900.0, help="Seconds per round.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home.")
    args = parser.parse_args()
    if not 1 <= args.runs_per_dag <= 28:
        parser.error("--runs-per-dag must be between 1 and 28")

    home = Path(tempfile.mkdtemp(prefix="tw_multi_"))
    dags = home / "dags"
    dags.mkdir()
    for first in range(0, args.dags, args.dags_per_file):
        source = DAG_TEMPLATE.format(
            first=first,
            end=min(first + args.dags_per_file, args.dags),
            ran=str(home / "ran.txt"),
            last_day=args.runs_per_dag,
        )
        (dags / f"multi_{first:04d}.py").write_text(source)
    counts = [int(n) for n in args.schedulers.split(",")] * args.repeat
    print(
        f"Tradewind, several schedulers on PostgreSQL: {args.dags:,} DAGs x "
        f"{args.runs_per_dag} run(s) x 2 Python tasks ({args.dags_per_file} DAGs a file), "
        f"LocalExecutor, parallelism {args.parallelism} per scheduler, {os.cpu_count()} CPUs"
    )
    rounds: list[Round] = []
    try:
        for count in counts:
            found = _round(home, count, args)
            rounds.append(found)
            print(found.line(), flush=True)
            print(found.duplicates(), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print("kept", home)
    _summary(rounds)


def _summary(rounds: list[Round]) -> None:
    by_count: dict[int, list[Round]] = {}
    for found in rounds:
        by_count.setdefault(found.schedulers, []).append(found)
    print("summary (best round of each count):")
    for count, found in by_count.items():
        best = min(found, key=lambda r: r.seconds)
        print(
            f"  {count} scheduler(s): {best.runs / best.seconds:.1f} runs/s, "
            f"{best.tries / best.seconds:.1f} tasks/s, {sum(best.cpu):.1f} CPU s in all"
        )
    clean = all(found.clean for found in rounds)
    print("no duplicate in any round" if clean else "DUPLICATES FOUND")
    if not clean:
        raise SystemExit(1)


def _round(home: Path, count: int, args: argparse.Namespace) -> Round:
    name = f"tw_multi_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    (home / "ran.txt").unlink(missing_ok=True)
    logs = home / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__DAGS_FOLDER": str(home / "dags"),
            "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            ),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "TRADEWIND__CORE__EXECUTOR": "LocalExecutor",
            "TRADEWIND__CORE__PARALLELISM": str(args.parallelism),
            "TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
            "TRADEWIND__LOGGING__BASE_LOG_FOLDER": str(logs),
        }
    )
    from tradewind.config import load_config
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.engine import Database
    from tradewind.db.schema import migrate

    config = load_config(env)
    db = Database.from_config(config)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        migrate(db)
        report = sync_dag_folder(config, db)
        if report.import_errors:
            raise SystemExit(f"import errors: {report.import_errors}")
        for n in range(count):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", "from tradewind.cli import main; main()", "scheduler"],
                    env=env,
                    stdout=open(home / f"scheduler{n}.log", "wb"),  # noqa: SIM115 (per round)
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_started(db, home, count, processes)
        cpu_before = [tree_cpu_seconds(p.pid) for p in processes]
        started = datetime.now(UTC)
        _unpause_all(db, config)
        expected = args.dags * args.runs_per_dag
        last_end = _wait_finished(db, expected, args.timeout, processes)
        cpu = [tree_cpu_seconds(p.pid) - b for p, b in zip(processes, cpu_before, strict=True)]
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        return _check(db, home, count, (last_end - started).total_seconds(), cpu)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        db.dispose()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _wait_started(db, home: Path, count: int, processes) -> None:  # type: ignore[no-untyped-def]
    """Until every scheduler logged that it started (its job row exists, its loop runs)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"a scheduler exited early; see {home}/scheduler*.log")
        logs = [(home / f"scheduler{n}.log").read_text(errors="replace") for n in range(count)]
        if all("Scheduler started" in text for text in logs):
            time.sleep(1.0)  # the first (idle) passes and the start-up DAG folder sync
            return
        time.sleep(0.2)
    raise SystemExit("the schedulers did not start within 120 s")


def _unpause_all(db, config) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from tradewind.db.models import DagModel
    from tradewind.db.wakeup import notify_scheduler

    with db.session() as session:
        session.execute(update(DagModel).values(is_paused=False))
    notify_scheduler(db, config)


def _wait_finished(db, expected: int, timeout: float, processes) -> datetime:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from tradewind.db.models import DagRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit("a scheduler exited during the round")
        with db.read_session() as session:
            done, last = session.execute(
                select(func.count(), func.max(DagRun.end_date)).where(
                    DagRun.state.in_(("success", "failed"))
                )
            ).one()
        if done >= expected:
            return last  # type: ignore[no-any-return]
        time.sleep(0.5)  # durations come from the runs' own timestamps, not from this loop
    raise SystemExit(f"timed out: {done} of {expected} runs finished")


def _check(db, home: Path, count: int, seconds: float, cpu: list[float]) -> Round:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with db.read_session() as session:

        def scalar(sql: str) -> int:
            return int(session.execute(text(sql)).scalar() or 0)

        runs = scalar("SELECT count(*) FROM dag_run")
        failed = scalar("SELECT count(*) FROM dag_run WHERE state <> 'success'")
        if failed:
            raise SystemExit(f"{failed} runs did not succeed; see {home}")
        tries = scalar("SELECT count(*) FROM task_instance WHERE state = 'success'")
        duplicate_runs = scalar(
            "SELECT count(*) FROM (SELECT dag_id, execution_date FROM dag_run "
            "GROUP BY dag_id, execution_date HAVING count(*) > 1) AS d"
        )
        retried = scalar("SELECT count(*) FROM task_instance WHERE try_number <> 1")
        history = scalar(  # one row per try ended: two for one task instance = a 2nd try
            "SELECT count(*) FROM (SELECT 1 FROM task_instance_history "
            "GROUP BY dag_id, run_id, task_id, map_index HAVING count(*) > 1) AS h"
        )
        split = [
            int(n)
            for n in session.execute(
                text(
                    "SELECT count(*) FROM task_instance GROUP BY queued_by_job_id "
                    "ORDER BY queued_by_job_id"
                )
            ).scalars()
        ]
    lines = (home / "ran.txt").read_text().splitlines()
    ran_twice = sum(1 for n in Counter(lines).values() if n > 1)
    return Round(
        schedulers=count,
        runs=runs,
        tries=tries,
        seconds=seconds,
        cpu=cpu,
        split=split,
        duplicate_runs=duplicate_runs,
        retried=retried,
        history_rows=history,
        ran_twice=ran_twice,
        ran_lines=len(lines),
    )


if __name__ == "__main__":
    main()
