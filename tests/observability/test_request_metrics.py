"""The webserver's request metrics across processes: each worker tallies its requests in
memory and writes them at most a second later (and when it stops), so a scrape served by
another worker counts them by then.

Two ``tradewind webserver`` processes share one home: requests go to one, scrapes to the
other, which can only see them once the first has written them.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from tests.auth.webserver import webserver
from tests.observability.test_metrics_live import home_env, samples, value
from tradewind.observability.tally import FLUSH_SECONDS

HISTOGRAM = "tradewind_http_request_seconds"
TEST = {"route": "/api/experimental/test", "method": "GET", "status": "200"}
NO_DAG = {"route": "/api/experimental/dags/{dag_id}/paused", "method": "GET", "status": "404"}
UNMATCHED = {"route": "unmatched", "method": "GET", "status": "404"}


def counts(url: str) -> dict[str, float | None]:
    found = samples(httpx.get(f"{url}/metrics", timeout=10).text)
    return {
        "test": value(found, f"{HISTOGRAM}_count", **TEST),
        "test_inf": value(found, f"{HISTOGRAM}_bucket", le="+Inf", **TEST),
        "test_sum": value(found, f"{HISTOGRAM}_sum", **TEST),
        "no_dag": value(found, f"{HISTOGRAM}_count", **NO_DAG),
        "unmatched": value(found, f"{HISTOGRAM}_count", **UNMATCHED),
    }


def requests(url: str, tests: int) -> None:
    """``tests`` GET /test, two for a DAG that does not exist and one unknown path, each on
    a connection of its own."""
    for _ in range(tests):
        assert httpx.get(f"{url}/api/experimental/test", timeout=10).status_code == 200
    for _ in range(2):
        assert httpx.get(f"{url}/api/experimental/dags/nope/paused", timeout=10).status_code == 404
    assert httpx.get(f"{url}/no/such/page", timeout=10).status_code == 404


def scrape_until(url: str, wanted: dict[str, float], timeout: float) -> tuple[dict, float]:
    """The first scrape whose counts include ``wanted``, and the seconds it took."""
    started = time.monotonic()
    while True:
        found = counts(url)
        if all(found[key] == count for key, count in wanted.items()):
            return found, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"after {timeout}s /metrics counts {found}, not {wanted}")
        time.sleep(0.05)


def test_requests_on_one_worker_show_up_in_another_within_the_flush_interval(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    env = home_env(tmp_path, _sqlite_template, TRADEWIND__METRICS__PUBLIC="True")
    with webserver(env) as scraped, webserver(env) as served:
        requests(served.url, tests=5)
        # Slack for a loaded machine on top of the interval; typically under a second.
        found, took = scrape_until(
            scraped.url, {"test": 5, "no_dag": 2, "unmatched": 1}, timeout=FLUSH_SECONDS + 4
        )
        assert found["test_inf"] == 5  # the buckets add up to the count
        assert found["test_sum"] is not None and 0 < found["test_sum"] < 5
        assert took <= FLUSH_SECONDS + 4

        requests(served.url, tests=3)  # and stopped at once: it writes them as it stops
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(20)  # uvicorn ends by raising the SIGTERM it caught again
        found = counts(scraped.url)
    assert found["test"] == 8 and found["test_inf"] == 8
    assert found["no_dag"] == 4 and found["unmatched"] == 2
