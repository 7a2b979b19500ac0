"""Logging in to the web UI of a running webserver the way a browser does: form, cookie."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx

from tradewind.www.session import COOKIE_NAME


def csrf_from(page: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
        r'name="csrf-token" content="([^"]+)"', page.text
    )
    assert match, f"no CSRF token in the page ({page.status_code})"
    return match.group(1)


def login(url: str, username: str, password: str) -> httpx.Client:
    """A client holding a logged-in session cookie (asserts the login worked)."""
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    response = post_login(client, username, password)
    assert response.status_code == 303, response.text
    return client


def post_login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login"))
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def copied_cookie(client: httpx.Client) -> dict[str, str]:
    """The session cookie as someone who copied it would replay it."""
    return {COOKIE_NAME: client.cookies[COOKIE_NAME]}


def opens_dags(url: str, cookie: dict[str, str]) -> bool:
    """True if the cookie alone gets the DAG list; False if it is sent to the login page."""
    response = httpx.get(f"{url}/dags", cookies=cookie, timeout=60, follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def eventually(condition: Callable[[], bool], within: float = 15.0) -> bool:
    """Whether ``condition`` holds within ``within`` seconds (workers recheck every few)."""
    deadline = time.monotonic() + within
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
