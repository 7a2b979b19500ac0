"""kerberos_auth end to end: SPNEGO against a running ``tradewind webserver`` and a real KDC."""

from __future__ import annotations

import base64
import ipaddress
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.auth.webserver import TRADEWIND, Webserver, run_cli, webserver
from tests.kerberos.conftest import Realm
from tests.services import in_ci
from tradewind.api.client.auth import NegotiateAuth
from tradewind.db.engine import Database
from tradewind.db.models import AuditLog

BACKEND = "tradewind.api.auth.backend.kerberos_auth"


def _listen_address(hostname: str) -> str:
    """Loopback when the realm's host name is loopback (the usual case), else all."""
    try:
        address = socket.gethostbyname(hostname)
    except OSError:
        return "127.0.0.1"
    return "127.0.0.1" if ipaddress.ip_address(address).is_loopback else "0.0.0.0"


@pytest.fixture(scope="module")
def env(
    realm: Realm, tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> dict[str, str]:
    root = tmp_path_factory.mktemp("kerberos_auth")
    shutil.copy(_sqlite_template, root / "tradewind.db")
    return {
        **realm.env,
        "TRADEWIND_HOME": str(root / "home"),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'tradewind.db'}",
        "TRADEWIND__API__AUTH_BACKEND": BACKEND,
        "TRADEWIND__KERBEROS__KEYTAB": str(realm.keytab),
    }


@pytest.fixture(scope="module")
def server(realm: Realm, env: dict[str, str]) -> Iterator[Webserver]:
    with webserver(env, host=_listen_address(realm.hostname)) as running:
        yield running


def url_for(realm: Realm, server: Webserver, path: str = "/test") -> str:
    """The URL with the realm's host name: SPNs are host-based, as for a real user."""
    port = server.url.rsplit(":", 1)[1]
    return f"http://{realm.hostname}:{port}/api/experimental{path}"


def call(realm: Realm, server: Webserver, service: str) -> httpx.Response:
    return httpx.get(url_for(realm, server), auth=NegotiateAuth(service), timeout=30)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Negotiate"
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"error"}


def test_ticket_for_tradewind_service_is_accepted_with_mutual_auth(
    realm: Realm, server: Webserver
) -> None:
    response = call(realm, server, "tradewind")  # NegotiateAuth checks the server's token
    assert response.status_code == 200
    assert response.json() == {"status": "OK"}
    scheme, token = response.headers["www-authenticate"].split(" ")
    assert scheme == "Negotiate" and base64.b64decode(token)


def test_ticket_for_http_service_in_the_keytab_is_accepted(realm: Realm, server: Webserver) -> None:
    assert call(realm, server, "HTTP").status_code == 200


def test_ticket_for_a_service_not_in_the_keytab_is_401(realm: Realm, server: Webserver) -> None:
    # other/<host> exists in the KDC, so the client gets a ticket; the keytab cannot read it.
    assert_refused(call(realm, server, "other"))


def test_no_ticket_header_or_garbage_is_401(realm: Realm, server: Webserver) -> None:
    assert_refused(httpx.get(url_for(realm, server), timeout=30))
    for header in ["Negotiate", "Negotiate !!!", "Negotiate " + base64.b64encode(b"junk").decode()]:
        assert_refused(httpx.get(url_for(realm, server), headers={"Authorization": header}))
    assert_refused(httpx.get(url_for(realm, server), headers={"Authorization": "Basic eDp5"}))


def test_a_replayed_token_is_401(realm: Realm, server: Webserver) -> None:
    import spnego

    token = spnego.client(hostname=realm.hostname, service="HTTP").step()
    assert token is not None
    header = {"Authorization": f"Negotiate {base64.b64encode(token).decode()}"}
    assert httpx.get(url_for(realm, server), headers=header).status_code == 200
    assert_refused(httpx.get(url_for(realm, server), headers=header))


def test_principal_is_the_actor_of_changes(
    realm: Realm, server: Webserver, env: dict[str, str]
) -> None:
    response = httpx.post(
        url_for(realm, server, "/pools"),
        content='{"name": "kerberized", "slots": 2}',
        auth=NegotiateAuth("tradewind"),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    database = Database(env["TRADEWIND__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        with database.session() as session:
            owners = list(session.scalars(select(AuditLog.owner)))
    finally:
        database.dispose()
    assert realm.user in owners


def _curl_has_spnego() -> None:
    features = subprocess.run(["curl", "-V"], capture_output=True, text=True).stdout
    if "SPNEGO" not in features or "GSS-API" not in features:
        message = "this curl has no GSS-API/SPNEGO support"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def curl(realm: Realm, server: Webserver, env: dict[str, str], *args: str) -> list[str]:
    result = subprocess.run(
        ["curl", "-sS", *args, "-w", "\n%{http_code}", url_for(realm, server)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_curl_negotiate_works(realm: Realm, server: Webserver, env: dict[str, str]) -> None:
    _curl_has_spnego()
    assert curl(realm, server, env, "--negotiate", "-u", ":") == ['{"status":"OK"}', "200"]


def test_curl_without_a_ticket_gets_401(
    realm: Realm, server: Webserver, env: dict[str, str], tmp_path: Path
) -> None:
    _curl_has_spnego()
    empty_cache = {**env, "KRB5CCNAME": str(tmp_path / "no_ccache")}
    lines = curl(realm, server, empty_cache, "--negotiate", "-u", ":")
    assert lines[-1] == "401"


def test_cli_json_client_uses_the_ticket_cache(
    realm: Realm, server: Webserver, env: dict[str, str], tmp_path: Path
) -> None:
    client_env = {
        **env,
        "TRADEWIND__CLI__API_CLIENT": "tradewind.api.client.json_client",
        "TRADEWIND__CLI__ENDPOINT_URL": url_for(realm, server, "").split("/api/")[0],
        "TRADEWIND__CLI__API_AUTH": "kerberos",
    }
    for service in ("", "HTTP"):
        listed = run_cli(
            {**client_env, "TRADEWIND__CLI__API_KERBEROS_SERVICE": service}, "pools", "list"
        )
        assert listed.returncode == 0, listed.stderr
        assert "default_pool" in listed.stdout

    no_ticket = run_cli({**client_env, "KRB5CCNAME": str(tmp_path / "none")}, "pools", "list")
    assert no_ticket.returncode == 1
    assert "kinit" in no_ticket.stderr and "Traceback" not in no_ticket.stderr


def test_missing_keytab_stops_the_webserver_at_start(env: dict[str, str], tmp_path: Path) -> None:
    bad = {**env, "TRADEWIND__KERBEROS__KEYTAB": str(tmp_path / "absent.keytab")}
    result = subprocess.run(
        [*TRADEWIND, "webserver", "--port", "1", "--workers", "1"],
        env=bad,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "absent.keytab" in result.stderr and "does not exist" in result.stderr
