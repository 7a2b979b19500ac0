"""Deferrals at scale: N deferred sensors waiting at once on one triggerer.

Starts a real ``tradewind scheduler`` (LocalExecutor) and one ``tradewind triggerer`` against a
temporary home (``[triggerer] capacity`` = N), triggers one run of a DAG of N
``DateTimeSensorAsync`` tasks whose target
times are spread evenly over ``--spread`` seconds, starting ``--lead`` seconds after the
trigger (time enough for every sensor to start and defer). It prints:

* how long it took for all N to be deferred;
* executor slots in use while they all wait (task instances queued or running), sampled;
* the triggerer's resident memory (VmRSS), largest sample while waiting and firing;
* resume lateness, median and p99, after each sensor's target time: when its task instance
  left ``deferred`` (the trigger fired and the task is ``scheduled`` again: stamped exactly,
  by the database's clock, by a row trigger this benchmark adds to ``task_instance``), when
  it was handed to the executor (``queued_dttm``) and when the resumed try's code started.
  The last two include waiting for a free executor slot: with thousands of sensors due
  within a minute they measure the executor's throughput, not the triggerer.

    python benchmarks/deferrals.py                     # 5000 sensors, SQLite
    python benchmarks/deferrals.py --postgres          # PostgreSQL at 127.0.0.1:5432
    python benchmarks/deferrals.py -n 500 --lead 30    # a quick look
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.deferrable_sensors import DateTimeSensorAsync

N, SPREAD = {n}, {spread}
TARGET = ("{{{{ (macros.datetime.fromisoformat(dag_run.conf['start'])"
          " + macros.timedelta(seconds=%r)).isoformat() }}}}")

with DAG("deferrals", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=N):
    for i in range(N):
        DateTimeSensorAsync(task_id=f"s{{i}}", target_time=TARGET % (SPREAD * i / N))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="Deferred sensors (default 5000).")
    parser.add_argument("--spread", type=float, default=60.0, help="Seconds the targets span.")
    parser.add_argument("--lead", type=float, default=None, help="Default: n/15 + 20 seconds.")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--parallelism", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home.")
    args = parser.parse_args()
    lead = args.lead if args.lead is not None else args.n / 15 + 20

    home = Path(tempfile.mkdtemp(prefix="tw_defer_"))
    (home / "dags").mkdir()
    (home / "dags" / "deferrals.py").write_text(
        textwrap.dedent(DAG.format(n=args.n, spread=args.spread))
    )
    pg_name = None
    if args.postgres:
        pg_name = f"tw_defer_{uuid.uuid4().hex[:8]}"
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
            "TRADEWIND__CORE__PARALLELISM": str(args.parallelism),
            "TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
            # One triggerer holds them all (Airflow's default capacity is 1,000 a process;
            # beyond it, triggers wait unclaimed for a second triggerer).
            "TRADEWIND__TRIGGERER__CAPACITY": str(args.n),
        }
    )
    os.environ.update(env)

    from tradewind.config import load_config
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.engine import Database
    from tradewind.db.schema import migrate

    config = load_config(env)
    db = Database.from_config(config)
    migrate(db)
    _stamp_resumes(db)
    sync_dag_folder(config, db)
    tradewind = [sys.executable, "-c", "from tradewind.cli import main; main()"]
    processes = {
        name: subprocess.Popen(
            [*tradewind, name],
            env=env,
            stdout=open(home / f"{name}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for name in ("scheduler", "triggerer")
    }
    try:
        time.sleep(2)
        kind = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"Tradewind deferral benchmark: {args.n} DateTimeSensorAsync, {kind}, "
            f"LocalExecutor (parallelism {args.parallelism}), one triggerer"
        )
        _run(db, config, args.n, args.spread, lead, processes["triggerer"].pid)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(30)
        db.dispose()
        if pg_name:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print("kept", home)


def _run(db, config, n: int, spread: float, lead: float, triggerer_pid: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select, text

    from tradewind.db.models import DagRun, TaskInstance
    from tradewind.operations.dag_runs import trigger_dag

    triggered = time.monotonic()
    start = datetime.now(UTC) + timedelta(seconds=lead)
    run = trigger_dag(
        db,
        "deferrals",
        run_id="bench",
        conf={"start": start.isoformat()},
        actor="bench",
        config=config,
        replace_microseconds=False,
    )

    def count(*states: str) -> int:
        with db.read_session() as session:
            return int(
                session.scalar(
                    select(func.count()).where(
                        TaskInstance.run_id == run.run_id, TaskInstance.state.in_(states)
                    )
                )
                or 0
            )

    rss: list[int] = []
    while count("deferred") < n:
        rss.append(_rss_kib(triggerer_pid))
        if datetime.now(UTC) >= start:
            print(f"only {count('deferred')} of {n} deferred before the first target: use --lead")
            break
        time.sleep(0.5)
    print(f"all {n} deferred {time.monotonic() - triggered:.1f} s after the trigger")
    slots: list[int] = []
    while datetime.now(UTC) < start - timedelta(seconds=1):
        slots.append(count("queued", "running"))
        rss.append(_rss_kib(triggerer_pid))
        time.sleep(0.5)
    print(
        f"executor slots used while all waited: max {max(slots, default=0)} ({len(slots)} samples)"
    )
    deadline = start + timedelta(seconds=spread + 1200)
    state = None
    while datetime.now(UTC) < deadline:
        rss.append(_rss_kib(triggerer_pid))
        with db.read_session() as session:
            state = session.scalar(select(DagRun.state).where(DagRun.run_id == run.run_id))
        if state in ("success", "failed"):
            break
        time.sleep(0.5)
    print(f"run ended {state}; triggerer RSS: max {max(rss) / 1024:.0f} MiB")
    with db.read_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.queued_dttm, TaskInstance.start_date).where(
                TaskInstance.run_id == run.run_id
            )
        ).all()
        resumed_at = {
            task_id: _aware(at)
            for task_id, at in session.execute(text("SELECT task_id, at FROM bench_resume"))
        }
    resumed, queued, started = [], [], []
    for task_id, queued_dttm, start_date in rows:
        target = start + timedelta(seconds=spread * int(task_id[1:]) / n)
        if task_id in resumed_at:
            resumed.append((resumed_at[task_id] - target).total_seconds())
        if queued_dttm is not None:
            queued.append((queued_dttm - target).total_seconds())
        if start_date is not None:
            started.append((start_date - target).total_seconds())
    for what, values in (
        ("trigger fired, task back to scheduled", resumed),
        ("handed to the executor", queued),
        ("its code running again", started),
    ):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")
        print(
            f"resume lateness ({what}): median {statistics.median(values):.3f} s, "
            f"p99 {p99:.3f} s, max {values[-1]:.3f} s (n={len(values)})"
        )


def _stamp_resumes(db) -> None:  # type: ignore[no-untyped-def]
    """A row trigger stamps when each task instance first leaves ``deferred``."""
    from sqlalchemy import text

    if db.dialect == "postgresql":
        statements = [
            "CREATE TABLE bench_resume (task_id TEXT PRIMARY KEY, at TIMESTAMPTZ)",
            """CREATE FUNCTION bench_stamp() RETURNS trigger AS $$ BEGIN
                 INSERT INTO bench_resume VALUES (NEW.task_id, clock_timestamp())
                 ON CONFLICT DO NOTHING; RETURN NEW; END $$ LANGUAGE plpgsql""",
            """CREATE TRIGGER bench_stamp AFTER UPDATE OF state ON task_instance FOR EACH ROW
                 WHEN (OLD.state = 'deferred' AND NEW.state IS DISTINCT FROM 'deferred')
                 EXECUTE FUNCTION bench_stamp()""",
        ]
    else:
        statements = [
            "CREATE TABLE bench_resume (task_id TEXT PRIMARY KEY, at TEXT)",
            """CREATE TRIGGER bench_stamp AFTER UPDATE OF state ON task_instance FOR EACH ROW
                 WHEN OLD.state = 'deferred' AND NEW.state IS NOT 'deferred' BEGIN
                 INSERT OR IGNORE INTO bench_resume
                 VALUES (NEW.task_id, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')); END""",
        ]
    with db.session() as session:
        for statement in statements:
            session.execute(text(statement))


def _aware(value) -> datetime:  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(statement)


if __name__ == "__main__":
    main()
