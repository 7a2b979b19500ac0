"""What every CLI command may need, built lazily: the config, the database, the client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database


@dataclass
class CliContext:
    verbose: bool = False
    _config: Config | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            from tradewind.config import load_config
            from tradewind.logging_setup import configure_logging

            self._config = load_config()
            configure_logging(self._config, verbose=self.verbose)
        return self._config

    def database(self, *, check_schema: bool = True) -> Database:
        """The metadata database; by default refuses to go on if it is not migrated."""
        if self._database is None:
            from tradewind.db.engine import Database

            self._database = Database.from_config(self.config)
        if check_schema:
            from tradewind.db.schema import check

            check(self._database)
        return self._database


pass_cli = click.make_pass_decorator(CliContext)
