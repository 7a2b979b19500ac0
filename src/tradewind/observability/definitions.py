"""What a metric is: one typed definition, read by both sinks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    #: A duration or size distribution: a Prometheus histogram, a StatsD timer (in ms).
    HISTOGRAM = "histogram"


#: Seconds, from a millisecond scheduler pass to an hours-long try.
DURATION_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
    900.0, 3600.0, 10800.0,
)  # fmt: skip
#: Seconds to answer an HTTP request (fewer buckets: each request pays for the search).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Task instances admitted in one scheduler pass.
COUNT_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


@dataclass(frozen=True)
class Metric:
    """One metric, with its Prometheus and StatsD faces.

    ``name`` is the Prometheus name (``tradewind_`` is prepended) or ``None`` when
    Prometheus reads the value from the database at scrape time instead. ``labels`` are
    the fields that become Prometheus labels; ``statsd`` are StatsD names, formatted
    with every field the call site passes (so ``ti.finish.{dag_id}.{task_id}.{state}``
    can carry the task id that would be too many series in Prometheus).
    """

    kind: Kind
    name: str | None
    help: str
    labels: tuple[str, ...] = ()
    statsd: tuple[str, ...] = ()
    buckets: tuple[float, ...] = DURATION_BUCKETS
    #: StatsD's kind when it differs (a per-pass count is a histogram here, a gauge there).
    statsd_kind: Kind | None = None
    #: Read from the database at scrape time (Prometheus); the scheduler sends it to StatsD.
    scraped: bool = False
