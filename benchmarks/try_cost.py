"""What one try costs: wall time, CPU (user and kernel) and page faults, one try at a time.

Sequential and without a scheduler, so the figures are the cost of a try itself. This
script plays the runner host: it claims each try, hands it to a real zygote
(``python -m tradewind.execution.zygote``), waits for the result and records it. The
zygote's own CPU is its side of ``fork()``; its children's CPU and page faults (read from
``/proc/<zygote>/stat`` once it has reaped them) are the tries'. Page faults are counts,
so they do not vary with the machine's load as CPU time does. Three DAG files:

* ``plain``: a Python task that returns a value (the host stores it as XCom);
* ``pulls``: a Python task that pulls an XCom, so its process connects to the database;
  its zygote sets the database code up after the first such try (that try is left out);
* ``wide``: ``plain``'s task beside 1,000 others in one DAG, so a try that walks the whole
  DAG shows (each task it touches is a page copied from the zygote).

    python benchmarks/try_cost.py                 # SQLite in a temporary folder
    python benchmarks/try_cost.py --postgres      # PostgreSQL at 127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

DAGS = {
    "plain": """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("plain", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
""",
    "wide": """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("wide", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
    for index in range(1000):
        PythonOperator(task_id=f"beside_{index}", python_callable=lambda: 1)
""",
    "pulls": """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def pull(ti):
    return ti.xcom_pull(task_ids="t", key="missing")

with DAG("pulls", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=pull)
""",
}
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tw_try_cost_"))
    (home / "dags").mkdir()
    for name, source in DAGS.items():
        (home / "dags" / f"{name}.py").write_text(source)
    pg_name = f"tw_try_cost_{uuid.uuid4().hex[:8]}" if args.postgres else None
    if pg_name:
        _pg(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{home}/tradewind.db"
    env = {
        "TRADEWIND_HOME": str(home),
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url,
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__CORE__TASK_NICENESS": "0",
    }
    try:
        _measure(env, home, args.tries, "PostgreSQL" if pg_name else "SQLite")
    finally:
        if pg_name:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def _measure(env: dict[str, str], home: Path, tries: int, kind: str) -> None:
    from tradewind.config import load_config
    from tradewind.db.engine import Database
    from tradewind.db.models import DagRun, TaskInstance
    from tradewind.db.schema import migrate
    from tradewind.execution.runner_host import (
        assign,
        start_zygote,
        stop_zygote,
        try_message,
        warm_database,
    )
    from tradewind.execution.task_runner import claim_tries, record_results
    from tradewind.execution.try_process import TryResult
    from tradewind.execution.workload import Workload

    config = load_config(env)
    database = Database.from_config(config)
    migrate(database)
    now = datetime.now(UTC)
    with database.session() as session:
        for dag_id, count in (("plain", tries), ("pulls", tries + 1), ("wide", tries)):
            for index in range(count):
                session.add(
                    DagRun(
                        dag_id=dag_id,
                        run_id=f"r{index}",
                        execution_date=now.replace(microsecond=index),
                        state="running",
                        run_type="manual",
                        queued_at=now,
                    )
                )
                session.add(
                    TaskInstance(
                        dag_id=dag_id, run_id=f"r{index}", task_id="t", state="queued", try_number=0
                    )
                )
    database.dispose()
    warm = warm_database(config)

    def through_zygote(dag_id: str, count: int) -> list[tuple[float, ...]]:
        fileloc = str(home / "dags" / f"{dag_id}.py")
        zygote = start_zygote()
        assign(zygote, config, fileloc, None)
        rows = []
        for index in range(count):
            workload = Workload(dag_id, f"r{index}", "t", 1, fileloc)
            ((_, started),), _ = claim_tries(warm, config, [workload])
            before = _proc(zygote.process.pid)
            began = time.perf_counter()
            os.write(zygote.cmd_w, (try_message(config, workload, started) + "\n").encode())
            report = _ended(zygote.out)
            wall = (time.perf_counter() - began) * 1000
            after = _proc(zygote.process.pid)
            outcome = TryResult.from_json(report.result_json)
            record_results(warm, config, [(started, outcome, report.pid)])
            rows.append((wall, *(a - b for a, b in zip(after, before, strict=True))))
        stop_zygote(zygote)
        return rows

    plain = through_zygote("plain", tries)
    pulls = through_zygote("pulls", tries + 1)[1:]  # the first one sets the database up
    wide = through_zygote("wide", tries)
    with database.read_session() as session:
        states = {ti.state for ti in session.query(TaskInstance)}
    if states != {"success"}:
        raise SystemExit(f"tries did not all succeed: {states}")
    print(f"Tradewind try cost: {kind}, {tries} one-task Python tries of each kind, one at a time")
    print("CPU is a mean (the kernel counts it in ticks); wall and page faults are medians")
    print(
        f"  {'':31s} {'wall':>8s} {'zygote CPU':>11s} {'try CPU':>8s} {'try faults':>11s}"
        f" {'zygote faults':>14s}"
    )
    for label, rows in (
        ("zygote, no XCom pull", plain),
        ("zygote, XCom pull (warm)", pulls),
        ("zygote, 1,001-task DAG", wide),
    ):
        wall, zygote_cpu, try_cpu, faults, zygote_faults = zip(*rows, strict=True)
        print(
            f"  {label:31s} {statistics.median(wall):6.2f}ms "
            f"{statistics.mean(zygote_cpu):9.2f}ms {statistics.mean(try_cpu):6.2f}ms "
            f"{statistics.median(faults):11.0f} {statistics.median(zygote_faults):14.0f}"
        )


def _ended(out):  # type: ignore[no-untyped-def]
    """The zygote's report of the try's end (its start report comes first)."""
    from tradewind.execution.zygote_messages import TryEnded, decode

    while True:
        select.select([out.fd], [], [], 30)
        for line in out.read_lines():
            message = decode(line)
            if isinstance(message, TryEnded):
                return message


def _proc(pid: int) -> tuple[float, float, float, float]:
    """(own CPU ms, reaped children's CPU ms, reaped children's minor faults, own minor
    faults) of ``pid``."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the name: state=0 ... minflt=7, cminflt=8, utime=11, stime=12, cutime=13, cstime=14
    own = (int(fields[11]) + int(fields[12])) * TICK_MS
    children = (int(fields[13]) + int(fields[14])) * TICK_MS
    return own, children, float(fields[8]), float(fields[7])


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(statement)


if __name__ == "__main__":
    main()
