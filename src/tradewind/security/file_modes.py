"""Files that hold secrets must be readable by their owner only (mode 0600).

Tradewind creates them so (the config file with ``[webserver] secret_key``, the SQLite
database with the password hashes, the generated secret key file); files made by an older
version or by hand may be wider, which ``tradewind config`` warns about.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tradewind.config import CONFIG_FILE_NAME, Config

PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class ExposedFile:
    """A secret-holding file that others than its owner may read or write."""

    path: Path
    mode: int
    holds: str

    def warning(self) -> str:
        return (
            f"Warning: {self.path} holds {self.holds} but its mode is {self.mode:04o}: "
            f"run `chmod 600 {self.path}`."
        )


def secret_files(config: Config) -> list[tuple[Path, str]]:
    """Every file of this configuration that holds a secret, whether it exists or not."""
    files = [
        (config.home / CONFIG_FILE_NAME, "the secret key and the Fernet key"),
        (config.home / "webserver_secret_key", "the secret key"),
        (Path(str(config.get("kerberos", "keytab"))).expanduser(), "Kerberos keys"),
    ]
    url = make_url(config.sql_alchemy_conn)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database).expanduser()
        for suffix in ("", "-wal", "-shm"):
            files.append(
                (Path(f"{database}{suffix}"), "the password hashes, variables and connections")
            )
    return files


def exposed_secret_files(config: Config) -> list[ExposedFile]:
    """The existing secret files whose mode lets group or others in."""
    exposed = []
    for path, holds in secret_files(config):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            exposed.append(ExposedFile(path, mode, holds))
    return exposed
