"""Benchmark: what one oversize header and many slow clients cost a ``tradewind webserver``.

Starts a real webserver (one worker) on a temporary home, then
1. sends ``--header-mib`` MiB of one header to ``/health`` (without a login), as fast as
   loopback allows, and prints when the answer came, its status, how much the client got
   out before it, and how much the worker's peak memory grew;
2. opens ``--slow`` connections that never finish their request and prints how many the
   server has closed (with 408) after ``[webserver] request_header_timeout`` (2 s here).

    python benchmarks/oversize_request.py                     # 300 MiB, 200 slow clients
    python benchmarks/oversize_request.py --header-mib 50 --slow 50
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
HEADER_TIMEOUT = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_webserver(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env |= {
        "TRADEWIND_HOME": str(home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__WEBSERVER__REQUEST_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    }
    subprocess.run([*TRADEWIND, "db", "migrate"], env=env, check=True, capture_output=True)
    command = [*TRADEWIND, "webserver", "-H", "127.0.0.1", "-p", str(port), "-w", "1"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the webserver did not start")


def worker_peak_kib(process: subprocess.Popen[bytes]) -> int:
    """VmHWM of the webserver's worker (its child), or of the process itself."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    pid = int(children[0]) if children else process.pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def oversize_header(port: int, mib: int) -> tuple[float, bytes, int]:
    """(seconds to the answer, its status line, bytes sent before it)."""
    piece = b"a" * (1024 * 1024)
    sent = 0
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=300) as sock:
        data = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Huge: "
        try:
            while sent < mib * len(piece) and not select.select([sock], [], [], 0)[0]:
                sock.sendall(data)
                sent += len(data)
                data = piece
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = sock.recv(200)
    return time.monotonic() - started, answer.split(b"\r\n", 1)[0], sent


def slow_clients(port: int, count: int) -> int:
    """How many of ``count`` never-finished requests the server closed in time."""
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for sock in sockets:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        sock.settimeout(HEADER_TIMEOUT + 5)
    closed = 0
    for sock in sockets:
        try:
            if sock.recv(100).startswith(b"HTTP/1.1 408"):
                closed += 1
        except (TimeoutError, ConnectionResetError):
            pass
        sock.close()
    return closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--header-mib", type=int, default=300)
    parser.add_argument("--slow", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        port = free_port()
        process = start_webserver(Path(home), port)
        try:
            before = worker_peak_kib(process)
            seconds, status, sent = oversize_header(port, args.header_mib)
            growth = (worker_peak_kib(process) - before) / 1024
            print(f"{args.header_mib} MiB header: {status.decode()} after {seconds:.2f} s")
            print(f"  client got {sent / 2**20:.1f} MiB out; worker peak memory +{growth:.1f} MiB")
            started = time.monotonic()
            closed = slow_clients(port, args.slow)
            print(
                f"{args.slow} never-finished requests: {closed} answered 408 and closed "
                f"within {time.monotonic() - started:.1f} s"
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


if __name__ == "__main__":
    main()
