"""Histogram samples tallied in plain Python and handed to the sinks at most once a second.

A prometheus-client observation in multiprocess mode writes two memory-mapped values
under a lock; at thousands of requests a second that is a real share of a cheap request.
A :class:`HistogramTally` instead adds each sample to a per-label-values sum and bucket
counts, and writes what it gathered in one go (:func:`metrics.observe_counts`): when the
first sample after a write is :data:`FLUSH_SECONDS` old (a timer on the running event
loop), when asked (before a scrape) and at shutdown. So another process's scrape sees a
sample at most about :data:`FLUSH_SECONDS` late.

It is for the event loop's thread only (the webserver's request path): no lock.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left

from tradewind.observability import metrics
from tradewind.observability.definitions import Metric

#: Longest a sample waits in a tally before the sinks get it.
FLUSH_SECONDS = 1.0


class HistogramTally:
    def __init__(self, metric: Metric, interval: float = FLUSH_SECONDS) -> None:
        if metric.statsd:
            raise ValueError(f"{metric.name}: a StatsD timer needs every sample, not a tally")
        self.metric = metric
        self.interval = interval
        self._bounds = (*metric.buckets, float("inf"))
        #: By label values: [sum, count in bucket 0, count in bucket 1, ..., count past the last].
        self._pending: dict[tuple[str, ...], list[float]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._due = 0.0

    def observe(self, value: float, *label_values: str) -> None:
        """Count one sample (label values in ``metric.labels`` order); in a coroutine."""
        tallied = self._pending.get(label_values)
        if tallied is None:
            tallied = self._pending[label_values] = [0.0] * (len(self._bounds) + 1)
        tallied[0] += value
        tallied[1 + bisect_left(self._bounds, value)] += 1
        if self._timer is None:
            self._due = time.monotonic() + self.interval
            self._timer = asyncio.get_running_loop().call_later(self.interval, self.flush)
        elif time.monotonic() > self._due + self.interval:
            self.flush()  # the timer's event loop ended first (an app run in-process)

    def flush(self) -> None:
        """Hand every tallied sample to the sinks now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, {}
        labels = self.metric.labels
        for label_values, (total, *counts) in pending.items():
            fields = dict(zip(labels, label_values, strict=True))
            metrics.observe_counts(self.metric, total, [int(count) for count in counts], fields)
