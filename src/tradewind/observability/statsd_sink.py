"""The StatsD side: each event under its Airflow-style names, over UDP (never blocks)."""

from __future__ import annotations

import re
from typing import Any

from statsd import StatsClient

from tradewind.observability.definitions import Kind, Metric

#: What StatsD names may hold; anything else in a DAG id or file name becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


class StatsdSink:
    def __init__(self, host: str, port: int, prefix: str) -> None:
        self._client = StatsClient(host, port, prefix=prefix or None)

    def emit(self, metric: Metric, value: float, fields: dict[str, Any]) -> None:
        if not metric.statsd:
            return
        safe = {key: _UNSAFE.sub("_", str(field)) for key, field in fields.items()}
        kind = metric.statsd_kind or metric.kind
        for template in metric.statsd:
            name = template.format(**safe)
            if kind is Kind.COUNTER:
                self._client.incr(name, int(value))
            elif kind is Kind.GAUGE:
                self._client.gauge(name, value)
            else:
                self._client.timing(name, value * 1000.0)  # StatsD timers are in ms
