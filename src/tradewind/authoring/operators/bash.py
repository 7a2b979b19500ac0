"""BashOperator: run a shell command and stream its output into the task log."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Container, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.exceptions import AirflowSkipException, TradewindException


class BashCommandFailed(TradewindException):
    """The command exited with a non-zero code (the try fails; retries apply)."""


class BashOperator(BaseOperator):
    """Runs ``bash -c bash_command``; returns the last line of output (pushed to XCom).

    The command runs in its own session (process group) so that when the task is killed or
    times out, every process it started can be stopped together. Exiting with
    ``skip_on_exit_code`` (99 by default) ends the task as skipped.
    """

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: Mapping[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = dict(env) if env is not None else None
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = skip_on_exit_code
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def execute(self, context: Mapping[str, Any]) -> str | None:
        env = self._build_env(context)
        with tempfile.TemporaryDirectory(prefix="tradewind-bash-") as tmp:
            exit_code, last_line = self._run(env, self.cwd or tmp)
        if self._should_skip(exit_code):
            raise AirflowSkipException(f"Bash command returned exit code {exit_code}. Skipping.")
        if exit_code != 0:
            raise BashCommandFailed(
                f"Bash command failed. The command returned a non-zero exit code {exit_code}."
            )
        return last_line

    def _run(self, env: dict[str, str], cwd: str) -> tuple[int, str | None]:
        process = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        self._process = process
        last_line: str | None = None
        try:
            assert process.stdout is not None
            for raw in iter(process.stdout.readline, b""):
                line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
                last_line = line
            exit_code = process.wait()
        except BaseException:
            # A timeout or kill interrupted us: take the whole process group down with us.
            self._kill_process_group()
            raise
        finally:
            self._process = None
        return exit_code, last_line

    def on_kill(self) -> None:
        self._kill_process_group()

    def _kill_process_group(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _should_skip(self, exit_code: int) -> bool:
        skip = self.skip_on_exit_code
        if skip is None or exit_code == 0:
            return False
        if isinstance(skip, int):
            return exit_code == skip
        return exit_code in skip

    def _build_env(self, context: Mapping[str, Any]) -> dict[str, str]:
        if self.env is None:
            env = dict(os.environ)
        elif self.append_env:
            env = {**os.environ, **self.env}
        else:
            env = dict(self.env)
        env.update(_context_env(context))
        return env


def _context_env(context: Mapping[str, Any]) -> dict[str, str]:
    """``TRADEWIND_CTX_*`` variables so scripts know which task instance they run for."""
    values = {
        "TRADEWIND_CTX_DAG_ID": getattr(context.get("dag"), "dag_id", None),
        "TRADEWIND_CTX_TASK_ID": getattr(context.get("task"), "task_id", None),
        "TRADEWIND_CTX_DAG_RUN_ID": context.get("run_id"),
        "TRADEWIND_CTX_LOGICAL_DATE": context.get("ts"),
    }
    return {key: str(value) for key, value in values.items() if value is not None}
