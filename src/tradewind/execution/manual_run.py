"""``tradewind tasks run``: one try, in a child process, exactly as an executor runs it.

The child claims the try (state checks, try number), writes the log and the final state;
this parent only waits, and fails the try if the child died without recording a state.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance, TaskInstanceState
from tradewind.execution.failure import fail_try
from tradewind.execution.logs import append_line, log_path
from tradewind.execution.task_runner import EXIT_NOT_STARTED, ManualStartRules, run_in_child
from tradewind.execution.try_process import now_utc


@dataclass
class ManualRunResult:
    ok: bool
    state: str | None
    try_number: int
    message: str


def run_task_instance(
    config: Config,
    db: Database,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    rules: ManualStartRules,
    ignore_dependencies: bool = False,
    force: bool = False,
    map_index: int = -1,
) -> ManualRunResult:
    """Run the try in a child process and wait for it. ``rules`` decide whether a try
    nobody queued may start (``tradewind.scheduling.failed_deps.ManualStart``)."""
    name = f"{task_id}[{map_index}]" if map_index >= 0 else task_id
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            code = run_in_child(
                db,
                config,
                dag_id=dag_id,
                run_id=run_id,
                task_id=task_id,
                expected_try=None,
                manual=rules,
                ignore_dependencies=ignore_dependencies,
                force=force,
                map_index=map_index,
            )
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with db.session() as session:
        ti = session.get(TaskInstance, (dag_id, run_id, task_id, map_index))
        if ti is None:
            return ManualRunResult(False, None, 0, f"Task {name} did not start.")
        if code == EXIT_NOT_STARTED:
            return ManualRunResult(False, ti.state, ti.try_number, "The task was not run.")
        if ti.state == TaskInstanceState.RUNNING and ti.pid == pid:
            from tradewind.dagfiles.stored import load_serialized_dag

            task = load_serialized_dag(session, dag_id).tasks.get(task_id)
            fail_try(ti, task, now_utc())
            append_line(
                log_path(config, dag_id, run_id, task_id, ti.try_number, map_index),
                f"The task process ended with code {code} before recording a state; "
                f"marked {ti.state}",
                "ERROR",
            )
        state, try_number = ti.state, ti.try_number
    path = log_path(config, dag_id, run_id, task_id, try_number, map_index)
    ok = state in (TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED)
    return ManualRunResult(
        ok,
        state,
        try_number,
        f"{dag_id}.{name} ({run_id}) try {try_number}: {state}; log: {path}",
    )
