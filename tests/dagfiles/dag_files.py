"""Sources of small DAG files for the dagfiles tests."""

from __future__ import annotations

from pathlib import Path


def dag_source(dag_id: str, tasks: tuple[str, ...] = ("a", "b"), **dag_kwargs: str) -> str:
    """A DAG file defining ``dag_id`` with ``tasks`` chained in order."""
    extra = "".join(f", {key}={value}" for key, value in dag_kwargs.items())
    lines = [
        "from datetime import datetime",
        "from tradewind import DAG",
        "from tradewind.operators.empty import EmptyOperator",
        f"with DAG({dag_id!r}, start_date=datetime(2024, 1, 1), schedule='@daily'{extra}) as dag:",
    ]
    lines += [f"    {task} = EmptyOperator(task_id={task!r})" for task in tasks]
    if len(tasks) > 1:
        lines.append("    " + " >> ".join(tasks))
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# A header that passes the "safe mode" check, for files whose body is deliberately broken.
HEADER = "# a tradewind DAG file\n"
