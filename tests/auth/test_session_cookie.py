"""The session cookie is marked Secure when the UI is reached over HTTPS."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.auth.webserver import sqlite_env, webserver
from tradewind.www.session import COOKIE_NAME


@pytest.fixture
def env(tmp_path: Path, _sqlite_template: Path) -> dict[str, str]:
    environ = sqlite_env(
        tmp_path,
        _sqlite_template,
        TRADEWIND__WEBSERVER__AUTHENTICATE="True",
    )
    return environ


def session_cookie_attributes(url: str) -> list[str]:
    response = httpx.get(f"{url}/login", timeout=30)
    (cookie,) = [
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{COOKIE_NAME}=")
    ]
    return [part.strip().lower() for part in cookie.split(";")[1:]]


@pytest.mark.parametrize(
    ("settings", "secure"),
    [
        ({}, False),
        ({"TRADEWIND__WEBSERVER__BASE_URL": "https://tradewind.example.com"}, True),
        ({"TRADEWIND__WEBSERVER__COOKIE_SECURE": "True"}, True),
    ],
)
def test_secure_flag_follows_base_url_and_cookie_secure(
    env: dict[str, str], settings: dict[str, str], secure: bool
) -> None:
    with webserver({**env, **settings}) as server:
        attributes = session_cookie_attributes(server.url)
    assert ("secure" in attributes) is secure
    assert "httponly" in attributes and "samesite=lax" in attributes
