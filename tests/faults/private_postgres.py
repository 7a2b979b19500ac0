"""A PostgreSQL server of the test's own, so it can be stopped and started at will.

The shared server on 5432 serves every other test (and other engineers' runs); restarting
it would break them. This one lives in a temporary directory, listens on a free port and
runs as the ``postgres`` OS user, because ``initdb`` and ``postgres`` refuse to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.api.server import free_port
from tests.services import in_ci

#: The OS user the server runs as (Debian's packages create it).
SERVER_USER = "postgres"


def server_binaries() -> Path | None:
    """Debian's versioned binary folder (``/usr/lib/postgresql/<major>/bin``), newest first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(found[0]).parent if found else None


def require_server_tools() -> tuple[Path, pwd.struct_passwd]:
    """The binaries and the OS user, or a skip (a loud failure in CI)."""
    binaries = server_binaries()
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        user = None
    if binaries is not None and user is not None and os.geteuid() == 0:
        return binaries, user
    message = "a private PostgreSQL needs Debian's server binaries, a postgres user and root"
    if in_ci():
        pytest.fail(f"{message}; scripts/install-test-deps.sh installs them", pytrace=False)
    pytest.skip(message)


@dataclass
class PrivatePostgres:
    binaries: Path
    user: pwd.struct_passwd
    root: Path
    port: int

    @classmethod
    def create(cls) -> PrivatePostgres:
        binaries, user = require_server_tools()
        root = Path(tempfile.mkdtemp(prefix="tw-faults-pg-"))
        os.chown(root, user.pw_uid, user.pw_gid)
        server = cls(binaries, user, root, free_port())
        server._as_user(
            "initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        (server.data / "postgresql.auto.conf").write_text(
            f"port = {server.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\n"
            "fsync = off\n"  # the machine does not crash, only the server: commits survive
            "full_page_writes = off\n"
            "max_connections = 200\n"
        )
        server.start()
        return server

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> None:
        self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.root / "server.log"))

    def stop(self, mode: str) -> None:
        """``mode``: ``fast`` (roll back sessions, exit) or ``immediate`` (crash-like)."""
        self._pg_ctl("stop", "-w", "-t", "30", "-m", mode)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._as_user("pg_ctl", "-D", str(self.data), *args)

    def _as_user(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", self.user.pw_name, "--", str(self.binaries / program), *args],
            check=True,
            capture_output=True,
            cwd=self.root,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "HOME": str(self.root)},
        )
