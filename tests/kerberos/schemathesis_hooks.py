"""schemathesis hooks (``SCHEMATHESIS_HOOKS``): a fresh SPNEGO token on every request.

A Negotiate token is good for one request (the server refuses a replay), so no fixed
``Authorization`` header can carry a fuzz run. The service's host is
``TRADEWIND_FUZZ_KERBEROS_HOST``; the ticket cache is the one ``KRB5CCNAME`` names.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import schemathesis
import spnego


@schemathesis.auth(refresh_interval=None)  # no caching: get() runs for every request
class FreshNegotiateToken:
    def get(self, case: Any, context: Any) -> str:
        client = spnego.client(
            hostname=os.environ["TRADEWIND_FUZZ_KERBEROS_HOST"],
            service="HTTP",
            protocol="negotiate",
        )
        return base64.b64encode(client.step()).decode()

    def set(self, case: Any, token: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Negotiate {token}"}
