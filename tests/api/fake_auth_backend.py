"""An auth backend for the wiring tests: the caller names themself in ``X-Test-User``.

No user -> 401 with a challenge; user ``mallory`` -> 403; anyone else is let in and the
response carries ``X-Test-Seen: <name>`` (as Kerberos' mutual-auth token would).
"""

from __future__ import annotations

from typing import Any

from tradewind.api.auth.base import Forbidden, Identity, Unauthenticated


class HeaderBackend:
    async def authenticate(self, request: Any) -> Identity:
        user = request.headers.get("x-test-user")
        if not user:
            raise Unauthenticated('Test realm="tradewind"', "Who are you?")
        if user == "mallory":
            raise Forbidden("mallory may not use the API")
        return Identity(name=user, method="test", response_headers={"X-Test-Seen": user})


def create_backend(config: Any, database: Any) -> HeaderBackend:
    return HeaderBackend()
