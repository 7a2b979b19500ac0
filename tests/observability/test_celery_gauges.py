"""The Celery gauges of ``/metrics``: messages waiting in a real Redis or RabbitMQ queue."""

from __future__ import annotations

import time
import uuid

import pytest

from tradewind.operations.metrics import celery_queue

kombu = pytest.importorskip("kombu")

BROKERS = ["redis://127.0.0.1:6379/15", "amqp://guest:guest@127.0.0.1:5672//"]


@pytest.mark.parametrize("broker", BROKERS, ids=["redis", "rabbitmq"])
def test_messages_waiting_are_counted_and_a_dead_broker_is_unreachable(broker: str) -> None:
    queue_name = f"tw_metrics_{uuid.uuid4().hex[:8]}"
    with kombu.Connection(broker) as connection:
        queue = connection.SimpleQueue(queue_name)
        try:
            assert celery_queue(broker, queue_name, 2.0) == (0, True)
            for n in range(3):
                queue.put({"n": n})
            assert _counted_within(5.0, broker, queue_name) == (3, True)
        finally:
            queue.clear()
            queue.close()
    assert celery_queue("redis://127.0.0.1:1/0", queue_name, 0.5) == (0, False)


def _counted_within(seconds: float, broker: str, queue_name: str) -> tuple[int, bool]:
    """The gauge once it shows all three messages, or its last reading. RabbitMQ takes
    publishes without confirming them, so a count read at once may not have them all."""
    ends = time.monotonic() + seconds
    while (counted := celery_queue(broker, queue_name, 2.0))[0] < 3 and time.monotonic() < ends:
        time.sleep(0.05)
    return counted
