"""Several real ``tradewind scheduler`` and ``tradewind celery worker`` processes at once.

Each test gets its own PostgreSQL database and its own Celery queue, so concurrent or
leftover work on the shared broker never reaches its workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.processes import descendants
from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]


class Cluster(Harness):
    """A :class:`Harness` whose scheduler and workers are named processes."""

    def __init__(
        self, config: Config, database: Database, env: dict[str, str], tmp: Path, broker: str
    ) -> None:
        self.queue = f"tw_test_{uuid.uuid4().hex[:10]}"
        env = {
            **env,
            "TRADEWIND__CORE__EXECUTOR": "CeleryExecutor",
            "TRADEWIND__CELERY__BROKER_URL": broker,
            "TRADEWIND__CELERY__RESULT_BACKEND": "redis://127.0.0.1:6379/1",
            "TRADEWIND__CELERY__DEFAULT_QUEUE": self.queue,
        }
        super().__init__(config, database, env, tmp)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start_scheduler(self, name: str, **extra_env: str) -> None:
        self._spawn(name, ["scheduler"], extra_env)

    def start_worker(self, name: str, concurrency: int = 2, **extra_env: str) -> None:
        args = ["celery", "worker", "-c", str(concurrency), "-H", f"{name}@%h"]
        self._spawn(name, args, {"TEST_WORKER": name, **extra_env})

    def _spawn(self, name: str, args: list[str], extra_env: dict[str, str]) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115
        self.procs[name] = subprocess.Popen(
            [*TRADEWIND, *args],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_tree takes its tries too
        )

    def kill_tree(self, name: str) -> None:
        """SIGKILL the process and everything it started, as a machine dying would."""
        proc = self.procs.pop(name)
        victims = [proc.pid, *descendants(proc.pid)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        """SIGTERM everything (warm shutdown), then SIGKILL what is left of each group."""
        procs, self.procs = list(self.procs.values()), {}
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            if proc.poll() is None:
                proc.wait(5)

    def logs(self) -> str:
        parts = []
        for path in sorted(self.tmp.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-2500:]}")
        return "\n".join(parts)

    def wait_for(self, check, timeout: float = 30, what: str = "") -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise AssertionError(f"{name} exited ({proc.returncode}):\n{self.logs()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")
