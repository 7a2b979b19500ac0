"""The StatsD side: each event under its Airflow-style names, over UDP (never blocks)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from statsd import StatsClient

from tradewind.observability.definitions import Kind, Metric

#: What StatsD names may hold; anything else in a DAG id or file name becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


#: Formatted names kept at most (one per metric and DAG/task/state); then it starts again.
MAX_NAMES = 10_000


class StatsdSink:
    def __init__(self, host: str, port: int, prefix: str) -> None:
        self._client = StatsClient(host, port, prefix=prefix or None)
        self._names: dict[tuple[Metric, tuple[tuple[str, Any], ...]], list[str]] = {}
        self._pipeline: Any = None  # inside a batch: what goes out at its end

    def start_batch(self) -> None:
        self._pipeline = self._client.pipeline()

    def end_batch(self) -> None:
        """Send the batch's events, several to a packet (a send per event costs more CPU
        than making the event)."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.send()

    def emit(self, metric: Metric, value: float, fields: dict[str, Any]) -> None:
        if not metric.statsd:
            return
        kind = metric.statsd_kind or metric.kind
        client = self._pipeline or self._client
        for name in self._names_of(metric, fields):
            if kind is Kind.COUNTER:
                client.incr(name, int(value))
            elif kind is Kind.GAUGE:
                client.gauge(name, value)
            else:
                client.timing(name, value * 1000.0)  # StatsD timers are in ms

    def observe_counts(
        self, metric: Metric, total: float, counts: Sequence[int], fields: dict[str, Any]
    ) -> None:
        """Nothing: a StatsD timer takes every sample, so a tally holds only metrics
        without StatsD names."""

    def _names_of(self, metric: Metric, fields: dict[str, Any]) -> list[str]:
        key = (metric, tuple(fields.items()))
        names = self._names.get(key)
        if names is None:
            safe = {name: _UNSAFE.sub("_", str(field)) for name, field in fields.items()}
            names = [template.format(**safe) for template in metric.statsd]
            if len(self._names) >= MAX_NAMES:
                self._names.clear()
            self._names[key] = names
        return names
