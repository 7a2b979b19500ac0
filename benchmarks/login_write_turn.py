"""Benchmark: how long a database write waits while web UI logins are being verified.

Starts a real ``tradewind webserver`` on a temporary SQLite home with one account, logs in
``--logins`` times through the UI form (bcrypt at the default cost), and meanwhile makes
short writes the way the scheduler does. Prints the login time and the writes' waits: a
login that held SQLite's write turn through bcrypt shows up as writes waiting ~0.5 s.

    python benchmarks/login_write_turn.py
    python benchmarks/login_write_turn.py --logins 10
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import update

from tradewind.db.engine import Database
from tradewind.db.models import Pool

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_webserver(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [*TRADEWIND, "webserver", "-H", "127.0.0.1", "-p", str(port), "-w", "1"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the webserver did not start") from None
            time.sleep(0.1)


def log_in(url: str) -> float:
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "no CSRF token on the login page"
        started = time.monotonic()
        response = client.post(
            "/login",
            data={"csrf_token": match.group(1), "username": "bench", "password": "bench-pw"},
        )
        assert response.status_code == 303, response.status_code
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tw_login_bench_"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(home),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__WEBSERVER__AUTHENTICATE="True",
    )
    subprocess.run([*TRADEWIND, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*TRADEWIND, "users", "create", "-u", "bench", "--password-stdin"],
        env=env,
        input=b"bench-pw",
        check=True,
        capture_output=True,
    )
    database = Database(f"sqlite:///{home / 'tradewind.db'}")
    port = free_port()
    server = start_webserver(env, port)
    login_seconds: list[float] = []
    waits: list[float] = []
    done = threading.Event()

    def logins() -> None:
        for _ in range(args.logins):
            login_seconds.append(log_in(f"http://127.0.0.1:{port}"))
        done.set()

    try:
        thread = threading.Thread(target=logins)
        thread.start()
        while not done.is_set():
            started = time.monotonic()
            with database.session() as session:
                session.execute(update(Pool).where(Pool.pool == "default_pool").values(slots=9))
            waits.append(time.monotonic() - started)
            time.sleep(0.01)
        thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        database.dispose()
    waits.sort()
    print(f"UI logins: {len(login_seconds)}, median {statistics.median(login_seconds):.3f} s")
    print(
        f"writes meanwhile: {len(waits)}, median {statistics.median(waits) * 1000:.1f} ms, "
        f"p99 {waits[int(len(waits) * 0.99) - 1] * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
