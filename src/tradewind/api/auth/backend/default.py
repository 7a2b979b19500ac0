"""The ``default`` backend: everyone is let in, as the anonymous user.

Fine on a laptop; on a shared network anyone who reaches the port can trigger and delete
DAGs, so creating it on a non-loopback address logs a warning naming the safer backends.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from tradewind.api.auth.base import ANONYMOUS, Identity

if TYPE_CHECKING:
    from starlette.requests import Request

    from tradewind.config import Config
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)


class AllowAll:
    async def authenticate(self, request: Request) -> Identity:
        return ANONYMOUS


def _is_loopback(host: str) -> bool:
    if host in {"localhost", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_backend(config: Config, database: Database) -> AllowAll:
    host = str(config.get("webserver", "web_server_host"))
    if not _is_loopback(host):
        log.warning(
            "The API accepts every request without credentials ([api] auth_backend = default) "
            "and the webserver listens on %s, not only on loopback. Set [api] auth_backend "
            "to tradewind.api.auth.backend.password_auth or kerberos_auth to require a login.",
            host,
        )
    return AllowAll()
