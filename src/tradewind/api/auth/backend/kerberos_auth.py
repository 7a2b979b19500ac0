"""The ``kerberos_auth`` backend: SPNEGO (``Authorization: Negotiate <token>``).

The acceptor has no name of its own (GSS_C_NO_NAME) and reads ``[kerberos] keytab``
through a GSSAPI credential store, not through ``KRB5_KTNAME``: a ticket for *any*
principal in that keytab is accepted, so Tradewind's client (``tradewind/<host>``),
curl and browsers (``HTTP/<host>``) all work, and the process environment is untouched.

MIT's own SPNEGO mechanism does the acceptance (through python-gssapi). pyspnego's
``spnego.server()`` cannot be given acceptor credentials on Linux without its private
arguments, and Kerberos inside SPNEGO completes in one round trip, which is all a
stateless HTTP request can carry anyway.
"""

from __future__ import annotations

import base64
import binascii
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from tradewind.api.auth.base import Identity, Unauthenticated
from tradewind.exceptions import ConfigError

if TYPE_CHECKING:
    from starlette.requests import Request

    from tradewind.config import Config
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)

CHALLENGE = "Negotiate"
NO_TICKET = "Kerberos authentication required: send 'Authorization: Negotiate <token>'."
REFUSED = "Kerberos authentication failed."


class KerberosAuth:
    def __init__(self, keytab: Path) -> None:
        import gssapi

        self._gssapi = gssapi
        self.keytab = keytab

    def acceptor_credentials(self) -> Any:
        """Credentials for every principal in the keytab (re-read, so a new keytab counts)."""
        return self._gssapi.Credentials(usage="accept", store={"keytab": str(self.keytab)})

    async def authenticate(self, request: Request) -> Identity:
        scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "negotiate" or not encoded.strip():
            raise Unauthenticated(CHALLENGE, NO_TICKET)
        try:
            token = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Unauthenticated(CHALLENGE, REFUSED) from None
        # Reads the keytab and the replay cache: file I/O, so off the event loop.
        principal, reply = await anyio.to_thread.run_sync(self._accept, token)
        headers = {}
        if reply:
            headers["WWW-Authenticate"] = f"Negotiate {base64.b64encode(reply).decode('ascii')}"
        return Identity(name=principal, method="kerberos", response_headers=headers)

    def _accept(self, token: bytes) -> tuple[str, bytes | None]:
        try:
            context = self._gssapi.SecurityContext(
                creds=self.acceptor_credentials(), usage="accept"
            )
            reply = context.step(token)
            # MIT's SPNEGO may answer a bad ticket with an error token and keep the error
            # for later: reading ``complete`` raises it.
            complete = context.complete
            principal = str(context.initiator_name).rstrip("\x00") if complete else ""
        except self._gssapi.exceptions.GSSError as exc:
            # Wrong service, expired or replayed ticket, garbage: the reason goes to the
            # log for the operator, the client gets a plain 401.
            log.warning("Kerberos authentication refused: %s", _one_line(exc))
            raise Unauthenticated(CHALLENGE, REFUSED) from None
        if not complete:
            log.warning("Kerberos authentication refused: the exchange needs more than one step")
            raise Unauthenticated(CHALLENGE, REFUSED)
        return principal, reply


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def create_backend(config: Config, database: Database) -> KerberosAuth:
    """Check the keytab now, so a bad setting stops the webserver instead of every request."""
    keytab = Path(str(config.get("kerberos", "keytab"))).expanduser()
    source = config.source("kerberos", "keytab")
    try:
        backend = KerberosAuth(keytab)
    except ImportError as exc:
        raise ConfigError(
            f"[api] auth_backend = kerberos_auth needs python-gssapi ({exc}): "
            "pip install 'tradewind[kerberos]' (and the MIT Kerberos libraries)."
        ) from None
    if not keytab.is_file():
        raise ConfigError(f"[kerberos] keytab = {keytab} (from {source}) does not exist.")
    try:
        backend.acceptor_credentials()
    except backend._gssapi.exceptions.GSSError as exc:
        raise ConfigError(
            f"[kerberos] keytab = {keytab} (from {source}) cannot be used: {_one_line(exc)}"
        ) from None
    log.info("Kerberos API auth: accepting tickets for any principal in %s", keytab)
    return backend
