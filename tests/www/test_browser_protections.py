"""In Chromium: the UI and the API docs under the webserver's Content-Security-Policy,
and what a page on another site can no longer do with them (frame them, call the API).

The webserver is a real ``tradewind webserver`` process; the other site is a static page
served from ``localhost`` while the webserver is reached on ``127.0.0.1`` (another site).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import DAG_FILE
from tests.api.webserver_process import webserver_process
from tests.auth.webserver import Webserver
from tests.www.browser import chromium_page, require_browser

# Collects every CSP violation the page reports, before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_browser()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[Webserver]:
    root = tmp_path_factory.mktemp("ui_protections")
    with webserver_process(root, _sqlite_template, dag_file=DAG_FILE) as ws:
        run = {"run_id": "csp_check", "execution_date": "2024-01-02"}
        assert httpx.post(f"{ws.api}/dags/demo/dag_runs", json=run).status_code == 200
        pool = {"name": "loaders", "slots": 4, "description": "for the meter"}
        assert httpx.post(f"{ws.api}/pools", json=pool).status_code == 200
        yield ws


@contextmanager
def other_site(root: Path, page: str) -> Iterator[str]:
    """Serve ``page`` as index.html on a free port; its URL on ``localhost``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(page)
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__violations"))


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_ui_pages_work_under_the_csp_without_violations(server: Webserver, chromium: str) -> None:
    pages = [
        ("/dags", "demo"),
        ("/dags/demo", "extract"),
        ("/dags/demo/graph", "extract"),
        ("/dags/demo/code", "BashOperator"),
        ("/dags/demo/trigger", "Trigger"),
        ("/dags/demo/runs/csp_check", "csp_check"),
        ("/pools", "loaders"),
    ]
    with chromium_page(chromium) as page:
        page.add_init_script(RECORD_VIOLATIONS)
        errors = console_errors(page)
        for path, text in pages:
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.ok, path
            assert "content-security-policy" in response.headers
            page.wait_for_load_state("networkidle")
            assert text in page.inner_text("body"), path
            # The stylesheet applied: the page is not unstyled HTML.
            assert page.evaluate("getComputedStyle(document.body).margin") != "8px", path
            assert violations(page) == [], path

        # app.js runs: the pause toggle flips the DAG in place, through fetch.
        page.goto(f"{server.url}/dags")
        page.click('button.switch[data-dag-id="demo"]')
        page.wait_for_selector('button.switch[data-dag-id="demo"][aria-checked="true"]')
        assert violations(page) == []
    assert errors == []
    assert httpx.get(f"{server.api}/dags/demo/paused").json()["is_paused"] is False
    httpx.get(f"{server.api}/dags/demo/paused/true")


def test_another_site_cannot_frame_the_ui(server: Webserver, chromium: str, tmp_path: Path) -> None:
    decoy = f'<h1>Win a prize</h1><iframe id="ui" src="{server.url}/dags"></iframe>'
    with other_site(tmp_path / "site", decoy) as url, chromium_page(chromium) as page:
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        (framed,) = [frame for frame in page.frames if frame != page.main_frame]
        shown = framed.evaluate("document.body ? document.body.innerText : ''")
    assert "demo" not in shown
    assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in messages)


def test_a_page_on_another_site_cannot_use_the_api(
    server: Webserver, chromium: str, tmp_path: Path
) -> None:
    """The review's two attacks: an image that unpauses a DAG, a no-cors text/plain POST."""
    attack = f"""
    <img src="{server.api}/dags/demo/paused/false">
    <script>
      fetch("{server.api}/pools", {{
        method: "POST", mode: "no-cors", credentials: "include",
        headers: {{"Content-Type": "text/plain"}},
        body: JSON.stringify({{name: "planted", slots: 5}}),
      }}).finally(() => {{ document.title = "sent"; }});
    </script>
    """
    assert httpx.get(f"{server.api}/dags/demo/paused").json()["is_paused"] is True
    with other_site(tmp_path / "site", attack) as url, chromium_page(chromium) as page:
        page.goto(url)
        page.wait_for_function("document.title === 'sent'")
        page.wait_for_load_state("networkidle")
    assert httpx.get(f"{server.api}/dags/demo/paused").json()["is_paused"] is True
    pools = [pool["pool"] for pool in httpx.get(f"{server.api}/pools").json()]
    assert "planted" not in pools


def test_the_api_docs_render_from_this_webserver_alone(server: Webserver, chromium: str) -> None:
    with chromium_page(chromium) as page:
        page.add_init_script(RECORD_VIOLATIONS)
        errors = console_errors(page)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{server.api}/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "Tradewind experimental REST API" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector('.opblock-summary-path[data-path*="/paused/"]')
        assert violations(page) == []
    assert errors == []
    assert requested and all(url.startswith(server.url + "/") for url in requested), requested
