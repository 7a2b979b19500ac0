"""Where a try's log lives: one file per try, in Airflow's folder layout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tradewind.config import Config


def log_path(config: Config, dag_id: str, run_id: str, task_id: str, try_number: int) -> Path:
    """``<base_log_folder>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log``."""
    return (
        config.base_log_folder
        / f"dag_id={dag_id}"
        / f"run_id={run_id}"
        / f"task_id={task_id}"
        / f"attempt={try_number}.log"
    )


def format_line(message: str, level: str = "INFO") -> str:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    return f"[{stamp}] {{tradewind}} {level} - {message}\n"


def append_line(path: Path, message: str, level: str = "INFO") -> None:
    """Add one of Tradewind's own lines to a try's log (used when the task cannot)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(format_line(message, level))
    except OSError:
        pass
