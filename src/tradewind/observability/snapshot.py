"""Gauges read from the metadata database: the same rows for every reader.

What is *state* (tries queued, pool slots, heartbeats, import errors) is read when it is
wanted rather than counted by whoever changed it: a scrape of any webserver worker reads
it, and the scheduler reads it once a heartbeat to send it to StatsD. The reading itself
(SQL) lives with the database's users; this module holds the result and hands it on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tradewind.observability import catalog, metrics
from tradewind.observability.definitions import Metric as Definition


@dataclass(frozen=True)
class PoolSlots:
    pool: str
    open: int  # -1: unlimited
    running: int
    queued: int


@dataclass(frozen=True)
class SchedulerBeat:
    job_id: int
    hostname: str
    age_seconds: float


@dataclass
class GaugeSnapshot:
    tries_queued: int = 0
    tries_running: int = 0
    dags: int = 0
    import_errors: int = 0
    parse_seconds: dict[str, float] = field(default_factory=dict)  # by DAG file path
    pools: list[PoolSlots] = field(default_factory=list)
    schedulers: list[SchedulerBeat] = field(default_factory=list)
    #: CeleryExecutor only: (messages waiting in the default queue, broker reachable).
    celery: tuple[int, bool] | None = None

    def samples(self) -> Iterator[tuple[Definition, float, dict[str, str]]]:
        """Each (metric, value, fields), with the fields StatsD names need too."""
        yield catalog.TRIES_QUEUED, self.tries_queued, {}
        yield catalog.TRIES_RUNNING, self.tries_running, {}
        yield catalog.DAGS, self.dags, {}
        yield catalog.IMPORT_ERRORS, self.import_errors, {}
        for path, seconds in self.parse_seconds.items():
            yield catalog.DAG_FILE_PARSE, seconds, {"file": path}
        for slots in self.pools:
            fields = {"pool": slots.pool}
            yield catalog.POOL_OPEN_SLOTS, slots.open, fields
            yield catalog.POOL_USED_SLOTS, slots.running, fields
            yield catalog.POOL_QUEUED_SLOTS, slots.queued, fields
        for beat in self.schedulers:
            fields = {"job_id": str(beat.job_id), "hostname": beat.hostname}
            yield catalog.SCHEDULER_HEARTBEAT_AGE, beat.age_seconds, fields
        if self.celery is not None:
            outstanding, reachable = self.celery
            yield catalog.CELERY_OUTSTANDING, outstanding, {}
            yield catalog.CELERY_BROKER_REACHABLE, int(reachable), {}


def send_to_statsd(snapshot: GaugeSnapshot) -> None:
    """Emit the snapshot's gauges (Prometheus reads its own at scrape time)."""
    with metrics.batch():
        for metric, value, fields in snapshot.samples():
            if metric is not catalog.DAG_FILE_PARSE:  # a timer, sent by the sync that parsed
                metrics.gauge(metric, value, **fields)
