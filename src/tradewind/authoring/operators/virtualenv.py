"""PythonVirtualenvOperator: run a function in a virtualenv with its own requirements."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tradewind.authoring.operators.python_subprocess import PythonSubprocessOperator
from tradewind.authoring.venv_cache import (
    VenvSpec,
    VirtualenvError,
    build_venv,
    cached_venv,
    python_for_version,
    venv_python,
)
from tradewind.exceptions import DagDefinitionError


def is_venv_installed() -> bool:
    """Whether this Python can build the virtualenvs ``PythonVirtualenvOperator`` needs.

    Airflow's DAG files ask before adding a virtualenv task. Tradewind builds them with the
    standard ``venv`` module, which needs ``ensurepip`` (Debian ships it apart, in
    ``python3-venv``).
    """
    return importlib.util.find_spec("ensurepip") is not None


class PythonVirtualenvOperator(PythonSubprocessOperator):
    """Runs ``python_callable`` in a virtualenv made for it, as Airflow 2's operator does.

    ``requirements`` is a list of pip requirement strings, or the path of a requirements
    file (ending ``.txt``; relative paths are read next to the DAG file), or its text.
    With ``venv_cache_path`` the virtualenv is kept there and reused by every try with the
    same Python version, requirements and pip options; without it each try builds (and
    then removes) its own. A serializer other than ``pickle`` is added to the requirements.
    """

    template_fields = (*PythonSubprocessOperator.template_fields, "requirements", "index_urls")

    def __init__(
        self,
        *,
        requirements: str | Sequence[str] | None = None,
        python_version: str | float | None = None,
        system_site_packages: bool = True,
        pip_install_options: Sequence[str] | None = None,
        index_urls: Sequence[str] | str | None = None,
        venv_cache_path: str | Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if requirements is not None and not isinstance(requirements, str | list | tuple):
            raise DagDefinitionError(
                f"requirements of task {self.task_id!r} must be a list of requirement strings "
                f"or a requirements file path, got {type(requirements).__name__}"
            )
        self.requirements = requirements
        self.python_version = None if python_version is None else str(python_version)
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])
        self.index_urls = [index_urls] if isinstance(index_urls, str) else list(index_urls or [])
        self.venv_cache_path = None if venv_cache_path is None else Path(venv_cache_path)

    def interpreter(self, scratch: Path) -> str:
        spec = self.venv_spec()
        if self.venv_cache_path is not None:
            venv = cached_venv(spec, self.venv_cache_path, self._run)
        else:
            venv = scratch / "venv"
            build_venv(spec, venv, self._run)
        return str(venv_python(venv))

    def venv_spec(self) -> VenvSpec:
        requirements = self.requirement_lines()
        if self.serializer != "pickle" and not any(
            _project_name(line) == self.serializer for line in requirements
        ):
            requirements.append(self.serializer)
        return VenvSpec(
            python=python_for_version(self.python_version),
            requirements=tuple(requirements),
            system_site_packages=self.system_site_packages,
            pip_install_options=tuple(self.pip_install_options),
            index_urls=tuple(self.index_urls),
        )

    def requirement_lines(self) -> list[str]:
        """The requirements as lines (a file read now, on the machine that runs the try)."""
        value = self.requirements
        if value is None:
            return []
        if isinstance(value, str):
            if value.strip().endswith(".txt") and "\n" not in value.strip():
                value = self._read_requirements_file(value.strip())
            value = value.splitlines()
        lines = [str(line).strip() for line in value]
        return [line for line in lines if line and not line.startswith("#")]

    def _read_requirements_file(self, name: str) -> str:
        path = Path(name)
        fileloc = self.dag.fileloc if self.has_dag() else None
        if not path.is_absolute() and fileloc:
            path = Path(fileloc).parent / path
        try:
            return path.read_text()
        except OSError as exc:
            raise VirtualenvError(
                f"requirements file {name!r} of task {self.task_id!r}: {exc.strerror} ({path})"
            ) from None

    def _run(self, command: Sequence[str]) -> int:
        return self.stream_command(command)[0]


def _project_name(requirement: str) -> str:
    """``six`` for ``six==1.16`` or ``six[extra]>=1``: enough to see a serializer listed."""
    return re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0].lower()
