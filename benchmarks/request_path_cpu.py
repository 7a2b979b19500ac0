"""CPU per request of the webserver's app alone: ``GET /api/experimental/test`` through every
middleware, called in-process (no HTTP parsing, no socket, no wrk).

``api_throughput.py`` measures the whole server, where a loaded machine moves the figures
by 30% and more; this measures the part metrics add to, in CPU time of this one process,
best and median of ``--repeat`` batches. Metrics on: Prometheus files in a temporary home
(the request metric does not go to StatsD).

    python benchmarks/request_path_cpu.py             # metrics off
    python benchmarks/request_path_cpu.py --metrics   # on
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.schema import migrate
from tradewind.observability import metrics
from tradewind.webserver import create_app

PATH = "/api/experimental/test"
SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": PATH,
    "raw_path": PATH.encode(),
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1")],
    "client": ("127.0.0.1", 40000),
    "server": ("127.0.0.1", 8080),
}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    if message["type"] == "http.response.start" and message["status"] != 200:
        raise SystemExit(f"{PATH} answered {message['status']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", action="store_true", help="Prometheus files on.")
    parser.add_argument("--requests", type=int, default=5_000, help="Requests per batch.")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tw_request_cpu_") as home:
        per = measure(Path(home), args.metrics, args.requests, args.repeat)
    state = "on" if args.metrics else "off"
    print(
        f"metrics {state}: GET {PATH} in-process, CPU per request over {args.repeat} batches "
        f"of {args.requests:,}: best {min(per):.1f} us, median {statistics.median(per):.1f} us"
    )


def measure(home: Path, on: bool, requests: int, repeat: int) -> list[float]:
    """Microseconds of CPU per request, one figure per batch."""
    config = load_config(
        {
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
            "TRADEWIND__METRICS__PROMETHEUS_ON": str(on),
            "TRADEWIND__METRICS__STATSD_ON": "False",
        }
    )
    database = Database.from_config(config)
    migrate(database)
    if on:
        metrics.configure(config)
    app = create_app(config, database)

    async def batch(count: int) -> float:
        started = time.process_time()
        for _ in range(count):
            await app(dict(SCOPE), receive, send)
        return (time.process_time() - started) / count

    try:
        asyncio.run(batch(1_000))  # warm up: routes' prefixes, labelled children, files
        return [asyncio.run(batch(requests)) * 1e6 for _ in range(repeat)]
    finally:
        metrics.reset()
        database.dispose()


if __name__ == "__main__":
    main()
