"""The floor under a try on this machine: a zygote's bare fork, and a try's log files.

Every try runs in its own process, forked from a warm zygote, as every Airflow task runs
in its own process. Whatever Tradewind does, each try costs at least:

* **the fork itself**: ``fork()`` copies the page tables of the zygote's private memory, the
  child's runtime writes (so copies) a few hundred of its pages before the first line of a
  try, and its exit frees them all; this script warms a zygote as the real one does, then
  forks children that do nothing but ``os._exit(0)``;
* **its log files**: the try's folder and file (Airflow's layout, one folder per task and
  run, one file per try), made in the temporary folder (where the benchmarks keep their
  homes) and, for comparison, on ``/dev/shm`` (tmpfs).

It prints CPU per try (user and kernel, from ``os.times``), minor page faults, and what is
left of a CPU budget per task once the floor is paid (``--target 320`` tasks/s on this
machine's CPUs: issue 20's 100-task fan-out).

    python benchmarks/fork_floor.py
    python benchmarks/fork_floor.py --forks 2000 --files 2000 --target 320
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path


def warm_like_a_zygote() -> None:
    """What a zygote holds before it forks its first try: the try runtime, rehearsed, with
    a loaded DAG's operator classes, its heap frozen."""
    from tradewind.execution import zygote
    from tradewind.operators.python import PythonOperator  # noqa: F401

    zygote.rehearsed()
    zygote.freeze_warm_heap()


def anonymous_kib() -> int:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1])
    return 0


def fork_floor(forks: int) -> dict[str, float]:
    """CPU (ms) and page faults per fork of this process, whose child exits at once."""
    before, faults_before = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    started = time.perf_counter()
    for _ in range(forks):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    took = time.perf_counter() - started
    after, faults_after = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    return {
        "rate": forks / took,
        "parent": (after.user + after.system - before.user - before.system) / forks * 1e3,
        "parent kernel": (after.system - before.system) / forks * 1e3,
        "child": (
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
        / forks
        * 1e3,
        "child kernel": (after.children_system - before.children_system) / forks * 1e3,
        "child faults": (faults_after - faults_before) / forks,
    }


def log_files(folder: Path, tries: int) -> float:
    """CPU (ms) per try to make its task folder and log file and write one line."""
    home = Path(tempfile.mkdtemp(prefix="tw_fork_floor_", dir=folder))
    try:
        before = os.times()
        for index in range(tries):
            task = home / "dag_id=d" / "run_id=r" / f"task_id=t{index}"
            task.mkdir(parents=True)
            with (task / "attempt=1.log").open("a", encoding="utf-8") as handle:
                handle.write("[stamp] {tradewind} INFO - Starting attempt 1 of 1\n")
        after = os.times()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return (after.user + after.system - before.user - before.system) / tries * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forks", type=int, default=1000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--target", type=float, default=320.0, help="tasks/s to budget for")
    args = parser.parse_args()

    warm_like_a_zygote()
    fork_floor(50)  # the first forks also pay for pages the warm-up left unfaulted
    floor = fork_floor(args.forks)
    print(f"a zygote's bare fork ({anonymous_kib() / 1024:.1f} MiB private), {args.forks} times:")
    print(f"  {floor['rate']:,.0f} fork + exit + wait a second on one core")
    print(
        f"  zygote's side {floor['parent']:.2f} ms "
        f"({floor['parent kernel'] / floor['parent']:.0%} in kernel), "
        f"child {floor['child']:.2f} ms ({floor['child kernel'] / floor['child']:.0%} in kernel, "
        f"{floor['child faults']:.0f} page faults)"
    )

    files = {"temporary folder": Path(tempfile.gettempdir())}
    if Path("/dev/shm").is_dir():
        files["/dev/shm (tmpfs)"] = Path("/dev/shm")
    costs = {name: log_files(folder, args.files) for name, folder in files.items()}
    print(f"a try's log folder and file, {args.files} tries:")
    for name, cost in costs.items():
        print(f"  {name:<18} {files[name]}: {cost:.3f} ms CPU per try")

    budget = (os.cpu_count() or 1) / args.target * 1e3
    paid = floor["parent"] + floor["child"] + costs["temporary folder"]
    print(
        f"budget at {args.target:.0f} tasks/s on {os.cpu_count()} CPUs: {budget:.2f} ms per task; "
        f"the floor above takes {paid:.2f} ms ({paid / budget:.0%}), "
        f"leaving {budget - paid:.2f} ms for the scheduler, the runner host and the try's own work"
    )


if __name__ == "__main__":
    main()
