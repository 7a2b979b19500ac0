"""Benchmark: the memory of ``tradewind standalone``, process by process.

Starts ``tradewind standalone`` on a temporary home (SQLite), waits until it is idle, and
prints the PSS (proportional set size, from /proc/<pid>/smaps_rollup: shared pages are
split between the processes that share them, so the column adds up) and the command line
of every process in its tree, then the total. Then it triggers runs of a one-task DAG over
the API, waits until all succeed, and prints the table again.

    python benchmarks/footprint.py                    # 30 s idle, then 1,000 runs
    python benchmarks/footprint.py --idle 5 --runs 100
    python benchmarks/footprint.py --env TRADEWIND__WEBSERVER__WORKERS=2
    python benchmarks/footprint.py --env TRADEWIND__TRIGGERER__STANDALONE_IN_WEBSERVER=False

Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
DAG_FILE = """\
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("footprint", start_date=datetime(2020, 1, 1), schedule=None, max_active_runs=64) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    depth: int
    pss_kib: int
    private_kib: int
    command: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Direct children, from every thread's ``children`` file (Linux >= 3.5)."""
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
            found.extend(int(child) for child in text.split())
    except OSError:
        pass
    return sorted(set(found))


def memory_kib(pid: int) -> tuple[int, int]:
    """PSS, and the private part of it (pages no other process maps), in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Pss"], fields["Private_Clean"] + fields["Private_Dirty"]


def command_line(pid: int) -> str:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    text = " ".join(part.decode(errors="replace") for part in raw)
    if "tradewind/supervision.py" in text or "from tradewind.supervision import" in text:
        return "standalone's supervisor (tradewind.supervision)"
    name = Path(f"/proc/{pid}/comm").read_text().strip()
    if name.startswith("tw-"):  # a forked child of standalone names itself so
        return f"[{name}] {text}"
    # Our own children run ``python -c "...main()" <command>``: show just the command.
    return re.sub(
        r"^\S*python\S* -c (import sys; )?from tradewind.cli import main; main\(\)", "tw", text
    )


def tree(root: int, depth: int = 0) -> list[ProcessMemory]:
    try:
        row = ProcessMemory(root, depth, *memory_kib(root), command_line(root))
    except OSError:
        return []
    rows = [row]
    for child in children_of(root):
        rows.extend(tree(child, depth + 1))
    return rows


def report(title: str, root: int) -> int:
    rows = tree(root)
    total = sum(row.pss_kib for row in rows)
    print(f"\n{title}: {len(rows)} processes, {total / 1024:.1f} MiB PSS in total")
    print(f"  {'pid':>7} {'PSS MiB':>8} {'private':>8}  command")
    for row in rows:
        name = ("  " * row.depth + row.command)[:100]
        print(f"  {row.pid:>7} {row.pss_kib / 1024:>8.1f} {row.private_kib / 1024:>8.1f}  {name}")
    return total


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"standalone exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def wait_for_dag(client: httpx.Client, api: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get(f"{api}/dags/footprint/paused/false").status_code == 200:
            return
        time.sleep(0.5)
    raise SystemExit("the DAG was not parsed in time")


def trigger_and_wait(client: httpx.Client, api: str, runs: int) -> float:
    """Trigger ``runs`` runs one after another, then poll until every one has succeeded."""
    started = time.perf_counter()
    for index in range(runs):
        body = {"run_id": f"fp_{index}", "replace_microseconds": "false"}
        response = client.post(f"{api}/dags/footprint/dag_runs", content=json.dumps(body))
        response.raise_for_status()
    pending = set(range(runs))
    while pending:
        for index in sorted(pending):
            state = client.get(f"{api}/dags/footprint/dag_runs/fp_{index}").json()["state"]
            if state == "failed":
                raise SystemExit(f"run fp_{index} failed")
            if state != "success":
                break
            pending.discard(index)
        if pending:
            if time.perf_counter() - started > 30 + runs:
                raise SystemExit(f"{len(pending)} runs did not finish in time")
            time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=30, help="seconds idle before measuring")
    parser.add_argument("--runs", type=int, default=1000, help="one-task runs to trigger")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for standalone (repeatable)"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="tw_footprint_"))
    (home / "dags").mkdir()
    (home / "dags" / "footprint.py").write_text(DAG_FILE)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    env.update(dict(item.split("=", 1) for item in args.env))
    standalone = subprocess.Popen(
        [*TRADEWIND, "standalone", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api/experimental"
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", standalone)
        with httpx.Client(timeout=30) as client:
            wait_for_dag(client, api)
            time.sleep(args.idle)
            idle = report(f"standalone after {args.idle:.0f} s idle", standalone.pid)
            if args.runs:
                took = trigger_and_wait(client, api, args.runs)
                busy = report(
                    f"after {args.runs:,} one-task runs (all succeeded in {took:.0f} s)",
                    standalone.pid,
                )
                print(f"\nidle {idle / 1024:.1f} MiB -> after runs {busy / 1024:.1f} MiB")
    finally:
        if standalone.poll() is None:
            standalone.send_signal(signal.SIGTERM)
            try:
                standalone.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(standalone.pid, signal.SIGKILL)
                standalone.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
