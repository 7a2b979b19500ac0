"""Kerberos for Tradewind's own processes: principal names and a ticket cache kept fresh.

``tradewind kerberos`` runs :func:`run_ticket_renewer`: it gets a ticket for
``[kerberos] principal`` from ``[kerberos] keytab`` into ``[kerberos] ccache`` with the
MIT ``kinit`` tool, then gets a fresh one every ``reinit_frequency`` seconds. A fresh
``kinit -kt`` (rather than ``kinit -R``) works whether or not the realm issues renewable
tickets. A FILE cache is written beside the target and renamed over it, so a process
reading the cache never sees it half-written.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tradewind.exceptions import ConfigError, TradewindException

if TYPE_CHECKING:
    from tradewind.config import Config

log = logging.getLogger(__name__)

HOST_PLACEHOLDER = "_HOST"
KINIT_TIMEOUT_SECONDS = 60


class KerberosError(TradewindException):
    """kinit failed, or a Kerberos setting cannot work."""


def fqdn(config: Config) -> str:
    """``[core] hostname`` or the machine's FQDN: the host part of service principals."""
    return str(config.get("core", "hostname") or "") or socket.getfqdn()


def expand_principal(principal: str, hostname: str) -> str:
    """``tradewind`` -> ``tradewind/<host>``; ``svc/_HOST@R`` -> ``svc/<host>@R``.

    Without a realm, Kerberos appends the default realm of krb5.conf.
    """
    principal = principal.strip()
    if not principal:
        raise ConfigError("[kerberos] principal is empty.")
    if "/" not in principal and "@" not in principal:
        return f"{principal}/{hostname}"
    return principal.replace(HOST_PLACEHOLDER, hostname)


def service_principal(config: Config) -> str:
    return expand_principal(str(config.get("kerberos", "principal")), fqdn(config))


def service_name(principal: str) -> str:
    """The service part of a principal: ``tradewind/host@R`` -> ``tradewind``."""
    return principal.split("@", 1)[0].split("/", 1)[0]


@dataclass(frozen=True)
class TicketSettings:
    principal: str
    keytab: Path
    ccache: str
    kinit: str
    reinit_frequency: float

    @classmethod
    def from_config(
        cls, config: Config, *, principal: str | None = None, keytab: str | None = None
    ) -> TicketSettings:
        return cls(
            principal=expand_principal(principal, fqdn(config))
            if principal
            else service_principal(config),
            keytab=Path(keytab or str(config.get("kerberos", "keytab"))).expanduser(),
            ccache=str(config.get("kerberos", "ccache")),
            kinit=str(config.get("kerberos", "kinit_path")),
            reinit_frequency=float(config.get("kerberos", "reinit_frequency")),
        )


def _file_ccache_path(ccache: str) -> Path | None:
    """The path of a FILE ccache (``/tmp/x`` or ``FILE:/tmp/x``); None for other types."""
    kind, colon, rest = ccache.partition(":")
    if not colon:
        return Path(ccache)
    if kind.upper() == "FILE":
        return Path(rest)
    return None


def kinit(settings: TicketSettings) -> None:
    """Get a new ticket for ``settings.principal`` from the keytab into the ccache."""
    if not settings.keytab.is_file():
        raise KerberosError(f"Keytab {settings.keytab} does not exist ([kerberos] keytab).")
    target = _file_ccache_path(settings.ccache)
    write_to = settings.ccache
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_to = str(target.with_name(f".{target.name}.{os.getpid()}.new"))
    command = [settings.kinit, "-k", "-t", str(settings.keytab), "-c", write_to, settings.principal]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=KINIT_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise KerberosError(
            f"Cannot run {settings.kinit!r} ([kerberos] kinit_path): install the MIT Kerberos "
            "client tools (Debian: krb5-user)."
        ) from None
    except subprocess.TimeoutExpired:
        raise KerberosError(
            f"kinit for {settings.principal} did not finish in {KINIT_TIMEOUT_SECONDS} s: "
            "is the KDC reachable?"
        ) from None
    if result.returncode != 0:
        if target is not None:
            Path(write_to).unlink(missing_ok=True)
        detail = (result.stderr or result.stdout).strip()
        raise KerberosError(
            f"kinit for {settings.principal} from {settings.keytab} failed: {detail}"
        )
    if target is not None:
        os.chmod(write_to, 0o600)
        os.replace(write_to, target)
    log.info("Got a Kerberos ticket for %s into %s", settings.principal, settings.ccache)


def run_ticket_renewer(settings: TicketSettings, *, one_time: bool = False) -> None:
    """kinit now, then again every ``reinit_frequency`` s until SIGTERM/SIGINT.

    A failed renewal is logged and retried sooner (a KDC may be briefly down); the
    first kinit must succeed, so a wrong keytab or principal stops the command at once.
    """
    kinit(settings)
    if one_time:
        return
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    retry = min(60.0, settings.reinit_frequency)
    try:
        delay = settings.reinit_frequency
        while not stop.wait(delay):
            try:
                kinit(settings)
                delay = settings.reinit_frequency
            except KerberosError as exc:
                log.error("%s; trying again in %.0f s", exc, retry)
                delay = retry
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("Kerberos ticket renewer stopped")
