"""``tradewind standalone`` runs a triggerer, and ``/health`` reports it."""

from __future__ import annotations

import httpx
import pytest

from tests.api.server import free_port
from tests.faults_process.test_standalone_stop import _serve, _sigterm
from tests.scheduling.harness import Harness

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def test_standalone_runs_a_triggerer_that_health_reports(harness: Harness) -> None:
    port = free_port()
    process = _serve(harness, ["standalone"], port)
    try:

        def triggerer_health() -> dict[str, object]:
            body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            return dict(body["triggerer"])

        harness.wait_for(
            lambda: triggerer_health()["status"] == "healthy", 60, "a healthy triggerer"
        )
        assert str(triggerer_health()["latest_triggerer_heartbeat"]).startswith("20")
        code, _ = _sigterm(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0
