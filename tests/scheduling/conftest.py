from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tests.scheduling.passes import PassHarness
from tradewind.config import Config
from tradewind.db.engine import Database


@pytest.fixture
def harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    (tmp_path / "spans").mkdir()
    h = Harness(db_config, database, db_env, tmp_path)
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture
def passes(db_config: Config, database: Database) -> PassHarness:
    """A scheduler driven one pass at a time, with a fake clock (see ``passes.py``)."""
    return PassHarness(db_config, database)
