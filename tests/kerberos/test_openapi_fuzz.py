"""Issue 12 under kerberos_auth: schemathesis finds nothing against a real webserver.

Same run as tests/api/test_openapi_fuzz.py, with the suite's throw-away KDC: every request
carries a fresh SPNEGO token (tests/kerberos/schemathesis_hooks.py).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.fuzz import fuzz_env, run_schemathesis, served_document
from tests.auth.webserver import webserver
from tests.kerberos.conftest import Realm
from tests.kerberos.test_kerberos_backend import BACKEND, _listen_address
from tradewind.api.client.auth import NegotiateAuth


def test_kerberos_auth(realm: Realm, tmp_path: Path, sqlite_database_url: str) -> None:
    env = fuzz_env(
        tmp_path,
        sqlite_database_url,
        TRADEWIND__API__AUTH_BACKEND=BACKEND,
        TRADEWIND__KERBEROS__KEYTAB=str(realm.keytab),
    )
    with webserver(env, host=_listen_address(realm.hostname)) as server:
        base_url = server.url.replace("127.0.0.1", realm.hostname)  # SPNs name the host
        api = f"{base_url}/api/experimental"
        assert httpx.get(f"{api}/openapi.json", timeout=30).status_code == 401
        document = served_document(api, NegotiateAuth("HTTP"), tmp_path / "openapi.json")
        fuzz = {
            **env,
            "SCHEMATHESIS_HOOKS": "tests.kerberos.schemathesis_hooks",
            "TRADEWIND_FUZZ_KERBEROS_HOST": realm.hostname,
        }
        run_schemathesis(document, base_url, env=fuzz)
