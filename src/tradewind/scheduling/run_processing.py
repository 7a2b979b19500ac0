"""Advancing running dag runs: task instances, trigger rules, retries, the run's own state.

Works on plain (task_id, state) tuples and bulk UPDATEs, so one pass over a 1,000-task run
costs a handful of statements, not one per task. Task instances are visited in topological
order, so a skip or an upstream failure cascades down the whole run in the same pass.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tradewind.authoring.skipping import SKIP_DECISION_KEY, skip_is_recorded
from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.db.engine import plain_rows
from tradewind.db.models import DagRun, DagRunState, TaskInstance, XCom
from tradewind.db.models import TaskInstanceState as S
from tradewind.scheduling.past_deps import past_blocker
from tradewind.scheduling.task_instances import task_instance_values
from tradewind.scheduling.trigger_rules import Decision, evaluate, setup_constraint

FAILED_LEAF = frozenset({S.FAILED, S.UPSTREAM_FAILED})
UNFINISHED = (
    None,
    S.SCHEDULED,
    S.QUEUED,
    S.RUNNING,
    S.UP_FOR_RETRY,
    S.UP_FOR_RESCHEDULE,
    S.DEFERRED,
)
#: Waiting for a date in ``next_retry_at``: a retry delay, or a rescheduled sensor's next poke.
WAITING = (S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE)
FINISHED = frozenset({S.SUCCESS, S.FAILED, S.SKIPPED, S.UPSTREAM_FAILED})


@dataclass
class ProcessResult:
    finished: list[DagRun] = field(default_factory=list)
    changed: bool = False
    next_due: datetime | None = None  # earliest retry or dagrun_timeout
    timed_out: set[tuple[str, str]] = field(default_factory=set)  # runs failed by dagrun_timeout

    def due(self, when: datetime) -> None:
        if self.next_due is None or when < self.next_due:
            self.next_due = when


def process_runs(
    session: Session, runs: list[DagRun], sdags: dict[str, SerializedDAG], now: datetime
) -> ProcessResult:
    result = ProcessResult()
    if not runs:
        return result
    rows = plain_rows(
        session,
        select(
            TaskInstance.dag_id,
            TaskInstance.run_id,
            TaskInstance.task_id,
            TaskInstance.state,
            TaskInstance.next_retry_at,
        ).where(
            TaskInstance.dag_id.in_({r.dag_id for r in runs}),
            TaskInstance.run_id.in_({r.run_id for r in runs}),
        ),
    )
    by_run: dict[tuple[str, str], dict[str, tuple[str | None, datetime | None]]] = defaultdict(dict)
    for row in rows:
        by_run[row.dag_id, row.run_id][row.task_id] = (row.state, row.next_retry_at)
    for run in runs:
        sdag = sdags.get(run.dag_id)
        if sdag is None:
            continue  # the DAG is gone or unreadable: leave the run until it is back
        _process_run(session, run, sdag, by_run.get((run.dag_id, run.run_id), {}), now, result)
    return result


def _process_run(
    session: Session,
    run: DagRun,
    sdag: SerializedDAG,
    existing: dict[str, tuple[str | None, datetime | None]],
    now: datetime,
    result: ProcessResult,
) -> None:
    states: dict[str, str | None] = {tid: st for tid, (st, _) in existing.items()}
    changes: dict[str | None, list[str]] = defaultdict(list)
    rescheduled: list[str] = []

    missing = [task for tid, task in sdag.tasks.items() if tid not in existing]
    if missing:
        session.execute(
            insert(TaskInstance),
            [task_instance_values(run.dag_id, run.run_id, task, now) for task in missing],
        )
        for task in missing:
            states[task.task_id] = None
        result.changed = True
    for tid, state in list(states.items()):
        if tid not in sdag.tasks and state in UNFINISHED:
            changes[S.REMOVED].append(tid)
            states[tid] = S.REMOVED
        elif tid in sdag.tasks and state == S.REMOVED:
            changes[None].append(tid)
            states[tid] = None

    if sdag.dagrun_timeout is not None and run.start_date is not None:
        deadline = run.start_date + sdag.dagrun_timeout
        if now >= deadline:
            unfinished = [tid for tid in sdag.tasks if states.get(tid) in UNFINISHED]
            changes[S.SKIPPED].extend(unfinished)
            _apply(session, run, changes, now)
            _finish(run, DagRunState.FAILED, now, result)
            result.timed_out.add((run.dag_id, run.run_id))
            return
        result.due(deadline)

    left_out = _left_out_by_a_branch(session, run, sdag, states)
    for tid in sdag.topological_order():
        state = states.get(tid)
        task = sdag.tasks[tid]
        if state is None:
            decision = Decision.SKIP if tid in left_out else _decide(sdag, task, states)
            if decision is Decision.RUN:
                if past_blocker(session, run, task) is not None:
                    continue
                new = S.SCHEDULED
            elif decision is Decision.SKIP:
                new = S.SKIPPED
            elif decision is Decision.UPSTREAM_FAILED:
                new = S.UPSTREAM_FAILED
            else:
                continue
            changes[new].append(tid)
            states[tid] = new
        elif state in WAITING:
            retry_at = existing.get(tid, (None, None))[1]
            if retry_at is None or retry_at <= now:
                changes[S.SCHEDULED].append(tid)
                states[tid] = S.SCHEDULED
                if state == S.UP_FOR_RESCHEDULE:
                    rescheduled.append(tid)
            else:
                result.due(retry_at)
    if changes:
        result.changed = True
        _apply(session, run, changes, now)
    if rescheduled:
        _same_try_again(session, run, rescheduled)

    relevant = [states.get(tid) for tid in sdag.tasks]
    if all(state is not None and state not in UNFINISHED for state in relevant):
        # Teardowns do not decide the run's state unless on_failure_fail_dagrun (Airflow's rule).
        leaves = [states.get(tid) for tid in sdag.run_state_leaves]
        failed = any(state in FAILED_LEAF for state in leaves)
        _finish(run, DagRunState.FAILED if failed else DagRunState.SUCCESS, now, result)


def _decide(sdag: SerializedDAG, task: SerializedTask, states: dict[str, str | None]) -> Decision:
    """The trigger rule applied to the direct upstream tasks (and, for a teardown, apart,
    to those of them that are setups), after the setups the task works within."""
    if not task.is_teardown:
        relevant = sdag.relevant_setups(task.task_id)
        if relevant:
            decided = setup_constraint(states.get(s) for s in relevant if s in states)
            if decided is not None:
                return decided
    upstream = [u for u in task.upstream_task_ids if u in states]
    return evaluate(
        task.trigger_rule,
        [states.get(u) for u in upstream],
        [states.get(u) for u in upstream if u in sdag.setup_ids],
    )


def _left_out_by_a_branch(
    session: Session, run: DagRun, sdag: SerializedDAG, states: dict[str, str | None]
) -> set[str]:
    """Tasks with no state that a finished branch or short circuit right above them left out.

    A branch skips what it did not choose while it runs; a task cleared afterwards would
    otherwise run when its trigger rule lets it. As in Airflow, the decision the branch
    recorded in XCom keeps it skipped. Read only when such a task waits below such a branch
    (one query then), so a run without branches costs nothing more.
    """
    waiting: dict[str, list[str]] = defaultdict(list)
    for parent in sdag.skipping_task_ids:
        if states.get(parent) not in FINISHED:
            continue
        for tid in sdag.tasks[parent].downstream_task_ids:
            if tid in sdag.tasks and tid in states and states[tid] is None:
                waiting[tid].append(parent)
    if not waiting:
        return set()
    parent_ids = {u for parents in waiting.values() for u in parents}
    rows = session.execute(
        select(XCom.task_id, XCom.value).where(
            XCom.dag_id == run.dag_id,
            XCom.run_id == run.run_id,
            XCom.key == SKIP_DECISION_KEY,
            XCom.task_id.in_(parent_ids),
        )
    )
    decisions: dict[str, Any] = {task_id: value for task_id, value in rows}
    return {
        tid
        for tid, parents in waiting.items()
        if any(skip_is_recorded(decisions.get(u), tid) for u in parents)
    }


def _finish(run: DagRun, state: str, now: datetime, result: ProcessResult) -> None:
    run.state = state
    run.end_date = now
    result.finished.append(run)
    result.changed = True


def _apply(
    session: Session, run: DagRun, changes: dict[str | None, list[str]], now: datetime
) -> None:
    for state, task_ids in changes.items():
        if not task_ids:
            continue
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if state in (S.SKIPPED, S.UPSTREAM_FAILED, S.REMOVED):
            values["end_date"] = now
        if state == S.SCHEDULED:
            values["next_retry_at"] = None
        for chunk in _chunks(task_ids, 500):
            session.execute(
                update(TaskInstance)
                .where(
                    TaskInstance.dag_id == run.dag_id,
                    TaskInstance.run_id == run.run_id,
                    TaskInstance.task_id.in_(chunk),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def _same_try_again(session: Session, run: DagRun, task_ids: list[str]) -> None:
    """A rescheduled sensor's next poke continues its try: step the count back, so the
    claim (which counts a try up as it starts it) lands on the same try number."""
    for chunk in _chunks(task_ids, 500):
        session.execute(
            update(TaskInstance)
            .where(
                TaskInstance.dag_id == run.dag_id,
                TaskInstance.run_id == run.run_id,
                TaskInstance.task_id.in_(chunk),
                TaskInstance.try_number > 0,
            )
            .values(try_number=TaskInstance.try_number - 1)
            .execution_options(synchronize_session=False)
        )


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
