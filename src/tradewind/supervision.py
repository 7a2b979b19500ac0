"""Watch started child processes until a signal or the end of one; then stop them all.

``tradewind standalone`` with more than one webserver worker forks its scheduler, triggerer
and webserver from a process that imported everything they share, then replaces itself
(``execv``) with this module. (With one worker, its default, the webserver is that process
and watches the others itself: :mod:`tradewind.cli.watched_children`.) The
process left waiting holds no copy of those imports: the children soon write to most
pages they share (CPython updates reference counts in place), and a supervisor that stayed
warm would keep a private copy of them for nothing (``benchmarks/footprint.py``). So this
module imports the standard library only.

Stopping passes SIGTERM on, waits ``grace`` seconds for every child and SIGKILLs those
left, so no process outlives the supervisor.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass

#: Signals the supervisor stops on (and that stay blocked across the exec until it listens).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Plan:
    """What the supervisor is handed on its command line (JSON)."""

    children: dict[str, int]  # name -> pid
    grace: float  # seconds a child gets to stop before SIGKILL

    def to_json(self) -> str:
        return json.dumps({"children": self.children, "grace": self.grace})

    @classmethod
    def from_json(cls, text: str) -> Plan:
        data = json.loads(text)
        return cls({str(k): int(v) for k, v in data["children"].items()}, float(data["grace"]))


def exec_supervisor(plan: Plan) -> None:
    """Replace this process with the supervisor of ``plan``'s children (never returns).

    The caller blocks :data:`STOP_SIGNALS` before forking them: a Ctrl-C or SIGTERM that
    comes during the exec stays pending until the supervisor handles it.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if os.path.isfile(__file__):
        # This file as a script, in isolated mode (-I) without the site module (-S): no
        # site-packages, no .pth files, no PYTHON* variables - the standard library only,
        # about 2 MiB less than an ordinary interpreter.
        argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), plan.to_json()]
    else:  # imported from an archive: import it by name
        argv = [sys.executable, "-c", "from tradewind.supervision import main; main()"]
        argv.append(plan.to_json())
    os.execv(sys.executable, argv)


def main() -> None:
    plan = Plan.from_json(sys.argv[1])
    stopping: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    ended: dict[str, int] = {}
    while not stopping and not ended:
        ended = _reap(plan.children)
        time.sleep(0.2)
    for name, code in ended.items():
        print(f"The {name} exited with code {code}; stopping.", file=sys.stderr, flush=True)
    alive = {name: pid for name, pid in plan.children.items() if name not in ended}
    terminate(alive, plan.grace)
    if ended:
        raise SystemExit(1)
    print("Tradewind stopped.", flush=True)


def terminate(children: dict[str, int], grace: float) -> None:
    """SIGTERM every child, wait up to ``grace`` seconds for all, SIGKILL the rest."""
    for pid in children.values():
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    waiting = dict(children)
    while waiting and time.monotonic() < deadline:
        for name in _reap(waiting):
            waiting.pop(name)
        time.sleep(0.05)
    for pid in waiting.values():
        _signal(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _reap(children: dict[str, int]) -> dict[str, int]:
    """The exit codes of those of ``children`` that have ended (and are now reaped)."""
    ended = {}
    for name, pid in children.items():
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 0
        if done:
            ended[name] = os.waitstatus_to_exitcode(status)
    return ended


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


if __name__ == "__main__":
    main()
