"""Running a task's function in another Python interpreter (a virtualenv, an external one).

The function travels as its source text (see :mod:`tradewind.authoring.callable_source`),
written with a small driver into a script in a scratch folder. Its arguments go into a file
the driver loads with the chosen serializer; it writes the return value into another file,
read back here and returned (so the runner pushes it to XCom). The child's stdout and
stderr stream line by line into the task log; a non-zero exit fails the try with the
child's last line in the error (its traceback is in the log), and an exit code in
``skip_on_exit_code`` skips it.

Context: the child gets only plain data, the keys in :data:`SERIALIZABLE_CONTEXT_KEYS`,
and only those the function names (or all of them for ``**kwargs``). Objects tied to this
process (``ti``, ``dag``, ``task``, ``dag_run``, ``macros``) cannot cross; a function that
names one is refused with an error saying so.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Container, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tradewind.authoring.callable_source import check_self_contained, function_source
from tradewind.authoring.operators.python import PythonOperator, callable_kwargs, log
from tradewind.authoring.serializers import check_serializer
from tradewind.authoring.timezone import coerce_utc
from tradewind.exceptions import AirflowException, AirflowSkipException

#: Context keys the child may receive: strings, stdlib datetimes and plain dicts/lists.
SERIALIZABLE_CONTEXT_KEYS = frozenset(
    {
        "ds",
        "ds_nodash",
        "ts",
        "ts_nodash",
        "ts_nodash_with_tz",
        "run_id",
        "logical_date",
        "execution_date",
        "data_interval_start",
        "data_interval_end",
        "params",
        "templates_dict",
    }
)

#: Lines of the child's output kept to name its failure in the error.
TAIL_LINES = 20

_DRIVER = """
import sys
import {serializer} as _serializer

exec(compile({source!r}, {filename!r}, "exec"))

if __name__ == "__main__":
    with open(sys.argv[3], "r", encoding="utf-8") as _handle:
        virtualenv_string_args = _handle.read().splitlines()
    with open(sys.argv[1], "rb") as _handle:
        _args, _kwargs = _serializer.load(_handle)
    _result = {name}(*_args, **_kwargs)
    with open(sys.argv[2], "wb") as _handle:
        _serializer.dump(_result, _handle)
