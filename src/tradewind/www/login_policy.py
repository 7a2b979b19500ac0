"""Whether the web UI asks for a login, and whether its cookie is sent over HTTPS only.

The UI can trigger runs, clear tasks and delete pools, just like the API. So it is open
only when the API is open too (the ``default`` backend) or when ``[webserver]
authenticate = False`` says so explicitly; that last case, behind a locked API, is
warned about at start-up, since anyone reaching the port can act without a login.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from tradewind.config import Config

log = logging.getLogger(__name__)

# The backend that lets everyone in, under Tradewind's and Airflow's module names.
OPEN_API_BACKENDS = frozenset(
    {"tradewind.api.auth.backend.default", "airflow.api.auth.backend.default"}
)


def api_is_open(config: Config) -> bool:
    return str(config.get("api", "auth_backend")).strip() in OPEN_API_BACKENDS


def ui_requires_login(config: Config) -> bool:
    """``[webserver] authenticate`` if set, else a login whenever the API needs one."""
    setting = config.get("webserver", "authenticate")
    return not api_is_open(config) if setting is None else bool(setting)


def warn_if_open_behind_a_locked_api(config: Config) -> None:
    """Said at start-up: an explicitly open UI undoes the API's login."""
    if config.get("webserver", "authenticate") is False and not api_is_open(config):
        log.warning(
            "The web UI needs no login ([webserver] authenticate = False, from %s) although "
            "the API does ([api] auth_backend = %s): anyone who reaches the webserver can "
            "trigger, clear and delete through the UI. Remove the setting to require a login.",
            config.source("webserver", "authenticate"),
            config.get("api", "auth_backend"),
        )


def cookie_is_secure(config: Config) -> bool:
    """``Secure`` cookies when asked to, or when people reach the UI over https anyway."""
    base_url = str(config.get("webserver", "base_url")).strip()
    return bool(config.get("webserver", "cookie_secure")) or (
        urlsplit(base_url).scheme.lower() == "https"
    )
