"""A zygote sent several tries at once forks them back to back: each runs on its own, with
no other try's pipe open, and each is reported started and ended under its own pid."""

from __future__ import annotations

import os
import select
from datetime import UTC, datetime
from pathlib import Path

from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.db.schema import migrate
from tradewind.execution.runner_host import (
    assign,
    start_zygote,
    stop_zygote,
    try_message,
    warm_database,
)
from tradewind.execution.task_runner import claim_tries
from tradewind.execution.try_process import TryResult
from tradewind.execution.workload import Workload
from tradewind.execution.zygote_messages import TryEnded, TryStarted, decode

OPEN_FDS = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def open_fds(run_id):
    return [run_id, sorted(int(fd) for fd in os.listdir("/proc/self/fd"))]

with DAG("fds", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=open_fds)
"""
TRIES = 4


def test_tries_sent_together_run_apart(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    fileloc = tmp_path / "dags" / "fds.py"
    fileloc.write_text(OPEN_FDS)
    config = load_config(
        {
            "TRADEWIND_HOME": str(tmp_path),
            "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/tradewind.db",
            "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        }
    )
    database = Database.from_config(config)
    migrate(database)
    now = datetime.now(UTC)
    with database.session() as session:
        for index in range(TRIES):
            session.add(
                DagRun(
                    dag_id="fds",
                    run_id=f"r{index}",
                    execution_date=now.replace(microsecond=index),
                    state="running",
                    run_type="manual",
                    queued_at=now,
                )
            )
            session.add(TaskInstance(dag_id="fds", run_id=f"r{index}", task_id="t", state="queued"))
    warm = warm_database(config)
    workloads = [Workload("fds", f"r{index}", "t", 1, str(fileloc)) for index in range(TRIES)]
    claimed, _ = claim_tries(warm, config, workloads)
    assert len(claimed) == TRIES

    zygote = start_zygote()
    try:
        assert assign(zygote, config, str(fileloc), None)
        lines = [try_message(config, workload, started) for workload, started in claimed]
        os.write(zygote.cmd_w, "".join(f"{line}\n" for line in lines).encode())
        started_pids: dict[str, int] = {}
        ended: dict[str, TryEnded] = {}
        while len(ended) < TRIES:
            assert select.select([zygote.out.fd], [], [], 30)[0], "the zygote went quiet"
            for line in zygote.out.read_lines():
                message = decode(line)
                if isinstance(message, TryStarted):
                    started_pids[message.key[1]] = message.pid
                elif isinstance(message, TryEnded):
                    assert message.key[1] in started_pids, "a try ended before it started"
                    ended[message.key[1]] = message
    finally:
        stop_zygote(zygote)
        warm.dispose()
        database.dispose()

    results = {}
    for run_id, message in ended.items():
        assert message.pid == started_pids[run_id]
        assert message.code == 0
        assert message.result_json is not None
        outcome = TryResult.from_json(message.result_json)
        assert outcome.state == "success"
        results[run_id] = outcome.result
    assert {run_id: result[0] for run_id, result in results.items()} == {
        run_id: run_id for run_id in results
    }
    # Each try holds as many descriptors as the others (stdin, its log, its result pipe,
    # the one listdir opened): none kept a pipe of a try forked before it.
    assert {len(result[1]) for result in results.values()} == {5}
