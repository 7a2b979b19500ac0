"""Running schemathesis (its CLI, as a person would) against a real ``tradewind webserver``.

The seed, the example budget and the few places where the contract says more than a
fuzzer can know live in ``schemathesis.toml`` beside this file, so a failure seen here can
be replayed by hand with the command it prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.server import DAG_FILE, sync_dags
from tradewind.config import load_config
from tradewind.db.engine import Database

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]


def fuzz_env(root: Path, database_url: str, **settings: str) -> dict[str, str]:
    """Environment of a webserver on ``database_url`` with the API tests' DAGs parsed."""
    home = root / "home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "demo_dags.py").write_text(DAG_FILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(home),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=database_url,
        TRADEWIND__CORE__PARSING_PROCESSES="1",
        **settings,
    )
    config = load_config(env)
    database = Database.from_config(config)
    try:
        sync_dags(config, database)
    finally:
        database.dispose()
    return env


def served_document(api_url: str, auth: httpx.Auth | None, path: Path) -> Path:
    """The webserver's own OpenAPI document, saved to ``path`` for schemathesis to read."""
    response = httpx.get(f"{api_url}/openapi.json", auth=auth, timeout=30)
    assert response.status_code == 200, response.text
    path.write_text(json.dumps(response.json()))
    return path


def run_schemathesis(
    document: Path,
    base_url: str,
    *options: str,
    env: dict[str, str] | None = None,
    let_in: bool = True,
    config_file: Path = CONFIG_FILE,
) -> str:
    """Fuzz ``base_url`` as ``document`` describes it; fail with the findings if any.

    ``let_in``: the credentials given must open the API (else the fuzz would only have
    seen 401s and proved little).
    """
    command = [
        *SCHEMATHESIS,
        "--config-file",
        str(config_file),
        "--no-color",
        "run",
        "--checks",
        "all",
        "--url",
        base_url,
        *options,
        str(document),
    ]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"schemathesis found problems ({' '.join(command)}):\n{output}"
    assert "generated" in output, output  # it did test, not just load the document
    if let_in:
        assert "Authentication failed" not in output, output
    return output
