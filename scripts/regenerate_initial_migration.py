"""Developer tool: rebuild migration 0001 from the models.

Only valid until the first release: once a Tradewind with 0001 is out, schema changes get
a new revision (`alembic revision --autogenerate`), never an edited 0001.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from tradewind.db.engine import Database
from tradewind.db.schema import MIGRATIONS, _alembic_config

for old in (MIGRATIONS / "versions").glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    db = Database(f"sqlite:///{Path(tmp) / 'gen.db'}")
    with db.engine.begin() as connection:
        command.revision(
            _alembic_config(connection), message="initial schema", autogenerate=True, rev_id="0001"
        )
