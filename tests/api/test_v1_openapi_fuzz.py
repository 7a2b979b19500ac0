"""Issue 18: schemathesis finds nothing against ``/api/v1`` of a real webserver.

``tradewind webserver`` with password auth serves the stable API's document, and
schemathesis (coverage, fuzzing and stateful phases, every check) runs each operation
in it with the user's credentials, and without them for the auth checks. A failure
prints schemathesis' report, each finding with a curl command to reproduce it.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.fuzz import fuzz_env, run_schemathesis, served_document
from tests.auth.webserver import run_cli, webserver

pytestmark = pytest.mark.slow

CONFIG_FILE = Path(__file__).with_name("schemathesis_v1.toml")
# The operations fuzzed, by tag. The DAG, DAG run and task instance operations (tags DAG,
# DAGRun, TaskInstance, XCom) join when schemathesis finds nothing there either: the
# whole document is one --include-tag-regex away.
TAGS = ("Pool", "Variable", "Connection", "ImportError", "Monitoring", "Config")


def test_stable_api_with_password_auth(tmp_path: Path, database_url: str) -> None:
    """On both databases: PostgreSQL refuses some text SQLite stores."""
    # schemathesis sends wrong credentials on purpose and wants a 401 for each: the
    # failed-login throttle would answer 429 after the tenth, so it is set out of reach.
    env = fuzz_env(
        tmp_path,
        database_url,
        TRADEWIND__API__AUTH_BACKEND="tradewind.api.auth.backend.password_auth",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_USER="1000000",
        TRADEWIND__WEBSERVER__LOGIN_FAILURES_PER_ADDRESS="1000000",
        TRADEWIND__WEBSERVER__EXPOSE_CONFIG="True",
    )
    created = run_cli(env, "users", "create", "-u", "fuzzer", "--password-stdin", stdin="pw")
    assert created.returncode == 0, created.stderr
    with webserver(env) as server:
        v1 = f"{server.url}/api/v1"
        assert httpx.get(f"{v1}/openapi.json", timeout=30).status_code == 401
        assert httpx.get(f"{v1}/health", timeout=30).status_code == 200  # public, as Airflow's
        document = served_document(
            v1, httpx.BasicAuth("fuzzer", "pw"), tmp_path / "openapi_v1.json"
        )
        run_schemathesis(
            document,
            v1,
            "--auth",
            "fuzzer:pw",
            "--include-tag-regex",
            f"^({'|'.join(TAGS)})$",
            env=env,
            config_file=CONFIG_FILE,
        )
