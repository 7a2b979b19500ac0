from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

FAST_TRIGGERER = {
    "TRADEWIND__TRIGGERER__JOB_HEARTBEAT_SEC": "0.2",
    "TRADEWIND__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "2",
}


class Triggerers:
    """Real ``tradewind triggerer`` processes beside the harness's scheduler."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **extra_env: str) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        log = open(self.harness.tmp / f"triggerer-{n}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", "from tradewind.cli import main; main()", "triggerer"],
            env={**self.harness.env, **FAST_TRIGGERER, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def log(self, n: int = 0) -> str:
        path = self.harness.tmp / f"triggerer-{n}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture
def harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    (tmp_path / "spans").mkdir()
    h = Harness(db_config, database, db_env, tmp_path)
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture
def triggerers(harness: Harness) -> Iterator[Triggerers]:
    t = Triggerers(harness)
    try:
        yield t
    finally:
        t.stop_all()
