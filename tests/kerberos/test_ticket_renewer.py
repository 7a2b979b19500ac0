"""``tradewind kerberos``: a ticket cache kept fresh from the keytab, usable by clients."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.auth.webserver import TRADEWIND, run_cli
from tests.kerberos.conftest import Realm


@pytest.fixture
def env(realm: Realm, tmp_path: Path) -> dict[str, str]:
    return {
        **realm.env,
        "TRADEWIND_HOME": str(tmp_path / "home"),
        "TRADEWIND__KERBEROS__KEYTAB": str(realm.keytab),
        "TRADEWIND__KERBEROS__CCACHE": str(tmp_path / "ccache"),
    }


def principal_in(ccache: Path, env: dict[str, str]) -> str:
    listing = subprocess.run(
        ["klist", "-c", str(ccache)], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in listing.splitlines() if line.startswith("Default principal"))
    return line.split(":", 1)[1].strip()


def test_one_time_gets_a_ticket_for_the_default_principal(
    realm: Realm, env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(env, "kerberos", "--one-time")
    assert result.returncode == 0, result.stderr
    ccache = tmp_path / "ccache"
    assert principal_in(ccache, env) == f"tradewind/{realm.hostname}@{realm.name}"
    assert oct(ccache.stat().st_mode & 0o777) == "0o600"


def test_principal_argument_and_host_placeholder(
    realm: Realm, env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(env, "kerberos", "--one-time", f"HTTP/_HOST@{realm.name}")
    assert result.returncode == 0, result.stderr
    assert principal_in(tmp_path / "ccache", env) == f"HTTP/{realm.hostname}@{realm.name}"


def test_principal_missing_from_keytab_is_a_one_line_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(env, "kerberos", "--one-time", "other")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: kinit for other/")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ccache").exists()
    assert not list(tmp_path.glob(".ccache.*"))  # no half-written cache left behind


def test_missing_keytab_is_a_one_line_error(env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(
        {**env, "TRADEWIND__KERBEROS__KEYTAB": str(tmp_path / "nope")}, "kerberos", "--one-time"
    )
    assert result.returncode == 1
    assert "nope does not exist" in result.stderr


def test_renewer_replaces_the_ticket_periodically_and_stops_on_sigterm(
    realm: Realm, env: dict[str, str], tmp_path: Path
) -> None:
    ccache = tmp_path / "ccache"
    process = subprocess.Popen(
        [*TRADEWIND, "kerberos"],
        env={**env, "TRADEWIND__KERBEROS__REINIT_FREQUENCY": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ccache.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no ticket cache appeared"
            time.sleep(0.1)
        first = ccache.stat().st_ino
        while ccache.stat().st_ino == first:  # a renewal renames a new cache into place
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the ticket was never renewed"
            time.sleep(0.1)
        assert principal_in(ccache, env) == f"tradewind/{realm.hostname}@{realm.name}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            raise
    assert code == 0, process.communicate()