"""


class PythonCallableFailed(AirflowException):
    """The function raised (or its interpreter exited non-zero); the try fails."""


class PythonSubprocessOperator(PythonOperator):
    """What ``PythonVirtualenvOperator`` and ``ExternalPythonOperator`` share; a subclass
    says which interpreter runs the function (:meth:`interpreter`)."""

    template_fields: Sequence[str] = ("op_args", "op_kwargs", "templates_dict", "string_args")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        serializer: str | None = None,
        use_dill: bool = False,
        string_args: Sequence[str] | None = None,
        skip_on_exit_code: int | Container[int] | None = None,
        expect_airflow: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(python_callable=python_callable, **kwargs)
        check_self_contained(python_callable, self.task_id)
        self.serializer = serializer or ("dill" if use_dill else "pickle")
        self.serializer_module = check_serializer(self.serializer, self.task_id)
        self.string_args = list(string_args or [])
        self.skip_on_exit_code = skip_on_exit_code
        self.expect_airflow = expect_airflow
        if expect_airflow:
            warnings.warn(
                f"expect_airflow=True of task {self.task_id!r} changes nothing: the function "
                "runs without Airflow or Tradewind in its interpreter and receives only the "
                "plain context values (ds, ts, params, ...)",
                UserWarning,
                stacklevel=2,
            )
        self._process: subprocess.Popen[bytes] | None = None

    def interpreter(self, scratch: Path) -> str:
        """The Python executable to run the function with (may build it, in ``scratch``)."""
        raise NotImplementedError

    def execute(self, context: Mapping[str, Any]) -> Any:
        name, source = function_source(self.python_callable)
        kwargs = self._kwargs_for_child(context)
        with tempfile.TemporaryDirectory(prefix="tradewind-python-") as tmp:
            scratch = Path(tmp)
            python = self.interpreter(scratch)
            files = self._write_inputs(scratch, name, source, kwargs)
            code, tail = self.stream_command([python, *map(str, files)])
            if self._should_skip(code):
                raise AirflowSkipException(f"Process exited with code {code}. Skipping.")
            if code != 0:
                last = next((line for line in reversed(tail) if line.strip()), "")
                raise PythonCallableFailed(
                    f"{name}() failed in {python} (exit code {code}): {last}".rstrip(": ")
                )
            result = self._read_result(files[2])
        self._log_result(result)
        return result

    # --- the child's inputs and output ----------------------------------------------------

    def _kwargs_for_child(self, context: Mapping[str, Any]) -> dict[str, Any]:
        self._refuse_unserializable_context(context)
        available = {
            key: _plain(value)
            for key, value in {**context, "templates_dict": self.templates_dict}.items()
            if key in SERIALIZABLE_CONTEXT_KEYS
        }
        kwargs = callable_kwargs(self.python_callable, self.op_args, available)
        kwargs.update(self.op_kwargs)
        return kwargs

    def _refuse_unserializable_context(self, context: Mapping[str, Any]) -> None:
        parameters = list(inspect.signature(self.python_callable).parameters)
        filled = set(parameters[: len(self.op_args)]) | set(self.op_kwargs)
        wanted = set(parameters) - filled - SERIALIZABLE_CONTEXT_KEYS
        named = sorted(name for name in wanted if name in context)
        if named:
            raise PythonCallableFailed(
                f"{self.python_callable.__name__}() names the context key(s) {', '.join(named)}, "
                "which cannot be sent to another interpreter; it can receive: "
                f"{', '.join(sorted(SERIALIZABLE_CONTEXT_KEYS))}"
            )

    def _write_inputs(
        self, scratch: Path, name: str, source: str, kwargs: dict[str, Any]
    ) -> tuple[Path, Path, Path, Path]:
        serializer = importlib.import_module(self.serializer_module)
        script = scratch / "script.py"
        filename = inspect.getsourcefile(self.python_callable) or "<task function>"
        script.write_text(
            _DRIVER.format(
                serializer=self.serializer_module, source=source, filename=filename, name=name
            )
        )
        arguments = scratch / "arguments.bin"
        with arguments.open("wb") as handle:
            serializer.dump((list(self.op_args), kwargs), handle)
        string_args = scratch / "string_args.txt"
        string_args.write_text("\n".join(map(str, self.string_args)))
        return script, arguments, scratch / "result.bin", string_args

    def _read_result(self, path: Path) -> Any:
        serializer = importlib.import_module(self.serializer_module)
        with path.open("rb") as handle:
            return serializer.load(handle)

    def _log_result(self, result: Any) -> None:
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %r", result)
        else:
            log.info("Done. Returned value not shown")

    # --- the child process ----------------------------------------------------------------

    def stream_command(self, command: Sequence[str]) -> tuple[int, list[str]]:
        """Run ``command``, its output line by line into the task log; (exit code, tail)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self._process = process
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        try:
            assert process.stdout is not None
            for raw in iter(process.stdout.readline, b""):
                line = raw.decode("utf-8", errors="backslashreplace").rstrip("\n")
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
                tail.append(line)
            code = process.wait()
        except BaseException:
            self._kill_process_group()
            raise
        finally:
            self._process = None
        return code, list(tail)

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

    def _should_skip(self, code: int) -> bool:
        skip = self.skip_on_exit_code
        if skip is None or code == 0:
            return False
        if isinstance(skip, int):
            return code == skip
        return code in skip


def _plain(value: Any) -> Any:
    """Datetimes as the standard library's (the child may not have pendulum)."""
    return coerce_utc(value) if isinstance(value, datetime) else value
