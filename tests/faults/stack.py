"""A running installation to hurt: scheduler (with its runner host) and webserver processes.

The fault tests start the real processes, break the database under them, and check that
the *same* processes (same pids: nothing restarted them) finish the work, each task
exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.api.server import free_port
from tests.processes import descendants, running
from tests.scheduling.harness import Harness

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]

#: What a task does: note that it started (one line per start), then take a moment, so a
#: database outage finds tries in flight.
MARK_HELPER = """
import os, time

def mark(run_id, task_id, seconds=0.3):
    with open(os.path.join("@TMP@", "starts.txt"), "a") as f:
        f.write(f"{run_id} {task_id}\\n")
    time.sleep(seconds)
"""


def fanout_dag(width: int, seconds: float = 0.3) -> str:
    """``width`` parallel tasks of ``seconds`` each, in the DAG ``fanout``."""
    return FANOUT_DAG.replace("@WIDTH@", str(width)).replace("@SECONDS@", str(seconds))


FANOUT_DAG = (
    MARK_HELPER
    + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("fanout", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=32) as dag:
    for i in range(@WIDTH@):
        PythonOperator(task_id=f"t{i:03d}", python_callable=mark,
                       op_args=["{{ run_id }}", f"t{i:03d}", @SECONDS@])
"""
)

TRIGGERED_DAG = (
    MARK_HELPER
    + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("triggered", start_date=datetime(2024, 1, 1), schedule=None,
         max_active_runs=50) as dag:
    first = PythonOperator(task_id="first", python_callable=mark,
                           op_args=["{{ run_id }}", "first", 0.2])
    second = PythonOperator(task_id="second", python_callable=mark,
                            op_args=["{{ run_id }}", "second", 0.2])
    first >> second
"""
)


@dataclass
class Pids:
    scheduler: int
    runner_host: int
    webserver: int


@dataclass
class Stack:
    """The scheduler (through ``harness``) and a one-worker webserver on a free port."""

    harness: Harness
    webserver: subprocess.Popen[bytes] | None = None
    port: int = field(default_factory=free_port)
    #: Put before every Tradewind command (e.g. to run it with fewer privileges).
    prefix: list[str] = field(default_factory=list)

    @property
    def tmp(self) -> Path:
        return self.harness.tmp

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/experimental"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def start(self) -> None:
        self.harness.proc = self._spawn("scheduler.log", "scheduler")
        self.webserver = self._spawn(
            "webserver.log", "webserver", "-w", "1", "-p", str(self.port), "-H", "127.0.0.1"
        )
        deadline = time.monotonic() + 30
        while not self._answers():
            assert self.webserver.poll() is None, self.webserver_log()
            assert time.monotonic() < deadline, "the webserver never answered"
            time.sleep(0.1)

    def _spawn(self, log_name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / log_name, "ab")  # noqa: SIM115
        return subprocess.Popen(
            [*self.prefix, *TRADEWIND, *args],
            env=self.harness.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``tradewind <args>`` as the installation's processes run it."""
        return subprocess.run(
            [*self.prefix, *TRADEWIND, *args],
            env=self.harness.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def stop(self) -> None:
        self.harness.stop()
        if self.webserver is not None and self.webserver.poll() is None:
            self.webserver.terminate()
            try:
                self.webserver.wait(10)
            except subprocess.TimeoutExpired:
                self.webserver.kill()
                self.webserver.wait()

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.api}/test", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def webserver_log(self) -> str:
        path = self.tmp / "webserver.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- what is running ----------------------------------------------------------------------

    def pids(self) -> Pids:
        """The processes that must survive: a restart of any of them would change its pid."""
        assert self.harness.proc is not None and self.webserver is not None
        scheduler = self.harness.proc.pid
        return Pids(scheduler, self._runner_host(scheduler), self.webserver.pid)

    def _runner_host(self, scheduler: int) -> int:
        """The scheduler's child that started the zygotes (their parent)."""
        deadline = time.monotonic() + 15
        while not (hosts := self._zygote_parents(scheduler)) and time.monotonic() < deadline:
            time.sleep(0.1)  # the host starts its first zygote with its first try
        assert len(hosts) == 1, f"expected one runner host, found {hosts}"
        return hosts.pop()

    def _zygote_parents(self, scheduler: int) -> set[int]:
        """The parents of zygotes that are not zygotes themselves: a try is a fork of its
        zygote, so it has the zygote's command line too."""
        zygotes: dict[int, int] = {}  # pid -> parent pid
        for pid in descendants(scheduler):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            if b"tradewind.execution.zygote" in cmdline:
                zygotes[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        return {parent for parent in zygotes.values() if parent not in zygotes}

    def assert_survived(self, before: Pids) -> None:
        """Same processes as ``before``, all running, the API answering again."""
        after = self.pids()
        assert after == before, f"a process was restarted: {before} -> {after}"
        assert all(running(pid) for pid in (after.scheduler, after.runner_host, after.webserver))
        deadline = time.monotonic() + 10
        while httpx.get(f"{self.api}/dags/fanout/paused", timeout=5).status_code == 503:
            assert time.monotonic() < deadline, "the webserver never recovered"
            time.sleep(0.2)

    # --- the API, as a client would use it ---------------------------------------------------

    def trigger(
        self, dag_id: str, run_id: str, execution_date: str, *, retry_for: float = 30
    ) -> float:
        """Trigger through the API, retrying a 503 like a client should; the seconds spent."""
        started = time.monotonic()
        body = json.dumps({"run_id": run_id, "execution_date": execution_date})
        while True:
            response = httpx.post(f"{self.api}/dags/{dag_id}/dag_runs", content=body, timeout=5)
            if response.status_code == 200:
                return time.monotonic() - started
            assert response.status_code == 503, response.text
            assert time.monotonic() - started < retry_for, response.text
            time.sleep(0.2)

    def starts(self) -> Counter[str]:
        """How many times each ``run_id task_id`` started."""
        path = self.tmp / "starts.txt"
        lines = path.read_text().splitlines() if path.exists() else []
        return Counter(lines)


@dataclass
class OutageProbe:
    """What the API said while the database was down."""

    answers: list[tuple[str, int, float, dict]] = field(default_factory=list)

    def probe(self, stack: Stack) -> None:
        """A read, a write and ``/health``: each must be a quick JSON 503."""
        for method, url, body in (
            ("GET", f"{stack.api}/dags/fanout/dag_runs", None),
            ("POST", f"{stack.api}/dags/triggered/dag_runs", json.dumps({"run_id": "probe"})),
            ("GET", stack.health_url, None),
        ):
            started = time.monotonic()
            response = httpx.request(method, url, content=body, timeout=10)
            took = time.monotonic() - started
            self.answers.append((f"{method} {url}", response.status_code, took, response.json()))

    def check(self) -> None:
        assert self.answers, "the outage was never probed"
        for what, status, took, body in self.answers:
            assert status == 503, (what, status, body)
            assert took < 2.0, f"{what} took {took:.2f}s while the database was down"
            if what.endswith("/health"):
                assert body["metadatabase"]["status"] == "unhealthy", body
            else:
                assert "metadata database is unavailable" in body["error"], body

    def summary(self) -> str:
        slowest = max(took for _, _, took, _ in self.answers)
        return f"{len(self.answers)} API calls answered 503 JSON (slowest {slowest:.2f}s)"
