"""What one try costs: wall time, CPU (user and kernel) and page faults, one try at a time.

Forks tries from a warm process that imported Tradewind and the DAG file, as the
LocalExecutor's zygote does, but sequentially and without a scheduler, so the figures are
the cost of a try itself, in two shapes:

* *self-recording*: the forked process claims, runs and records its try (what ``tradewind
  tasks run`` does), so it pays for its first database work in copy-on-write page faults;
* *host-claimed*: the runner host's way, where the claim and the record are batched in a
  long-lived process and the forked process only runs the task.

Next to them: the floor, a ``fork()`` of the same warm process whose child exits at once.

    python benchmarks/try_cost.py                 # SQLite in a temporary folder
    python benchmarks/try_cost.py --postgres      # PostgreSQL at 127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("one_task", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tw_try_cost_"))
    (home / "dags").mkdir()
    fileloc = str(home / "dags" / "one_task.py")
    Path(fileloc).write_text(DAG_FILE)
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
        _measure(env, fileloc, args.tries, "PostgreSQL" if pg_name else "SQLite")
    finally:
        if pg_name:
            _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def _measure(env: dict[str, str], fileloc: str, tries: int, kind: str) -> None:
    from tradewind.config import load_config
    from tradewind.dagfiles.loader import load_dags_from_file
    from tradewind.db.engine import Database
    from tradewind.db.models import DagRun, TaskInstance
    from tradewind.db.schema import migrate
    from tradewind.execution.logs import append_line, log_path
    from tradewind.execution.runner_host import (
        fork_claimed_try,
        ready_for_tries,
        warm_database,
        warm_up,
    )
    from tradewind.execution.task_runner import (
        TryResult,
        claim_tries,
        record_results,
        run_in_child,
        starting_line,
    )
    from tradewind.execution.workload import Workload

    config = load_config(env)
    database = Database.from_config(config)
    migrate(database)
    now = datetime.now(UTC)
    with database.session() as session:
        for index in range(2 * tries):
            run_id = f"cost_{index}"
            session.add(
                DagRun(
                    dag_id="one_task",
                    run_id=run_id,
                    execution_date=now.replace(microsecond=index),
                    state="running",
                    run_type="manual",
                    queued_at=now,
                )
            )
            session.add(
                TaskInstance(
                    dag_id="one_task", run_id=run_id, task_id="t", state="queued", try_number=0
                )
            )
    database.dispose()

    warm_up(config)
    warm = warm_database(config)
    loaded = {dag.dag_id: dag for dag in load_dags_from_file(fileloc)}
    ready_for_tries(warm, loaded)  # as a zygote does

    def self_recording(index: int) -> int:
        pid = os.fork()
        if pid == 0:
            code = run_in_child(
                warm,
                config,
                dag_id="one_task",
                run_id=f"cost_{index}",
                task_id="t",
                expected_try=1,
                fileloc=fileloc,
                loaded_dags=loaded,
            )
            os._exit(code)
        return pid

    host_side: list[float] = []

    def host_claimed(index: int) -> int:
        workload = Workload("one_task", f"cost_{index}", "t", 1, fileloc)
        began = time.perf_counter()
        ((_, started),), _ = claim_tries(warm, config, [workload])
        host_side.append((time.perf_counter() - began) * 1000)
        read_end, write_end = os.pipe()
        log = log_path(config, "one_task", f"cost_{index}", "t", started.try_number)
        append_line(log, starting_line(started))  # as the host does before it dispatches
        pid = fork_claimed_try(
            config, warm, started.to_json(), str(log), loaded, write_end, [read_end]
        )
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end) as results:
            outcome = TryResult.from_json(results.read())
        began = time.perf_counter()
        record_results(warm, config, [(started, outcome, pid)])
        host_side[-1] += (time.perf_counter() - began) * 1000
        return -status - 1  # already reaped; _child_cost reads this as the exit status

    floor = [_child_cost(_fork_and_exit) for _ in range(tries)]
    own = [_child_cost(lambda index=index: self_recording(index)) for index in range(tries)]
    claimed = [
        _child_cost(lambda index=index: host_claimed(index)) for index in range(tries, 2 * tries)
    ]
    with database.read_session() as session:
        states = {ti.state for ti in session.query(TaskInstance)}
    if states != {"success"}:
        raise SystemExit(f"tries did not all succeed: {states}")
    rss = Path("/proc/self/status").read_text().split("VmRSS:")[1].splitlines()[0].strip()
    print(f"Tradewind try cost: {kind}, {tries} one-task Python tries, one at a time")
    print(f"warm process: {rss} resident; CPU is a mean (the kernel counts it in ticks)")
    shapes = (
        ("fork + exit (floor)", floor),
        ("self-recording try", own),
        ("host-claimed try", claimed),
    )
    for label, rows in shapes:
        wall, user, system, faults = zip(*rows, strict=True)
        print(
            f"  {label:20s} median wall {statistics.median(wall):6.2f} ms   "
            f"child CPU user {statistics.mean(user):5.2f} ms "
            f"+ kernel {statistics.mean(system):5.2f} ms   "
            f"median page faults {statistics.median(faults):5.0f}"
        )
    print(
        f"  host-claimed: claim + record in the host, median {statistics.median(host_side):.2f} ms"
    )


def _fork_and_exit() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return pid


def _child_cost(start) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """(wall ms, child user ms, child kernel ms, child minor faults) of one child."""
    before = os.times()
    faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    began = time.perf_counter()
    pid = start()
    if pid < 0:  # reaped by ``start`` itself; -status - 1
        status = -pid - 1
    else:
        _, status = os.waitpid(pid, 0)
    wall = (time.perf_counter() - began) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"a child exited with status {status}")
    after = os.times()
    return (
        wall,
        (after.children_user - before.children_user) * 1000,
        (after.children_system - before.children_system) * 1000,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - faults,
    )


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(statement)


if __name__ == "__main__":
    main()
