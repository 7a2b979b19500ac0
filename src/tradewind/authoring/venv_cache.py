"""Virtualenvs for ``PythonVirtualenvOperator``, built once per set of requirements.

With a ``venv_cache_path`` (Airflow's argument), a virtualenv lives in
``<venv_cache_path>/venv-<hash>``, the hash covering what makes two of them differ (Python
version, requirements, ``system_site_packages``, pip options and index URLs). It is built
under an exclusive file lock, and a marker file written last says it is complete: tries
that start together build it once, the others wait and reuse it, and a build that died
half-way is redone. Without a cache path each try builds a throw-away one, as Airflow does.

Built with the standard library's ``venv`` (``<python> -m venv``) and the virtualenv's own
pip: nothing to install beside Python.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tradewind.exceptions import AirflowException

#: Written into a virtualenv once its requirements are installed.
MARKER = "tradewind-venv-complete.json"

#: Runs a command, streaming its output into the task log; returns the exit code.
RunCommand = Callable[[Sequence[str]], int]


class VirtualenvError(AirflowException):
    """The virtualenv could not be created or its requirements not installed."""


@dataclass(frozen=True)
class VenvSpec:
    """Everything a virtualenv is built from; equal specs share a cached virtualenv."""

    python: str
    requirements: tuple[str, ...]
    system_site_packages: bool
    pip_install_options: tuple[str, ...]
    index_urls: tuple[str, ...]

    def cache_key(self) -> str:
        data = json.dumps({**asdict(self), "python": _version_of(self.python)}, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def python_for_version(python_version: str | None) -> str:
    """The interpreter a virtualenv is made from: ``python<version>`` on PATH, or this one."""
    if not python_version or python_version == f"{sys.version_info[0]}.{sys.version_info[1]}":
        return sys.executable
    found = shutil.which(f"python{python_version}")
    if found is None:
        raise VirtualenvError(
            f"python_version {python_version!r}: no python{python_version} on PATH to make "
            "the virtualenv from"
        )
    return found


def cached_venv(spec: VenvSpec, cache_path: Path, run: RunCommand) -> Path:
    """The complete virtualenv for ``spec`` under ``cache_path``, built if need be."""
    cache_path.mkdir(parents=True, exist_ok=True)
    target = cache_path / f"venv-{spec.cache_key()}"
    with (cache_path / f"{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the try dies
        if _is_complete(target):
            print(f"Reusing the cached virtualenv {target}", flush=True)
            return target
        shutil.rmtree(target, ignore_errors=True)  # what a build that died left
        build_venv(spec, target, run)
        (target / MARKER).write_text(json.dumps(asdict(spec), indent=2))
    return target


def build_venv(spec: VenvSpec, target: Path, run: RunCommand) -> None:
    """Create the virtualenv at ``target`` and install the requirements into it."""
    print(f"Creating a virtualenv at {target} with {spec.python}", flush=True)
    create = [spec.python, "-m", "venv", str(target)]
    if spec.system_site_packages:
        create.append("--system-site-packages")
    if run(create) != 0:
        raise VirtualenvError(f"creating the virtualenv at {target} failed (see above)")
    if not spec.requirements:
        return
    requirements = target / "requirements.txt"
    requirements.write_text("\n".join(spec.requirements) + "\n")
    install = [str(venv_python(target)), "-m", "pip", "install", "--disable-pip-version-check"]
    install += _index_options(spec.index_urls) + list(spec.pip_install_options)
    install += ["-r", str(requirements)]
    if run(install) != 0:
        raise VirtualenvError(
            f"installing the requirements ({', '.join(spec.requirements)}) failed (see above)"
        )


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _is_complete(target: Path) -> bool:
    """Its name holds the spec's hash; the marker says the build got to the end."""
    return (target / MARKER).is_file() and venv_python(target).exists()


def _index_options(index_urls: Sequence[str]) -> list[str]:
    if not index_urls:
        return []
    options = ["--index-url", index_urls[0]]
    for url in index_urls[1:]:
        options += ["--extra-index-url", url]
    return options


def _version_of(python: str) -> str:
    """``3.11.7`` for an interpreter path: the cache follows the version, not the path."""
    if python == sys.executable:
        return ".".join(map(str, sys.version_info[:3]))
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise VirtualenvError(f"cannot run {python}: {exc}") from None
    return out.stdout.strip()
