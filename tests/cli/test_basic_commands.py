"""The newcomer's first commands, run as a user runs them: the installed `tradewind` script."""

from __future__ import annotations

import subprocess
from pathlib import Path


def tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_db_migrate_then_check(tw_env: dict[str, str], tw_home: Path) -> None:
    before = tradewind(tw_env, "db", "check")
    assert before.returncode == 1
    assert "Run `tradewind db migrate`" in before.stderr
    assert "Traceback" not in before.stderr

    assert tradewind(tw_env, "db", "migrate").returncode == 0
    again = tradewind(tw_env, "db", "migrate")
    assert again.returncode == 0, again.stderr
    check = tradewind(tw_env, "db", "check")
    assert check.returncode == 0 and "migrated" in check.stdout
    assert (tw_home / "tradewind.db").exists()


def test_db_migrate_on_postgres(db_env: dict[str, str]) -> None:
    # db_env points at a fresh database of each kind; migrate must be a no-op on it.
    result = tradewind(db_env, "db", "migrate")
    assert result.returncode == 0, result.stderr
    assert tradewind(db_env, "db", "check").returncode == 0


def test_config_commands(tw_env: dict[str, str], tw_home: Path) -> None:
    value = tradewind(tw_env, "config", "get-value", "core", "dags_folder")
    assert value.stdout.strip() == str(tw_home / "dags")
    listed = tradewind(tw_env, "config", "list", "--sources")
    assert "load_examples = False  # environment variable TRADEWIND__CORE__LOAD_EXAMPLES" in (
        listed.stdout
    )
    assert "secret_key = < hidden >" in listed.stdout
    bad = tradewind(tw_env, "config", "get-value", "core", "nope")
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: Unknown config key [core] nope")


def test_bad_config_value_is_one_clear_line(tw_env: dict[str, str]) -> None:
    env = {**tw_env, "TRADEWIND__CORE__PARALLELISM": "many"}
    result = tradewind(env, "db", "check")
    assert result.returncode == 1
    assert "Invalid value 'many' for [core] parallelism" in result.stderr
    assert "Traceback" not in result.stderr


def test_version(tw_env: dict[str, str]) -> None:
    from tradewind import __version__

    assert tradewind(tw_env, "version").stdout.strip() == __version__
