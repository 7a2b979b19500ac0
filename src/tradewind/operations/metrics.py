"""What ``/metrics`` reads at scrape time: the database's gauges and the Celery broker."""

from __future__ import annotations

from tradewind.authoring.timezone import utcnow
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.observability.snapshot import GaugeSnapshot
from tradewind.scheduling.gauges import read_gauges


def scrape_gauges(db: Database, config: Config) -> GaugeSnapshot:
    with db.read_session() as session:
        snapshot = read_gauges(session, utcnow())
    if config.get("core", "executor") == "CeleryExecutor":
        snapshot.celery = celery_queue(
            str(config.get("celery", "broker_url")),
            str(config.get("celery", "default_queue")),
            float(config.get("celery", "operation_timeout")),
        )
    return snapshot


def celery_queue(broker_url: str, queue: str, timeout: float) -> tuple[int, bool]:
    """(messages waiting in ``queue``, broker reachable): a passive declare, which counts
    without creating anything; an unreachable broker is (0, False)."""
    try:
        from kombu import Connection

        with Connection(broker_url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            try:
                declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            except Exception:
                return 0, True  # reachable; the queue does not exist until a worker declares it
            return int(declared.message_count), True
    except Exception:
        return 0, False
