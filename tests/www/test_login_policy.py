"""When the UI asks for a login: whenever the API does, unless told otherwise."""

from __future__ import annotations

import pytest

from tradewind.config import Config
from tradewind.www.login_policy import cookie_is_secure, ui_requires_login

BACKENDS = "tradewind.api.auth.backend."


@pytest.mark.parametrize(
    ("backend", "authenticate", "login"),
    [
        (BACKENDS + "default", "", False),
        ("airflow.api.auth.backend.default", "", False),
        (BACKENDS + "password_auth", "", True),
        (BACKENDS + "kerberos_auth", "", True),
        (BACKENDS + "deny_all", "", True),
        ("airflow.api.auth.backend.basic_auth", "", True),
        (BACKENDS + "password_auth", "False", False),
        (BACKENDS + "default", "True", True),
    ],
)
def test_ui_login_follows_the_api_unless_set(
    config: Config, backend: str, authenticate: str, login: bool
) -> None:
    settings = config.with_overrides(
        {("api", "auth_backend"): backend, ("webserver", "authenticate"): authenticate}
    )
    assert ui_requires_login(settings) is login


@pytest.mark.parametrize(
    ("base_url", "cookie_secure", "secure"),
    [
        ("http://localhost:8080", "False", False),
        ("HTTPS://tradewind.example.com", "False", True),
        ("http://tradewind.internal", "True", True),
    ],
)
def test_secure_cookie(config: Config, base_url: str, cookie_secure: str, secure: bool) -> None:
    settings = config.with_overrides(
        {("webserver", "base_url"): base_url, ("webserver", "cookie_secure"): cookie_secure}
    )
    assert cookie_is_secure(settings) is secure
