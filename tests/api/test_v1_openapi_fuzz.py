"""Issue 18: schemathesis finds nothing against ``/api/v1`` of a real webserver.

``tradewind webserver`` with password auth serves the stable API's document, and
schemathesis (coverage, fuzzing and stateful phases, every check) runs every operation
in it, on the test's DAGs, runs and import error (named in schemathesis_v1.toml), with
the user's credentials, and without them for the auth checks. A failure prints
schemathesis' report, each finding with a curl command to reproduce it.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.fuzz import fuzz_env, run_schemathesis, served_document
from tests.auth.webserver import run_cli, webserver

pytestmark = pytest.mark.slow

CONFIG_FILE = Path(__file__).with_name("schemathesis_v1.toml")
RUN_ID = "manual__2024-01-02T00:00:00+00:00"  # the toml's dag_run_ids


def record_rows(env: dict[str, str]) -> None:
    """The rows schemathesis_v1.toml names, so reads reach them: a finished run of each
    DAG (task instances, logs, XComs), a queued one for DELETE to remove, and the import
    error of a broken DAG file."""
    broken = "from tradewind import DAG\nimport no_such_module\n"  # "DAG": safe mode reads it
    (Path(env["TRADEWIND_HOME"]) / "dags" / "broken.py").write_text(broken)
    listed = run_cli(env, "dags", "list")  # parses the new file, recording its error
    assert listed.returncode == 0, listed.stderr
    pool = run_cli(env, "pools", "set", "loaders", "2")  # demo's "load" task runs in it
    assert pool.returncode == 0, pool.stderr
    for dag_id in ("demo", "other"):
        tested = run_cli(env, "dags", "test", dag_id, "2024-01-02")
        assert tested.returncode == 0, tested.stderr
    queued = run_cli(env, "dags", "trigger", "demo", "-r", "to_delete")
    assert queued.returncode == 0, queued.stderr


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
    record_rows(env)
    with webserver(env) as server:
        v1 = f"{server.url}/api/v1"
        assert httpx.get(f"{v1}/openapi.json", timeout=30).status_code == 401
        assert httpx.get(f"{v1}/health", timeout=30).status_code == 200  # public, as Airflow's
        error = httpx.get(f"{v1}/importErrors/1", auth=("fuzzer", "pw"), timeout=30)
        assert error.json()["filename"].endswith("broken.py"), error.text
        run = httpx.get(f"{v1}/dags/demo/dagRuns/{RUN_ID}", auth=("fuzzer", "pw"), timeout=30)
        assert run.json()["state"] == "success", run.text
        document = served_document(
            v1, httpx.BasicAuth("fuzzer", "pw"), tmp_path / "openapi_v1.json"
        )
        run_schemathesis(
            document,
            v1,
            "--auth",
            "fuzzer:pw",
            env=env,
            config_file=CONFIG_FILE,
        )
