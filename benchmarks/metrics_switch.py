"""``--metrics`` for the benchmarks: every metric on (Prometheus files and StatsD) or off.

On, StatsD goes to a UDP socket this module opens and drains in a thread, as a local
StatsD agent would; the packet count is printed so a run shows the metrics really flowed.
Off, ``[metrics] prometheus_on`` and ``statsd_on`` are both False: nothing is counted.
"""

from __future__ import annotations

import argparse
import socket
import threading


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
