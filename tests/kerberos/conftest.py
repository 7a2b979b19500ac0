"""A throw-away MIT Kerberos realm (k5test) for the Kerberos tests.

One realm per test session: k5test's KDC listens on fixed ports (61000 and up by
default), so the fixture picks a block nobody listens on, and always stops the KDC in
``finally`` - a KDC left behind by a crashed run makes later kinits fail with
"Password incorrect". The test process itself gets the realm's ``KRB5_CONFIG`` and the
user's ticket cache (``KRB5CCNAME``) for the session; ``KRB5_KTNAME`` is deliberately not
set, so the webserver can only find its keytab through ``[kerberos] keytab``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services import in_ci

PORT_BASES = range(61000, 62000, 50)


@dataclass
class Realm:
    k5: Any  # k5test.K5Realm
    hostname: str
    name: str
    keytab: Path  # tradewind/<host> and HTTP/<host>, not other/<host>
    env: dict[str, str]  # for subprocesses: the realm's krb5.conf and the user's ccache

    @property
    def user(self) -> str:
        return f"user@{self.name}"


def _missing(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must install it (scripts/install-test-deps.sh)", pytrace=False)
    pytest.skip(reason)


def _ports_free(base: int) -> bool:
    for port in range(base, base + 10):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as sock:
                try:
                    sock.bind(("0.0.0.0", port))
                except OSError:
                    return False
    return True


@pytest.fixture(scope="session")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Realm]:
    for tool in ("krb5kdc", "kdb5_util", "kadmin.local", "kinit"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            _missing(f"MIT Kerberos tool {tool} is not installed (krb5-kdc, krb5-user)")
    try:
        import gssapi  # noqa: F401
        import k5test
        import spnego  # noqa: F401
    except ImportError as exc:
        _missing(f"Python Kerberos packages missing: {exc}")
    base = next((b for b in PORT_BASES if _ports_free(b)), None)
    if base is None:
        pytest.fail("No free port block for the test KDC (61000-62000)", pytrace=False)
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5CCNAME", "KRB5_KTNAME")}
    k5 = k5test.K5Realm(portbase=base)
    try:
        hostname = k5.hostname
        keytab = tmp_path_factory.mktemp("keytab") / "tradewind.keytab"
        for service in ("tradewind", "HTTP", "other"):
            k5.addprinc(f"{service}/{hostname}@{k5.realm}")
        for service in ("tradewind", "HTTP"):
            k5.extract_keytab(f"{service}/{hostname}@{k5.realm}", str(keytab))
        krb_env = {
            "KRB5_CONFIG": k5.env["KRB5_CONFIG"],
            "KRB5CCNAME": k5.env["KRB5CCNAME"],
            "KRB5RCACHEDIR": k5.env["KRB5RCACHEDIR"],
        }
        os.environ.update(krb_env)
        os.environ.pop("KRB5_KTNAME", None)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
        yield Realm(k5, hostname, k5.realm, keytab, env)
    finally:
        k5.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
