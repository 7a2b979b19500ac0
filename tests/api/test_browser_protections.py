"""What the webserver refuses or tells a browser: cross-site API calls, redirects, docs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.server import DAG_FILE
from tests.api.webserver_process import webserver_process
from tests.auth.webserver import Webserver

BASE_URL = "https://tradewind.example.test"
POOL_BODY = '{"name": "planted", "slots": 5}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[Webserver]:
    settings = {"TRADEWIND__WEBSERVER__BASE_URL": BASE_URL}
    root = tmp_path_factory.mktemp("browser_protections")
    with webserver_process(root, _sqlite_template, settings, dag_file=DAG_FILE) as ws:
        yield ws


def paused(server: Webserver, dag_id: str) -> bool:
    return bool(httpx.get(f"{server.api}/dags/{dag_id}/paused").json()["is_paused"])


def pool_names(server: Webserver) -> list[str]:
    return [pool["pool"] for pool in httpx.get(f"{server.api}/pools").json()]


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_page_on_another_site_cannot_unpause_a_dag(server: Webserver, site: str) -> None:
    assert paused(server, "demo")
    response = httpx.get(
        f"{server.api}/dags/demo/paused/false",
        headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    )
    assert response.status_code == 403
    assert "another site" in response.json()["error"]
    assert paused(server, "demo")


def test_a_no_cors_text_post_from_another_origin_creates_no_pool(server: Webserver) -> None:
    response = httpx.post(
        f"{server.api}/pools",
        content=POOL_BODY,
        headers={"Content-Type": "text/plain", "Origin": "https://attacker.example"},
    )
    assert response.status_code == 403
    assert "another origin (https://attacker.example)" in response.json()["error"]
    assert "planted" not in pool_names(server)


def test_an_opaque_null_origin_is_refused(server: Webserver) -> None:
    response = httpx.post(f"{server.api}/pools", content=POOL_BODY, headers={"Origin": "null"})
    assert response.status_code == 403
    assert "planted" not in pool_names(server)


def test_scripts_and_same_origin_pages_keep_working(server: Webserver) -> None:
    """curl and scripts send neither header; the UI's own pages send their own origin."""
    assert httpx.get(f"{server.api}/test").json() == {"status": "OK"}
    same_origin = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    typed_in = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}
    assert httpx.get(f"{server.api}/pools", headers=same_origin).status_code == 200
    assert httpx.get(f"{server.api}/pools", headers=typed_in).status_code == 200
    from_base_url = {"Origin": BASE_URL}
    assert httpx.get(f"{server.api}/pools", headers=from_base_url).status_code == 200


def test_the_docs_page_opens_from_a_link_on_another_site(server: Webserver) -> None:
    response = httpx.get(
        f"{server.api}/docs", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    )
    assert response.status_code == 200
    assert "swagger-ui" in response.text


def test_a_redirect_goes_to_base_url_whatever_the_host_header(server: Webserver) -> None:
    response = httpx.get(f"{server.url}/dags/?page=2", headers={"Host": "evil.example"})
    assert response.is_redirect
    assert response.headers["location"] == f"{BASE_URL}/dags?page=2"


def test_relative_redirects_stay_relative(server: Webserver) -> None:
    response = httpx.get(f"{server.url}/", headers={"Host": "evil.example"})
    assert response.is_redirect
    assert response.headers["location"] == "/dags"


def test_pages_and_answers_forbid_framing_and_sniffing(server: Webserver) -> None:
    for url in (f"{server.url}/dags", f"{server.api}/test", f"{server.api}/docs"):
        headers = httpx.get(url).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_oauth2_redirect_page_is_gone(server: Webserver) -> None:
    for path in ("/docs/oauth2-redirect", "/api/experimental/docs/oauth2-redirect"):
        assert httpx.get(f"{server.url}{path}").status_code == 404


@pytest.fixture(scope="module")
def deny_all_server(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> Iterator[Webserver]:
    """A webserver whose API refuses everyone, with [webserver] base_url left at its default."""
    settings = {"TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.deny_all"}
    root = tmp_path_factory.mktemp("deny_all")
    with webserver_process(root, _sqlite_template, settings) as ws:
        yield ws


@pytest.mark.parametrize(
    "path",
    [
        "/docs/oauth2-redirect",
        "/api/experimental/docs",
        "/api/experimental/docs/swagger-ui-bundle.js",
        "/api/experimental/openapi.json",
    ],
)
def test_under_deny_all_no_docs_page_answers(deny_all_server: Webserver, path: str) -> None:
    response = httpx.get(f"{deny_all_server.url}{path}")
    assert response.status_code in (401, 403, 404)
    assert "swagger" not in response.text.lower()


def test_without_a_base_url_a_redirect_is_relative(deny_all_server: Webserver) -> None:
    """The default base_url (localhost:8080) says nothing of where the server really is."""
    response = httpx.get(f"{deny_all_server.url}/dags/", headers={"Host": "evil.example"})
    assert response.is_redirect
    assert response.headers["location"] == "/dags"
