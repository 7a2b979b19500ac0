"""How many of Airflow 2.11's own example DAG files import, and run, unchanged on Tradewind.

Downloads the apache-airflow 2.11.0 wheel from PyPI (no dependencies, cached), takes its
``airflow/example_dags`` files less the three that need Kubernetes or an object store, and
imports each one, unchanged, in a fresh process with ``[core] airflow_compat`` on. Prints one
line per file (OK, or the first line of the error) and the count. Airflow's code is only
downloaded and read here, never committed.

    python benchmarks/airflow_examples.py                 # import each file
    python benchmarks/airflow_examples.py --run           # also `tradewind dags test` each DAG
    python benchmarks/airflow_examples.py --only example_xcom --verbose
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

AIRFLOW_VERSION = "2.11.0"
PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
WHEEL = f"apache_airflow-{AIRFLOW_VERSION}-py3-none-any.whl"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tradewind-bench"
EXAMPLES = "airflow/example_dags/"
#: The issue counts 49 files: these three need Kubernetes or an object store.
LEFT_OUT = {
    "example_kubernetes_executor.py",
    "example_local_kubernetes_executor.py",
    "tutorial_objectstorage.py",
}

#: Runs in a fresh interpreter: import one file with the compat hook, print what it defined.
IMPORT_ONE = """
import json, sys, warnings
from tradewind.compat import hook
from tradewind.config import load_config
from tradewind.dagfiles.loader import load_dags_from_file
hook.install(load_config(write_file=False))
try:
    dags = load_dags_from_file(sys.argv[1])
except BaseException as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}))
else:
    print(json.dumps({"dag_ids": sorted(d.dag_id for d in dags)}))
"""


@dataclass
class Outcome:
    file: str
    dag_ids: list[str]
    error: str | None
    runs: dict[str, bool]


def wheel_path() -> Path:
    """The cached wheel, downloaded from PyPI the first time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wheel = CACHE / WHEEL
    if not wheel.exists():
        subprocess.run(
            [*PIP_DOWNLOAD, f"apache-airflow=={AIRFLOW_VERSION}", "-d", str(CACHE)],
            check=True,
        )
    return wheel


def extract_examples(wheel: Path, folder: Path) -> list[Path]:
    """The example files (and the helper packages they import) written under ``folder``."""
    files = []
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.startswith(EXAMPLES) or not name.endswith(".py"):
                continue
            relative = name[len(EXAMPLES) :]
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
            if "/" not in relative and relative != "__init__.py" and relative not in LEFT_OUT:
                files.append(target)
    return sorted(files)


def environment(home: Path, dags_folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TRADEWIND_HOME": str(home),
        "TRADEWIND__CORE__DAGS_FOLDER": str(dags_folder),
        "TRADEWIND__CORE__AIRFLOW_COMPAT": "True",
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
    }


def import_file(path: Path, env: dict[str, str]) -> tuple[list[str], str | None]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ONE, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=path.parent,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return [], f"crashed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    answer = json.loads(lines[-1])
    return answer.get("dag_ids", []), answer.get("error")


def run_dag(dag_id: str, env: dict[str, str], verbose: bool) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "tradewind", "dags", "test", dag_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if verbose or done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        print("\n".join(f"      | {line}" for line in tail))
    return done.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="also run each DAG with dags test")
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tradewind-airflow-examples-") as tmp:
        home, folder = Path(tmp) / "home", Path(tmp) / "dags"
        home.mkdir()
        files = extract_examples(wheel_path(), folder)
        if args.only:
            files = [f for f in files if args.only in f.name]
        env = environment(home, folder)
        if args.run:
            migrate = [sys.executable, "-m", "tradewind", "db", "migrate"]
            subprocess.run(migrate, env=env, check=True)
        outcomes = [check(path, env, args.run, args.verbose) for path in files]
    report(outcomes, args.run)


def check(path: Path, env: dict[str, str], run: bool, verbose: bool) -> Outcome:
    dag_ids, error = import_file(path, env)
    outcome = Outcome(path.name, dag_ids, error, {})
    print(f"{'OK  ' if error is None else 'FAIL'} {path.name}: {error or ', '.join(dag_ids)}")
    if run and error is None:
        for dag_id in dag_ids:
            outcome.runs[dag_id] = run_dag(dag_id, env, verbose)
            print(f"      run {dag_id}: {'success' if outcome.runs[dag_id] else 'FAILED'}")
    sys.stdout.flush()
    return outcome


def report(outcomes: list[Outcome], run: bool) -> None:
    imported = sum(1 for o in outcomes if o.error is None)
    print(f"\nimported unchanged: {imported} of {len(outcomes)} files")
    if run:
        runs = [ok for o in outcomes for ok in o.runs.values()]
        print(f"runs that succeeded: {sum(runs)} of {len(runs)} DAGs")


if __name__ == "__main__":
    main()
