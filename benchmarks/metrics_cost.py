"""What metrics cost per event: the emit calls a try and a request make, timed in a loop.

The scheduler and API benchmarks (``--metrics``) measure the end-to-end effect, which on a
shared machine drowns in noise; this one times the emitting itself, with both sinks on
(prometheus-client's multiprocess files in a temporary home, StatsD to a local UDP socket
drained by a thread), metrics off (no sink), and each sink alone. Each figure is the best
of ``--repeat`` batches: on a busy machine the others measure the neighbours.

    python benchmarks/metrics_cost.py
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from metrics_switch import metrics_env

from tradewind.config import load_config
from tradewind.execution import try_metrics
from tradewind.observability import catalog, metrics
from tradewind.observability.tally import HistogramTally


def per_try(count: int) -> float:
    """Seconds per try for what a runner host emits when it claims and records one."""
    now = datetime.now(UTC)
    claimed = [("bench_dag", f"t{i % 50}", now - timedelta(seconds=1)) for i in range(count)]
    started = time.perf_counter()
    try_metrics.tries_started(claimed, now)
    for dag_id, task_id, queued in claimed:
        try_metrics.try_ended(dag_id, task_id, "success", queued, now)
    return (time.perf_counter() - started) / count


def per_request(count: int) -> float:
    """Seconds per HTTP request for the webserver's request metric: a sample added to the
    worker's tally, and the write of the tally (once a second in the webserver, where a
    busy worker has gathered about as many samples as here)."""
    route = "/api/experimental/dags/{dag_id}/dag_runs"
    tally = HistogramTally(catalog.HTTP_REQUESTS)

    async def requests() -> float:
        started = time.perf_counter()
        for _ in range(count):
            tally.observe(0.0012, route, "GET", "200")
        tally.flush()
        return (time.perf_counter() - started) / count

    return asyncio.run(requests())


def per_observation(count: int) -> float:
    """Seconds per histogram sample emitted on its own (what the request metric cost
    before the tally, and what a try's durations cost)."""
    route = "/api/experimental/dags/{dag_id}/dag_runs"
    started = time.perf_counter()
    for _ in range(count):
        metrics.observe(catalog.HTTP_REQUESTS, 0.0012, route=route, method="GET", status=200)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000, help="Events per batch.")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tw_metrics_cost_"))
    on, sink = metrics_env(True)
    cases = {
        "off": {"TRADEWIND__METRICS__PROMETHEUS_ON": "False"},
        "Prometheus only": {**on, "TRADEWIND__METRICS__STATSD_ON": "False"},
        "StatsD only": {**on, "TRADEWIND__METRICS__PROMETHEUS_ON": "False"},
        "both": on,
    }
    print(f"microseconds, best of {args.repeat} batches of {args.events:,}")
    for name, settings in cases.items():
        metrics.reset()
        metrics.configure(load_config({"TRADEWIND_HOME": str(home), **settings}))
        per_try(1000)  # create the metric objects and files first
        try_us = min(per_try(args.events) for _ in range(args.repeat)) * 1e6
        request_us = min(per_request(args.events) for _ in range(args.repeat)) * 1e6
        sample_us = min(per_observation(args.events) for _ in range(args.repeat)) * 1e6
        print(
            f"  {name:<16} per try {try_us:7.1f}   per request {request_us:5.1f}   "
            f"per lone histogram sample {sample_us:5.1f}"
        )
    metrics.reset()
    assert sink is not None
    print(f"StatsD packets received: {sink.packets:,}")


if __name__ == "__main__":
    main()
