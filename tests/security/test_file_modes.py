"""Files holding secrets are created 0600, and `tradewind config` warns about wider ones."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from sqlalchemy import update

from tradewind.config import load_config
from tradewind.db import schema
from tradewind.db.engine import Database
from tradewind.db.models import Pool
from tradewind.www.session import load_secret_key


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_config_file_with_the_secret_key_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        config = load_config({"TRADEWIND_HOME": str(tmp_path / "home")})
        load_secret_key("", config.home)
    finally:
        os.umask(old)
    assert "secret_key = " in (config.home / "tradewind.cfg").read_text()
    assert mode(config.home / "tradewind.cfg") == 0o600
    assert mode(config.home / "webserver_secret_key") == 0o600


def test_sqlite_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tradewind.db"
    old = os.umask(0o022)
    try:
        database = Database(f"sqlite:///{path}")
        schema.migrate(database)
        with database.engine.connect() as connection:  # keeps -wal and -shm in place
            with database.session() as session:
                session.execute(update(Pool).values(slots=3))
            connection.exec_driver_sql("SELECT 1")
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            modes = {file.name: mode(file) for file in files}
        database.dispose()
    finally:
        os.umask(old)
    assert modes == {"tradewind.db": 0o600, "tradewind.db-wal": 0o600, "tradewind.db-shm": 0o600}


def test_config_command_warns_about_secret_files_others_can_read(
    tw_env: dict[str, str], tw_home: Path
) -> None:
    quiet = tradewind(tw_env, "config", "get-value", "core", "parallelism")
    assert quiet.returncode == 0 and quiet.stderr == ""
    cfg = tw_home / "tradewind.cfg"
    assert mode(cfg) == 0o600
    cfg.chmod(0o644)
    database = tw_home / "tradewind.db"
    database.touch()
    database.chmod(0o640)
    listed = tradewind(tw_env, "config", "list")
    assert listed.returncode == 0
    assert (
        f"{cfg} holds the secret key and the Fernet key but its mode is 0644: run `chmod 600 {cfg}`"
    ) in listed.stderr
    assert (
        f"{database} holds the password hashes, variables and connections but its mode is 0640"
    ) in listed.stderr
    value = tradewind(tw_env, "config", "get-value", "core", "parallelism")
    assert value.stdout.strip() == "32"  # the value itself stays clean on stdout
    assert "chmod 600" in value.stderr
