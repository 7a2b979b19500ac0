"""Where a fan-out try's CPU goes: per process of the scheduler's tree, per task.

Starts a real ``tradewind scheduler`` (LocalExecutor, SQLite) on a temporary home with
``benchmarks/scheduler_bench.py``'s DAGs, warms it up, then runs one fan-out and reads
each process's CPU (user + kernel, ``/proc/<pid>/stat``) before and after: the
scheduler, its runner host, the zygotes (their own side of ``fork()``), and the tries
(the CPU of the children a zygote reaped). Printed in milliseconds per task, with the
minor page faults per task beside it (a count, so it does not vary with the machine's load
as CPU time does), and the share of that CPU spent in the kernel (``stime``: forks, exits,
copy-on-write page faults, file creation) rather than in Python.

    python benchmarks/fanout_cpu.py                 # fanout_1000
    python benchmarks/fanout_cpu.py --dag fanout_100
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import scheduler_bench

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
TASKS = {"fanout_100": 100, "fanout_1000": 1000}


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        found += [
            int(child) for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        ]
    return found


Usage = tuple[float, float, int, int, float, float]


def cpu_tree(pid: int, role: str = "scheduler") -> dict[tuple[int, str], Usage]:
    """(pid, role) -> (own CPU ms, CPU ms of the children it reaped, own minor page faults,
    those of the children it reaped, own kernel CPU ms, the reaped children's), for the
    whole tree."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return {}
    minflt, cminflt, utime, stime, cutime, cstime = (
        int(fields[index]) for index in (7, 8, 11, 12, 13, 14)
    )
    role = "zygote (fork side)" if b"tradewind.execution.zygote" in command else role
    rows = {
        (pid, role): (
            (utime + stime) * TICK_MS,
            (cutime + cstime) * TICK_MS,
            minflt,
            cminflt,
            stime * TICK_MS,
            cstime * TICK_MS,
        )
    }
    for child in children_of(pid):
        rows.update(cpu_tree(child, "runner host" if role == "scheduler" else f"{role} child"))
    return rows


def _row(name: str, cpu: float, faults: float, kernel: float, tasks: int) -> str:
    share = f"{kernel / cpu:4.0%}" if cpu else "   -"
    return f"  {name:<20} {cpu / tasks:6.2f} ms {faults / tasks:7.0f} faults  {share} in kernel"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dag", choices=sorted(TASKS), default="fanout_1000")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tw_fanout_cpu_"))
    (home / "dags").mkdir()
    for name, source in scheduler_bench.DAGS.items():
        (home / "dags" / f"{name}.py").write_text(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "TRADEWIND__CORE__PARALLELISM": "64",
            "TRADEWIND__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
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
    sync_dag_folder(config, db)
    scheduler = subprocess.Popen(
        [sys.executable, "-c", "from tradewind.cli import main; main()", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)
        scheduler_bench._warm(db, config)
        scheduler_bench._one_run(db, config, "fanout_100")
        before = cpu_tree(scheduler.pid)
        took = scheduler_bench._one_run(db, config, args.dag)
        after = cpu_tree(scheduler.pid)
        tasks = TASKS[args.dag]
        print(f"{args.dag}: {tasks / took:.0f} tasks/s; CPU and page faults per task, by process:")
        total = total_kernel = 0.0
        total_faults = 0
        for key, usage in after.items():
            was = before.get(key, (0.0, 0.0, 0, 0, 0.0, 0.0))
            own, reaped, faults, reaped_faults, kernel, reaped_kernel = (
                now - then for now, then in zip(usage, was, strict=True)
            )
            if own or reaped:
                total += own + reaped
                total_kernel += kernel + reaped_kernel
                total_faults += int(faults + reaped_faults)
                print(_row(key[1], own, faults, kernel, tasks))
                if reaped:
                    print(_row("tries (its children)", reaped, reaped_faults, reaped_kernel, tasks))
        cpus = f"  ({os.cpu_count()} CPUs)"
        print(_row("total", total, total_faults, total_kernel, tasks) + cpus)
    finally:
        scheduler.terminate()
        scheduler.wait(20)
        db.dispose()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
