"""Real services the integration tests use, and the rule for when one is missing.

In CI (``CI=true``) a missing service fails the test loudly; on a laptop it skips with
the reason, so a contributor without PostgreSQL can still run the rest.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_HOST = os.environ.get("TRADEWIND_TEST_PG_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("TRADEWIND_TEST_PG_PORT", "5432"))
POSTGRES_USER = os.environ.get("TRADEWIND_TEST_PG_USER", "postgres")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if port_open(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{message}; CI must provide it (see .ci/run)", pytrace=False)
    pytest.skip(f"{message}; start it to run this test")


def postgres_admin_url(database: str = "postgres") -> str:
    return f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"
