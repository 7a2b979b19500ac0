"""``--metrics`` for the benchmarks: every metric on (Prometheus files and StatsD) or off.

On, StatsD goes to a UDP socket this module opens and drains in a thread, as a local
StatsD agent would; the packet count is printed so a run shows the metrics really flowed.
Off, ``[metrics] prometheus_on`` and ``statsd_on`` are both False: nothing is counted.
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
from pathlib import Path


class StatsdSink:
    """A UDP socket that receives and counts what the services send it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.packets = 0
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                self.sock.recv(65535)
            except OSError:
                return
            self.packets += 1


def add_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="Prometheus files and StatsD (to a local UDP socket) on; off by default.",
    )


def metrics_env(on: bool) -> tuple[dict[str, str], StatsdSink | None]:
    if not on:
        return {
            "TRADEWIND__METRICS__PROMETHEUS_ON": "False",
            "TRADEWIND__METRICS__STATSD_ON": "False",
        }, None
    sink = StatsdSink()
    return {
        "TRADEWIND__METRICS__PROMETHEUS_ON": "True",
        "TRADEWIND__METRICS__STATSD_ON": "True",
        "TRADEWIND__METRICS__STATSD_HOST": "127.0.0.1",
        "TRADEWIND__METRICS__STATSD_PORT": str(sink.port),
    }, sink


def describe(sink: StatsdSink | None) -> str:
    if sink is None:
        return "metrics off (prometheus_on = statsd_on = False)"
    return f"metrics on (Prometheus files + StatsD): {sink.packets:,} StatsD packets received"


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used by ``pid`` and every process below it, live or already reaped
    (a reaped child's time is in its parent's ``cutime``): wall-clock figures on a shared
    machine measure the neighbours, CPU time much less so."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        fields = stats.get(current)
        if fields is not None:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        todo.extend(children.get(current, []))
    return total / ticks
