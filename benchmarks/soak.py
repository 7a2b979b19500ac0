"""Benchmark: a soak of ``tradewind standalone`` - memory and latency after many runs.

Starts ``tradewind standalone`` on a throw-away TRADEWIND_HOME, then triggers one-task runs
through the experimental API (``--concurrency`` clients, each triggering a run and polling
it every 10 ms until it succeeds) until ``--runs`` have succeeded. At a tenth of the runs
(the warm-up checkpoint) and at the end it prints the RSS of every Tradewind process (the
standalone supervisor, the scheduler, its runner host and zygotes, the DAG processor, the
webserver and its workers) and the trigger -> success median of the runs just before.
Growth of the total RSS between the two checkpoints is the figure to watch (under 10%).

    python benchmarks/soak.py                    # 10,000 runs, SQLite (a few minutes)
    python benchmarks/soak.py --runs 1000        # a short one
    python benchmarks/soak.py --postgres postgresql://postgres@127.0.0.1:5432/soak
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
DAG_ID = "soak"
DAG_FILE = """\
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("soak", start_date=datetime(2020, 1, 1), schedule=None, max_active_runs=64) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""
#: Runs before each checkpoint whose latencies make its median.
WINDOW = 500


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    role: str
    rss_kb: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc(pid: int, name: str) -> str:
    return Path(f"/proc/{pid}/{name}").read_text(errors="replace")


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(_proc(int(entry.name), "stat").rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def tradewind_processes(root: int) -> list[ProcessMemory]:
    """``root`` (standalone) and everything under it, each named by its role."""
    children = _children()
    found: list[ProcessMemory] = []

    def visit(pid: int, parent_role: str | None) -> None:
        try:
            cmdline = _proc(pid, "cmdline").replace("\0", " ")
            rss = next(
                int(line.split()[1])
                for line in _proc(pid, "status").splitlines()
                if line.startswith("VmRSS:")
            )
        except (OSError, StopIteration):
            return  # ended meanwhile, or a zombie
        role = _role(cmdline, parent_role)
        if role != "task try":  # a try of the moment is not the service's memory
            found.append(ProcessMemory(pid, role, rss))
        for child in children.get(pid, []):
            visit(child, role)

    visit(root, None)
    return found


def _role(cmdline: str, parent_role: str | None) -> str:
    if "tradewind.execution.zygote" in cmdline:
        return "zygote"
    if parent_role == "zygote":
        return "task try"
    if parent_role is None:
        return "standalone"
    if " scheduler" in cmdline:
        return "runner host" if parent_role == "scheduler" else "scheduler"
    if " webserver" in cmdline:
        return "webserver worker" if parent_role == "webserver" else "webserver"
    if parent_role == "webserver":
        return "webserver worker"
    if parent_role == "scheduler":
        return "dag processor"
    return f"child of {parent_role}"


class Soak:
    """Clients that trigger runs and time each until it succeeds."""

    def __init__(self, api: str, runs: int, concurrency: int) -> None:
        self.api = api
        self.runs = runs
        self.concurrency = concurrency
        self.latencies: list[float] = []  # in the order runs succeeded
        self._next = 0
        self._lock = threading.Lock()
        self.error: str | None = None

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self.runs or self.error:
                return None
            self._next += 1
            return self._next

    def client(self) -> None:
        with httpx.Client(base_url=self.api, timeout=60) as client:
            while (index := self.take()) is not None:
                try:
                    took = self._one_run(client, f"soak_{index}")
                except Exception as exc:  # reported by the main thread
                    self.error = f"run soak_{index}: {exc}"
                    return
                with self._lock:
                    self.latencies.append(took)

    def _one_run(self, client: httpx.Client, run_id: str) -> float:
        started = time.perf_counter()
        client.post(
            f"/dags/{DAG_ID}/dag_runs", json={"run_id": run_id, "replace_microseconds": "false"}
        ).raise_for_status()
        while True:
            state = client.get(f"/dags/{DAG_ID}/dag_runs/{run_id}").json()["state"]
            if state == "success":
                return time.perf_counter() - started
            if state == "failed" or time.perf_counter() - started > 60:
                raise RuntimeError(f"ended {state} after {time.perf_counter() - started:.0f}s")
            time.sleep(0.01)


def report(label: str, processes: list[ProcessMemory], latencies: list[float]) -> int:
    total = sum(p.rss_kb for p in processes)
    window = latencies[-WINDOW:]
    print(
        f"\nat {label}: trigger -> success median {statistics.median(window) * 1000:.0f} ms "
        f"(last {len(window)} runs), RSS of {len(processes)} processes {total / 1024:.1f} MB"
    )
    for p in sorted(processes, key=lambda p: (p.role, p.pid)):
        print(f"  {p.role:<18} pid {p.pid:<8} {p.rss_kb / 1024:8.1f} MB")
    return total


def compare(first: list[ProcessMemory], last: list[ProcessMemory]) -> None:
    print("\nRSS growth by role (first checkpoint -> last):")
    roles = sorted({p.role for p in first} | {p.role for p in last})
    for role in roles:
        before = sum(p.rss_kb for p in first if p.role == role)
        after = sum(p.rss_kb for p in last if p.role == role)
        growth = (after - before) / before * 100 if before else float("inf")
        print(f"  {role:<18} {before / 1024:8.1f} MB -> {after / 1024:8.1f} MB  {growth:+6.1f}%")
    before = sum(p.rss_kb for p in first)
    after = sum(p.rss_kb for p in last)
    growth = (after - before) / before * 100
    verdict = "ok" if growth < 10 else "OVER the 10% budget"
    total = f"{before / 1024:8.1f} MB -> {after / 1024:8.1f} MB  {growth:+6.1f}%"
    print(f"  {'all':<18} {total}  {verdict}")


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs to trigger in all")
    parser.add_argument("--concurrency", type=int, default=4, help="runs in flight at once")
    parser.add_argument("--postgres", help="PostgreSQL URL to use (it is reset!)")
    args = parser.parse_args()
    checkpoint = max(args.runs // 10, 1)

    home = Path(tempfile.mkdtemp(prefix="tw_soak_"))
    (home / "dags").mkdir()
    (home / "dags" / "soak_dag.py").write_text(DAG_FILE)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "TRADEWIND__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
            "TRADEWIND__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    if args.postgres:
        from tradewind.config import load_config
        from tradewind.db.engine import Database
        from tradewind.db.schema import reset

        env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"] = args.postgres
        reset(Database.from_config(load_config(env)))
    standalone = subprocess.Popen(
        [*TRADEWIND, "standalone", "-p", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(home / "standalone.log", "wb"),  # noqa: SIM115
    )
    api = f"http://127.0.0.1:{port}/api/experimental"
    try:
        wait_until_up(f"{api}/dags/{DAG_ID}/paused", standalone)
        print(
            f"tradewind standalone, {'PostgreSQL' if args.postgres else 'SQLite'}, "
            f"{os.cpu_count()} CPU(s): {args.runs:,} one-task runs, "
            f"{args.concurrency} in flight"
        )
        soak = Soak(api, args.runs, args.concurrency)
        clients = [threading.Thread(target=soak.client) for _ in range(args.concurrency)]
        for thread in clients:
            thread.start()
        began = time.monotonic()
        while len(soak.latencies) < checkpoint and soak.error is None:
            time.sleep(0.05)
        first = tradewind_processes(standalone.pid)
        if soak.error is None:
            report(f"{len(soak.latencies):,} runs", first, soak.latencies)
        for thread in clients:
            thread.join()
        if soak.error is not None:
            raise SystemExit(f"the soak stopped: {soak.error}\n(log: {home}/standalone.log)")
        took = time.monotonic() - began
        last = tradewind_processes(standalone.pid)
        report(f"{len(soak.latencies):,} runs", last, soak.latencies)
        compare(first, last)
        print(f"\n{args.runs:,} runs in {took:.0f}s ({args.runs / took:.1f} runs/s)")
    finally:
        if standalone.poll() is None:
            standalone.send_signal(signal.SIGTERM)
            try:
                standalone.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(standalone.pid, signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
