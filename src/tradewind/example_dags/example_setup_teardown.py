"""Setup and teardown: a scratch directory made before the work and removed after it,
whatever the work does. Open the graph: the setup has an up arrow, the teardown a down
arrow, and the dashed edge pairs them. Clear ``count_files`` and both run again.

``make_scratch -> [write_files -> count_files] -> remove_scratch``
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from tradewind import DAG
from tradewind.decorators import setup, task, teardown


@setup
def make_scratch() -> str:
    return tempfile.mkdtemp(prefix="tradewind-scratch-")


@teardown
def remove_scratch(path: str) -> None:
    shutil.rmtree(path)


@task
def write_files(path: str) -> None:
    for name in ("a", "b", "c"):
        (Path(path) / name).write_text(name)


@task
def count_files(path: str) -> int:
    return len(list(Path(path).iterdir()))


with DAG(
    dag_id="example_setup_teardown",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example"],
) as dag:
    scratch = make_scratch()
    with scratch >> remove_scratch(scratch):
        write_files(scratch) >> count_files(scratch)
