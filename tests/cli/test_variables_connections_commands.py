"""`tradewind variables ...`, `connections ...` and `rotate-fernet-key`, run as a user runs
them, on SQLite and PostgreSQL: set, read, import/export in Airflow's file shapes, delete."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from cryptography.fernet import Fernet


def tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=120
    )


def ok(env: dict[str, str], *args: str) -> str:
    result = tradewind(env, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_variables_round_trip(db_env: dict[str, str], tmp_path: Path) -> None:
    ok(db_env, "variables", "set", "region", "eu-west", "--description", "where we run")
    ok(db_env, "variables", "set", "limits", '{"max": 3}', "--json")
    assert ok(db_env, "variables", "get", "region").strip() == "eu-west"
    assert json.loads(ok(db_env, "variables", "get", "limits", "--json")) == {"max": 3}
    env_override = {**db_env, "TRADEWIND_VAR_REGION": "from-env"}
    assert ok(env_override, "variables", "get", "region").strip() == "from-env"
    listed = ok(db_env, "variables", "list")
    assert "region" in listed and "where we run" in listed

    exported = tmp_path / "vars.json"
    ok(db_env, "variables", "export", str(exported))
    assert json.loads(exported.read_text()) == {"limits": {"max": 3}, "region": "eu-west"}
    ok(db_env, "variables", "delete", "region")
    missing = tradewind(db_env, "variables", "get", "region")
    assert missing.returncode == 1 and "Variable region does not exist" in missing.stderr
    assert ok(db_env, "variables", "get", "region", "--default", "dflt").strip() == "dflt"

    ok(db_env, "variables", "import", str(exported))
    assert ok(db_env, "variables", "get", "region").strip() == "eu-west"
    bad = tmp_path / "bad.json"
    bad.write_text('["not", "an", "object"]')
    refused = tradewind(db_env, "variables", "import", str(bad))
    assert refused.returncode == 1 and "must hold one JSON object" in refused.stderr


def test_connections_round_trip(db_env: dict[str, str], tmp_path: Path) -> None:
    added = ok(
        db_env, "connections", "add", "wh", "--conn-uri", "postgresql://me:pw%2F1@db:5432/wh"
    )
    assert "postgres://me:***@db:5432/wh" in added and "pw" not in added.replace("postgres", "")
    ok(
        db_env,
        "connections",
        "add",
        "api",
        "--conn-type",
        "http",
        "--conn-host",
        "example.org",
        "--conn-extra",
        '{"Accept": "text/plain"}',
    )
    again = tradewind(db_env, "connections", "add", "api", "--conn-type", "http")
    assert again.returncode == 1 and "already exists" in again.stderr
    both = tradewind(db_env, "connections", "add", "x", "--conn-uri", "a://b", "--conn-host", "h")
    assert both.returncode == 1 and "not several" in both.stderr

    listed = json.loads(ok(db_env, "connections", "list", "-o", "json"))
    assert {c["conn_id"] for c in listed} == {"api", "wh"}
    assert next(c for c in listed if c["conn_id"] == "wh")["password"] == "***"
    revealed = json.loads(ok(db_env, "connections", "get", "wh", "--reveal", "-o", "json"))
    assert revealed[0]["password"] == "pw/1"

    exported = tmp_path / "conns.json"
    ok(db_env, "connections", "export", str(exported))
    data = json.loads(exported.read_text())
    assert data["wh"]["password"] == "pw/1" and data["api"]["extra"] == {"Accept": "text/plain"}
    ok(db_env, "connections", "delete", "wh")
    assert "wh" not in ok(db_env, "connections", "list")
    imported = ok(db_env, "connections", "import", str(exported))
    assert "Could not import connection api: connection already exists." in imported
    assert (
        json.loads(ok(db_env, "connections", "get", "wh", "--reveal", "-o", "json"))[0]["password"]
        == "pw/1"
    )


def test_connections_test_reaches_postgres(db_env: dict[str, str]) -> None:
    ok(
        db_env,
        "connections",
        "add",
        "pg",
        "--conn-uri",
        "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    assert "Connection success!" in ok(db_env, "connections", "test", "pg")
    ok(db_env, "connections", "add", "nowhere", "--conn-uri", "postgresql://u@127.0.0.1:1/x")
    failed = tradewind(db_env, "connections", "test", "nowhere")
    assert failed.returncode == 1 and "Connection failed!" in failed.stderr


def test_rotate_fernet_key(db_env: dict[str, str], tw_home: Path) -> None:
    ok(db_env, "variables", "set", "secret_thing", "value-1")
    old = re.search(r"^fernet_key = (.+)$", (tw_home / "tradewind.cfg").read_text(), re.M)
    assert old is not None, "a new tradewind.cfg holds a generated fernet_key"
    new = Fernet.generate_key().decode()
    both = {**db_env, "TRADEWIND__CORE__FERNET_KEY": f"{new},{old.group(1)}"}
    assert "Re-encrypted 1 variable(s)" in ok(both, "rotate-fernet-key")
    only_new = {**db_env, "TRADEWIND__CORE__FERNET_KEY": new}
    assert ok(only_new, "variables", "get", "secret_thing").strip() == "value-1"
    only_old = {**db_env, "TRADEWIND__CORE__FERNET_KEY": old.group(1)}
    refused = tradewind(only_old, "variables", "get", "secret_thing")
    assert refused.returncode == 1 and "cannot be decrypted" in refused.stderr
