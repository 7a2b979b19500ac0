"""Trace a burst of runs triggered over the API: passes, statements and CPU per step.

Starts ``tradewind webserver`` (2 workers) and a ``tradewind scheduler`` whose passes, and
whose runner host's claims and records, are wrapped to log their wall time, CPU time and
statement count to a JSON-lines file. Then it POSTs each burst of one-task runs one after
another (as ``api_throughput.py`` does) and prints, per burst: the passes (and how many
queued tries), statements and CPU per run of the passes, the claims and the records, and
the CPU per run of every process of the scheduler's and the webserver's trees.

    python benchmarks/burst_trace.py                  # bursts of 20 and 200
    python benchmarks/burst_trace.py 20 100
    BURST_TRACE_SQL=1 python benchmarks/burst_trace.py 20   # + the statements of the largest
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator
with DAG("bench_burst", start_date=datetime(2020, 1, 1), schedule=None, max_active_runs=512):
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def traced_scheduler() -> None:
    """The scheduler, with its passes and its runner host's claims and records logged."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from tradewind.cli import main
    from tradewind.execution import runner_host
    from tradewind.scheduling import scheduler

    out = open(os.environ["BURST_TRACE_FILE"], "a", buffering=1)  # noqa: SIM115
    statements = [0]
    texts: list[str] = []
    keep_sql = bool(os.environ.get("BURST_TRACE_SQL"))

    @event.listens_for(Engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[0] += 1
        if keep_sql:
            texts.append(" ".join(statement.split())[:110])

    def timed(kind: str, call: Any, size: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, cpu, before = time.time(), time.process_time(), statements[0]
            texts.clear()
            result = call(*args, **kwargs)
            entry = {
                "kind": kind,
                "t0": started,
                "cpu": time.process_time() - cpu,
                "q": statements[0] - before,
                "n": size(args, result),
            }
            if keep_sql:
                entry["sql"] = list(texts)
            out.write(json.dumps(entry) + "\n")
            return result

        return wrapper

    scheduler.Scheduler.run_pass = timed(  # type: ignore[method-assign]
        "pass", scheduler.Scheduler.run_pass, lambda _a, result: len(result.workloads)
    )
    runner_host.claim_tries = timed("claim", runner_host.claim_tries, lambda a, _r: len(a[2]))
    runner_host.record_results = timed(
        "record", runner_host.record_results, lambda a, _r: len(a[2])
    )
    sys.argv = ["tradewind", "scheduler"]
    main()


def process_cpu(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (own + reaped children) of ``root`` and every process below it."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    found: dict[int, tuple[str, float, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        cpu = sum(int(value) for value in fields[11:15]) / ticks
        found[int(entry.name)] = (command[:70], cpu, int(fields[1]))
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    result, todo = {}, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid in found:
            result[pid] = found[pid][:2]
    return result


def main() -> None:
    if sys.argv[1:2] == ["--scheduler"]:
        traced_scheduler()
        return
    import httpx

    sizes = [int(arg) for arg in sys.argv[1:]] or [20, 200]
    home = Path(tempfile.mkdtemp(prefix="tw_burst_trace_"))
    (home / "dags").mkdir()
    (home / "dags" / "bench_burst.py").write_text(DAG)
    trace = home / "trace.jsonl"
    sys.path.insert(0, str(HERE.parent))
    from api_throughput import TRADEWIND, free_port, stop, wait_until_up

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(home),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__LOGGING__LOGGING_LEVEL="WARNING",
        TRADEWIND__METRICS__PROMETHEUS_ON="False",
        TRADEWIND__METRICS__STATSD_ON="False",
        BURST_TRACE_FILE=str(trace),
    )
    subprocess.run([*TRADEWIND, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*TRADEWIND, "dags", "reserialize"], env=env, check=True, capture_output=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/experimental"
    server = subprocess.Popen(
        [*TRADEWIND, "webserver", "-w", "2", "-p", str(port), "-H", "127.0.0.1"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    scheduler = subprocess.Popen(
        [sys.executable, str(HERE), "--scheduler"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{api}/test", server)
        time.sleep(2)
        with httpx.Client(timeout=30) as client:
            client.get(f"{api}/dags/bench_burst/paused/false").raise_for_status()
            for size in sizes:
                time.sleep(1)
                seen = len(trace.read_text().splitlines()) if trace.exists() else 0
                before = process_cpu(scheduler.pid), process_cpu(server.pid)
                started = time.perf_counter()
                for index in range(size):
                    body = {"run_id": f"b{size}_{index}", "replace_microseconds": "false"}
                    url = f"{api}/dags/bench_burst/dag_runs"
                    client.post(url, content=json.dumps(body)).raise_for_status()
                while True:
                    runs = client.get(f"{api}/dags/bench_burst/dag_runs").json()
                    states = [r["state"] for r in runs if r["run_id"].startswith(f"b{size}_")]
                    if states.count("success") == size:
                        break
                    if time.perf_counter() - started > 60 + size:
                        raise SystemExit(f"the {size}-run burst did not finish in time")
                    time.sleep(0.01)
                took = time.perf_counter() - started
                entries = [json.loads(line) for line in trace.read_text().splitlines()[seen:]]
                print(f"burst of {size}: {took * 1000:.0f} ms ({size / took:.0f} runs/s)")
                for kind in ("pass", "claim", "record"):
                    done = [e for e in entries if e["kind"] == kind]
                    print(
                        f"  {kind + 'es' if kind == 'pass' else kind + 's'}: {len(done)} "
                        f"(sizes: median {statistics.median([e['n'] for e in done] or [0])}), "
                        f"{sum(e['q'] for e in done) / size:.1f} statements and "
                        f"{sum(e['cpu'] for e in done) * 1000 / size:.2f} ms CPU per run"
                    )
                    if kind == "pass" and done:
                        admitting = [e["q"] for e in done if e["n"]]
                        idle = [e["q"] for e in done if not e["n"]]
                        print(
                            "    statements per pass, median: "
                            f"{statistics.median(admitting or [0])} when it queues tries "
                            f"({len(admitting)}), {statistics.median(idle or [0])} when not "
                            f"({len(idle)})"
                        )
                    if done and "sql" in done[0]:
                        shown = [max(done, key=lambda e: (e["n"], e["q"]))]
                        if kind == "pass" and any(not e["n"] for e in done):
                            shown.append(max((e for e in done if not e["n"]), key=lambda e: e["q"]))
                        for entry in shown:
                            print(f"    statements of the largest with {entry['n']}:")
                            for text in entry["sql"]:
                                print(f"      {text}")
                for name, root, earlier in (
                    ("scheduler tree", scheduler.pid, before[0]),
                    ("webserver tree", server.pid, before[1]),
                ):
                    parts = [
                        f"{pid} {cmd.split()[-1][-24:]}: "
                        f"{(cpu - earlier.get(pid, (cmd, 0.0))[1]) * 1000 / size:.2f}"
                        for pid, (cmd, cpu) in process_cpu(root).items()
                    ]
                    print(f"  {name}, ms CPU per run: " + "; ".join(parts))
    finally:
        stop(scheduler)
        stop(server)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
