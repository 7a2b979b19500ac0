"""What a DAG folder sync tells StatsD: each file's import time and the whole sync's.

Prometheus reads the same from the database at scrape time (``dag_file.parse_duration``):
a sync runs in a short-lived child process, which should leave no metrics files behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tradewind.observability import catalog, metrics


def files_parsed(durations: Iterable[tuple[str, float]]) -> None:
    """``durations``: (file path, seconds its import took) per file parsed."""
    if not metrics.enabled():
        return
    with metrics.batch():
        for path, seconds in durations:
            # Airflow names the file without folder or extension.
            metrics.observe(catalog.DAG_FILE_PARSE, seconds, file=Path(path).stem)


def folder_synced(seconds: float) -> None:
    metrics.gauge(catalog.DAG_FOLDER_SYNC, seconds)
