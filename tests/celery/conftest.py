from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.celery.cluster import Cluster
from tests.services import require_service
from tradewind.config import Config
from tradewind.db.engine import Database

BROKERS = {
    "redis": ("Redis", 6379, "redis://127.0.0.1:6379/0"),
    "rabbitmq": ("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672//"),
}


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> str:
    """The broker URL; parametrize with ``indirect`` ("redis" or "rabbitmq")."""
    name, port, url = BROKERS[getattr(request, "param", "redis")]
    require_service(name, "127.0.0.1", port)
    require_service("Redis (result backend)", "127.0.0.1", 6379)
    return url


@pytest.fixture
def cluster(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path, broker: str
) -> Iterator[Cluster]:
    (tmp_path / "spans").mkdir()
    c = Cluster(db_config, database, db_env, tmp_path, broker)
    try:
        yield c
    finally:
        c.stop_all()
