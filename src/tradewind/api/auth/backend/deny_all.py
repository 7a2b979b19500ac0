"""The ``deny_all`` backend: every API request is refused with 401.

For a webserver that should serve only the UI, or to switch the API off in an incident
without stopping anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from tradewind.api.auth.base import Unauthenticated

if TYPE_CHECKING:
    from starlette.requests import Request

    from tradewind.config import Config
    from tradewind.db.engine import Database

# A scheme no client knows, so browsers show no login dialog for an API nobody may use.
CHALLENGE = 'DenyAll realm="Tradewind API"'
MESSAGE = "The API is disabled on this webserver ([api] auth_backend = deny_all)."


class DenyAll:
    async def authenticate(self, request: Request) -> NoReturn:
        raise Unauthenticated(CHALLENGE, MESSAGE)


def create_backend(config: Config, database: Database) -> DenyAll:
    return DenyAll()
