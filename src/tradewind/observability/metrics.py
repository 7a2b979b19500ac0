"""The emitting interface: ``metrics.incr(catalog.TRIES_STARTED, dag_id=..., task_id=...)``.

Until :func:`configure` runs, every call returns at once: tools and tests that build a
scheduler in-process emit nothing. A service calls :func:`configure` once at start; the
processes it forks (the runner host, the DAG folder sync) inherit the sinks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from tradewind.config import Config
from tradewind.observability.definitions import Metric

log = logging.getLogger(__name__)


class Sink(Protocol):
    def emit(self, metric: Metric, value: float, fields: dict[str, Any]) -> None: ...

    def observe_counts(
        self, metric: Metric, total: float, counts: Sequence[int], fields: dict[str, Any]
    ) -> None: ...

    def start_batch(self) -> None: ...

    def end_batch(self) -> None: ...


_sinks: list[Sink] = []
_folder: Path | None = None


def configure(config: Config) -> None:
    """Start emitting: Prometheus files under the home (``[metrics] prometheus_on``),
    StatsD if ``[metrics] statsd_on``."""
    global _folder
    sinks: list[Sink] = []
    if config.get("metrics", "prometheus_on"):
        from tradewind.observability.prometheus import PrometheusSink, prepare_folder

        _folder = prepare_folder(config.home)
        sinks.append(PrometheusSink())
    if config.get("metrics", "statsd_on"):
        from tradewind.observability.statsd_sink import StatsdSink

        sinks.append(
            StatsdSink(
                str(config.get("metrics", "statsd_host")),
                int(config.get("metrics", "statsd_port")),
                statsd_prefix(config),
            )
        )
    _sinks[:] = sinks


def reset() -> None:
    """Stop emitting (tests that configured metrics undo it)."""
    global _folder
    _sinks.clear()
    _folder = None


def statsd_prefix(config: Config) -> str:
    """``[metrics] statsd_prefix``; empty: ``airflow`` under ``[core] airflow_compat``."""
    prefix = str(config.get("metrics", "statsd_prefix")).strip()
    if prefix:
        return prefix
    return "airflow" if config.get("core", "airflow_compat") else "tradewind"


def folder() -> Path | None:
    """Where this process's Prometheus files are (``None`` until configured)."""
    return _folder


def enabled() -> bool:
    return bool(_sinks)


def incr(metric: Metric, count: float = 1, **fields: Any) -> None:
    if _sinks:
        _emit(metric, count, fields)


def gauge(metric: Metric, value: float, **fields: Any) -> None:
    if _sinks:
        _emit(metric, value, fields)


def observe(metric: Metric, value: float, **fields: Any) -> None:
    """A histogram sample (seconds for durations): a StatsD timer in milliseconds."""
    if _sinks:
        _emit(metric, value, fields)


def observe_counts(
    metric: Metric, total: float, counts: Sequence[int], fields: dict[str, Any]
) -> None:
    """Many histogram samples at once, already sorted into ``metric.buckets``:
    ``counts[i]`` fell in bucket ``i`` (the last: above every bound), ``total`` is their
    sum (see :class:`tradewind.observability.tally.HistogramTally`)."""
    for sink in _sinks:
        try:
            sink.observe_counts(metric, total, counts, fields)
        except Exception:
            log.warning("could not emit metric %s", metric.name, exc_info=True)


@contextmanager
def batch() -> Iterator[None]:
    """Events emitted inside go out together at the end (StatsD: several to a packet);
    for the loops that emit per try of a batch."""
    if not _sinks:
        yield
        return
    for sink in _sinks:
        sink.start_batch()
    try:
        yield
    finally:
        for sink in _sinks:
            try:
                sink.end_batch()
            except Exception:
                log.warning("could not send a batch of metrics", exc_info=True)


def _emit(metric: Metric, value: float, fields: dict[str, Any]) -> None:
    # A metric must never break what it measures.
    for sink in _sinks:
        try:
            sink.emit(metric, value, fields)
        except Exception:
            log.warning("could not emit metric %s", metric.name or metric.statsd, exc_info=True)
