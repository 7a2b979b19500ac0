"""Process-wide logging set-up, done once by each entry point from the config."""

from __future__ import annotations

import logging

from tradewind.config import Config

LOG_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"


def configure_logging(config: Config, *, verbose: bool = False) -> None:
    level = "DEBUG" if verbose else str(config.get("logging", "logging_level")).upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=LOG_FORMAT, level=level)
    else:
        root.setLevel(level)
    # Alembic narrates every start-up at INFO; only its warnings interest a user.
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
