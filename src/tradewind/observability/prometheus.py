"""The Prometheus side: multiprocess files under the home, and the exposition of them.

Every process that emits (scheduler, its runner host, webserver workers, Celery workers)
writes prometheus-client's memory-mapped files in one folder, ``<home>/prometheus``;
``/metrics`` adds them up, so any webserver worker answers with the same numbers. Files of
processes that are gone are removed when a process starts emitting (their counters were
counted in a previous life of the service), and their live gauges at every scrape.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import Metric as Family
from prometheus_client.registry import Collector

from tradewind.observability import catalog
from tradewind.observability.definitions import Kind, Metric
from tradewind.observability.snapshot import GaugeSnapshot

PREFIX = "tradewind_"
FOLDER_NAME = "prometheus"
#: prometheus-client names its files ``<kind>[_<mode>]_<pid>.db``.
_FILE_PID = re.compile(r"_(\d+)\.db$")


def prepare_folder(home: Path) -> Path:
    """Point prometheus-client at ``<home>/prometheus``, without the files of dead processes.

    prometheus-client reads the folder from ``PROMETHEUS_MULTIPROC_DIR`` whenever a process
    opens its files, so it is set here (inherited by forked and started children) rather
    than read anywhere.
    """
    folder = home / FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    values.ValueClass = values.MultiProcessValue()
    remove_dead(folder, live_gauges_only=False)
    return folder


def remove_dead(folder: Path, *, live_gauges_only: bool = True) -> None:
    for path in folder.glob("*.db"):
        if live_gauges_only and not path.name.startswith("gauge_live"):
            continue
        match = _FILE_PID.search(path.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Labelled children kept at most; past it the cache starts again (labels() still works).
MAX_CHILDREN = 10_000


class PrometheusSink:
    """Turns :class:`Metric` events into prometheus-client metrics, created on first use.

    Each labelled child is kept by its label values: ``labels()`` costs more than the
    write itself, and the request path pays it on every request otherwise.
    """

    def __init__(self) -> None:
        self._made: dict[Metric, Any] = {}
        self._children: dict[tuple[Metric, tuple[str, ...]], Any] = {}

    def start_batch(self) -> None:
        pass  # each write goes to its memory-mapped file at once

    def end_batch(self) -> None:
        pass

    def emit(self, metric: Metric, value: float, fields: dict[str, Any]) -> None:
        if metric.name is None or metric.scraped:
            return
        made = self._labelled(metric, fields)
        if metric.kind is Kind.COUNTER:
            made.inc(value)
        elif metric.kind is Kind.GAUGE:
            made.set(value)
        else:
            made.observe(value)

    def observe_counts(
        self, metric: Metric, total: float, counts: Sequence[int], fields: dict[str, Any]
    ) -> None:
        """Many samples of a histogram in one write per bucket that got any.

        prometheus-client has no public call for it: its histogram keeps the sum and one
        value per bucket (counted alone, added up at exposition), and ``observe`` adds to
        them one sample at a time; this adds a batch to the same values.
        """
        if metric.name is None or metric.scraped:
            return
        made = self._labelled(metric, fields)
        made._sum.inc(total)
        for bucket, count in zip(made._buckets, counts, strict=True):
            if count:
                bucket.inc(count)

    def _labelled(self, metric: Metric, fields: dict[str, Any]) -> Any:
        key = (metric, tuple([str(fields[label]) for label in metric.labels]))
        made = self._children.get(key)
        if made is None:
            made = self._child(metric, key[1])
            if len(self._children) >= MAX_CHILDREN:
                self._children.clear()
            self._children[key] = made
        return made

    def _child(self, metric: Metric, label_values: tuple[str, ...]) -> Any:
        made = self._made.get(metric)
        if made is None:
            made = self._made[metric] = _make(metric)
        return made.labels(*label_values) if metric.labels else made


def _make(metric: Metric) -> Any:
    name, help, labels = PREFIX + str(metric.name), metric.help, metric.labels
    if metric.kind is Kind.COUNTER:
        return Counter(name, help, labels, registry=None)
    if metric.kind is Kind.GAUGE:
        return Gauge(name, help, labels, registry=None, multiprocess_mode="livesum")
    return Histogram(name, help, labels, registry=None, buckets=metric.buckets)


def exposition(folder: Path | None, collectors: Iterable[Collector] = ()) -> bytes:
    """The text format of every process's metrics (files in ``folder``) plus
    ``collectors`` (read at scrape)."""
    registry = CollectorRegistry()
    if folder is not None:
        remove_dead(folder)
        multiprocess.MultiProcessCollector(registry, path=str(folder))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


class SnapshotCollector:
    """A prometheus-client collector that reads a fresh snapshot at each scrape."""

    def __init__(self, read: Callable[[], GaugeSnapshot]) -> None:
        self._read = read

    def collect(self) -> Iterator[Family]:
        families: dict[Metric, GaugeMetricFamily] = {}
        for metric in catalog.ALL:
            if metric.scraped:
                families[metric] = GaugeMetricFamily(
                    PREFIX + str(metric.name), metric.help, labels=list(metric.labels)
                )
        for metric, value, fields in self._read().samples():
            families[metric].add_metric([fields[label] for label in metric.labels], value)
        yield from families.values()
