"""Credentials the HTTP client (``json_client``) sends: none, Basic, or Kerberos/SPNEGO.

``[cli] api_auth`` picks the kind: ``none``, ``basic`` (``[cli] api_username`` and
``api_password``; set the password as ``TRADEWIND__CLI__API_PASSWORD`` to keep it out of
files and process lists) or ``kerberos`` (the caller's ticket cache, as ``kinit`` left it).
Empty means ``basic`` when a username is set, else ``none``.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import httpx

from tradewind.exceptions import ConfigError, TradewindException
from tradewind.security.kerberos import service_name

if TYPE_CHECKING:
    from tradewind.config import Config

MODES = ("none", "basic", "kerberos")


class KerberosClientError(TradewindException):
    """No usable ticket, or the server failed to prove who it is."""


def client_auth(config: Config) -> httpx.Auth | None:
    mode = str(config.get("cli", "api_auth")).strip().lower()
    username = str(config.get("cli", "api_username"))
    if not mode:
        mode = "basic" if username else "none"
    if mode == "none":
        return None
    if mode == "basic":
        if not username:
            raise ConfigError("[cli] api_auth = basic needs [cli] api_username.")
        return httpx.BasicAuth(username, str(config.get("cli", "api_password")))
    if mode == "kerberos":
        service = str(config.get("cli", "api_kerberos_service")).strip()
        return NegotiateAuth(service or service_name(str(config.get("kerberos", "principal"))))
    raise ConfigError(f"[cli] api_auth = {mode!r}: use one of {', '.join(MODES)}.")


class NegotiateAuth(httpx.Auth):
    """SPNEGO with the default ticket cache, for the service ``<service>@<URL host>``.

    The token goes with the first request (no 401 round trip). The server's reply token
    is checked (mutual authentication), so a host that cannot decrypt our ticket - an
    impostor - is found out even if it answers 200.
    """

    def __init__(self, service: str = "HTTP", hostname: str | None = None) -> None:
        self.service = service
        self.hostname = hostname

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        host = self.hostname or request.url.host
        context = _client_context(self.service, host)
        try:
            token = context.step()
        except Exception as exc:
            raise KerberosClientError(
                f"Cannot get a Kerberos ticket for {self.service}/{host}: {_one_line(exc)}. "
                "Run kinit (or `tradewind kerberos`) first, and check the service principal "
                "exists in the KDC ([cli] api_kerberos_service)."
            ) from None
        request.headers["Authorization"] = f"Negotiate {base64.b64encode(token).decode()}"
        response = yield request
        if response.status_code < 400:
            _check_mutual(context, response, f"{self.service}/{host}")


def _client_context(service: str, host: str) -> Any:
    try:
        import spnego
    except ImportError as exc:
        raise KerberosClientError(
            f"[cli] api_auth = kerberos needs pyspnego ({exc}): pip install 'tradewind[kerberos]'."
        ) from None
    return spnego.client(hostname=host, service=service, protocol="negotiate")


def _check_mutual(context: Any, response: httpx.Response, target: str) -> None:
    header = response.headers.get("www-authenticate", "")
    scheme, _, encoded = header.strip().partition(" ")
    failure = f"The server did not prove it is {target} (Kerberos mutual authentication)"
    if scheme.lower() != "negotiate" or not encoded.strip():
        raise KerberosClientError(f"{failure}: no Negotiate token in its answer.")
    try:
        context.step(base64.b64decode(encoded.strip(), validate=True))
    except Exception as exc:
        raise KerberosClientError(f"{failure}: {_one_line(exc)}") from None
    if not context.complete:
        raise KerberosClientError(f"{failure}: the exchange did not complete.")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
