"""API clients the CLI uses: ``local_client`` (the database) or ``json_client`` (HTTP).

``[cli] api_client`` names the module; Airflow's module names are accepted too.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from tradewind.exceptions import ConfigError

if TYPE_CHECKING:
    from tradewind.api.client.base import Client
    from tradewind.config import Config

log = logging.getLogger(__name__)

PACKAGE = "tradewind.api.client"
ALIASES = {
    "airflow.api.client.local_client": f"{PACKAGE}.local_client",
    "airflow.api.client.json_client": f"{PACKAGE}.json_client",
    "local_client": f"{PACKAGE}.local_client",
    "json_client": f"{PACKAGE}.json_client",
}


def get_client(config: Config) -> Client:
    """The client ``[cli] api_client`` names, built from ``config``."""
    configured = str(config.get("cli", "api_client")).strip()
    module_name = ALIASES.get(configured, configured)
    if configured.startswith("airflow."):
        log.info("[cli] api_client %s is Airflow's name; using %s", configured, module_name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"[cli] api_client = {configured!r} (from {config.source('cli', 'api_client')}) "
            f"cannot be loaded: {exc}. Use {PACKAGE}.local_client or {PACKAGE}.json_client."
        ) from None
    factory = getattr(module, "Client", None)
    if factory is None:
        raise ConfigError(f"API client module {module_name} has no Client class.")
    return factory(config)
