"""Reading a try's log file (the CLI's ``tasks logs`` and the API call this)."""

from __future__ import annotations

import re
from pathlib import Path

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.exceptions import NotFound
from tradewind.execution.logs import log_path

_ATTEMPT = re.compile(r"^attempt=(\d+)\.log$")


def log_tries(
    config: Config, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> list[int]:
    """Try numbers that have a log file, ascending."""
    folder = log_path(config, dag_id, run_id, task_id, 1, map_index).parent
    if not folder.is_dir():
        return []
    tries = (_ATTEMPT.match(path.name) for path in folder.iterdir())
    return sorted(int(match.group(1)) for match in tries if match)


def read_task_log(
    config: Config,
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int | None = None,
    map_index: int = -1,
) -> tuple[int, str]:
    """(try number, text) of one try's log; the latest try when ``try_number`` is None."""
    if try_number is None:
        tries = log_tries(config, dag_id, run_id, task_id, map_index)
        if not tries:
            raise NotFound(
                f"No log for task {_name(task_id, map_index)} of DAG {dag_id}, run {run_id}"
            )
        try_number = tries[-1]
    path: Path = log_path(config, dag_id, run_id, task_id, try_number, map_index)
    if not path.is_file():
        raise NotFound(
            f"No log for try {try_number} of task {_name(task_id, map_index)} of DAG {dag_id}, "
            f"run {run_id}"
        )
    return try_number, path.read_text(encoding="utf-8", errors="replace")


def read_task_log_by_ref(
    db: Database,
    config: Config,
    dag_id: str,
    run_ref: str,
    task_id: str,
    try_number: int | None = None,
    map_index: int = -1,
) -> tuple[str, int, str]:
    """Like :func:`read_task_log` with a run id or execution date; returns (run_id, try, text)."""
    from tradewind.operations.dag_runs import find_dag_run

    with db.read_session() as session:
        run_id = find_dag_run(session, dag_id, run_ref).run_id
    number, text = read_task_log(config, dag_id, run_id, task_id, try_number, map_index)
    return run_id, number, text


def _name(task_id: str, map_index: int) -> str:
    return f"{task_id}[{map_index}]" if map_index >= 0 else task_id
