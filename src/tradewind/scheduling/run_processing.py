"""Advancing running dag runs: task instances, trigger rules, retries, the run's own state.

Works on plain (task_id, state) tuples and bulk UPDATEs, so one pass over a 1,000-task run
costs a handful of statements, not one per task. Task instances are visited in topological
order, so a skip or an upstream failure cascades down the whole run in the same pass.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from tradewind.authoring.skipping import SKIP_DECISION_KEY, skip_is_recorded
from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.db.engine import plain_rows
from tradewind.db.models import DagRun, DagRunState, TaskInstance, XCom
from tradewind.db.models import TaskInstanceState as S
from tradewind.db.ti_keys import ti_keys_clause
from tradewind.scheduling.expansion import expand_length, literal_length, mapped_input_task_ids
from tradewind.scheduling.past_deps import past_blocker
from tradewind.scheduling.task_instances import task_instance_values
from tradewind.scheduling.trigger_rules import Decision, evaluate, setup_constraint

log = logging.getLogger(__name__)

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
    scheduled: bool = False  # some task instance was set to scheduled

    def due(self, when: datetime) -> None:
        if self.next_due is None or when < self.next_due:
            self.next_due = when


#: A task instance within a run: (task_id, map_index).
Instance = tuple[str, int]
#: Task instances (dag_id, run_id, task_id, map_index) to set, by their new state.
Changes = dict[str | None, list[tuple[str, str, str, int]]]


def process_runs(
    session: Session,
    runs: list[DagRun],
    sdags: dict[str, SerializedDAG],
    now: datetime,
    max_map_length: int = 1024,
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
            TaskInstance.map_index,
            TaskInstance.state,
            TaskInstance.next_retry_at,
        ).where(
            TaskInstance.dag_id.in_({r.dag_id for r in runs}),
            TaskInstance.run_id.in_({r.run_id for r in runs}),
        ),
    )
    by_run: dict[tuple[str, str], dict[Instance, tuple[str | None, datetime | None]]] = defaultdict(
        dict
    )
    for row in rows:
        by_run[row.dag_id, row.run_id][row.task_id, row.map_index] = (
            row.state,
            row.next_retry_at,
        )
    # The runs' state changes, applied together: one UPDATE a state for the whole pass, not
    # one a run (a burst's pass starts many one-task runs).
    pending: Changes = defaultdict(list)
    for run in runs:
        sdag = sdags.get(run.dag_id)
        if sdag is None:
            continue  # the DAG is gone or unreadable: leave the run until it is back
        existing = by_run.get((run.dag_id, run.run_id), {})
        _RunPass(session, run, sdag, existing, now, result, max_map_length, pending).process()
    _apply(session, pending, now)
    return result


class _RunPass:
    """One pass over one run: its task instances' states, kept per task and instance."""

    def __init__(
        self,
        session: Session,
        run: DagRun,
        sdag: SerializedDAG,
        existing: dict[Instance, tuple[str | None, datetime | None]],
        now: datetime,
        result: ProcessResult,
        max_map_length: int,
        pending: Changes,
    ) -> None:
        self.session = session
        #: Earlier runs' changes of this pass, not written yet (:func:`_apply` at its end).
        self.pending = pending
        self.run = run
        self.sdag = sdag
        self.existing = existing
        self.now = now
        self.result = result
        self.max_map_length = max_map_length
        self.states: dict[str, dict[int, str | None]] = defaultdict(dict)
        for (tid, mi), (state, _) in existing.items():
            self.states[tid][mi] = state
        self.changes: Changes = defaultdict(list)
        #: Mapped tasks expanded in this pass (their size is fresh: no resizing).
        self.expanded: set[str] = set()
        #: Sensors whose next poke is due: their try goes on (see ``_same_try_again``).
        self.rescheduled: list[tuple[str, str, str, int]] = []

    def set(self, tid: str, mi: int, state: str | None) -> None:
        self.changes[state].append((self.run.dag_id, self.run.run_id, tid, mi))
        self.states[tid][mi] = state
        if state == S.SCHEDULED:
            self.result.scheduled = True

    def task_states(self, tid: str) -> list[str | None]:
        return list(self.states.get(tid, {}).values())

    def process(self) -> None:
        run, sdag, now, result = self.run, self.sdag, self.now, self.result
        self._insert_missing()
        for tid, instances in list(self.states.items()):
            for mi, state in list(instances.items()):
                if tid not in sdag.tasks and state in UNFINISHED:
                    self.set(tid, mi, S.REMOVED)
                elif tid in sdag.tasks and state == S.REMOVED and not _sized(sdag.tasks[tid], mi):
                    self.set(tid, mi, None)

        if sdag.dagrun_timeout is not None and run.start_date is not None:
            deadline = run.start_date + sdag.dagrun_timeout
            if now >= deadline:
                for tid in sdag.tasks:
                    for mi, state in list(self.states.get(tid, {}).items()):
                        if state in UNFINISHED:
                            self.set(tid, mi, S.SKIPPED)
                self._hand_over()
                _finish(run, DagRunState.FAILED, now, result)
                result.timed_out.add((run.dag_id, run.run_id))
                return
            result.due(deadline)

        flat = {tid: st.get(-1) for tid, st in self.states.items() if len(st) == 1}
        left_out = _left_out_by_a_branch(self.session, run, sdag, flat)
        for tid in sdag.topological_order():
            self._advance(sdag.tasks[tid], tid in left_out)
        if self.changes:
            result.changed = True
            self._hand_over()
        if self.rescheduled:
            _same_try_again(self.session, self.rescheduled)

        relevant = [state for tid in sdag.tasks for state in self.task_states(tid)]
        if all(state is not None and state not in UNFINISHED for state in relevant):
            # Teardowns do not decide the run's state unless on_failure_fail_dagrun (Airflow).
            leaves = [state for tid in sdag.run_state_leaves for state in self.task_states(tid)]
            failed = any(state in FAILED_LEAF for state in leaves)
            _finish(run, DagRunState.FAILED if failed else DagRunState.SUCCESS, now, result)

    def _hand_over(self) -> None:
        """This run's changes join the pass's, written with them."""
        for state, keys in self.changes.items():
            self.pending[state].extend(keys)

    def _past_blocked(self, task: SerializedTask) -> bool:
        """``depends_on_past``: reads the previous run's task instances, so the earlier runs'
        changes of this pass are written first (they may be that run's)."""
        if (task.depends_on_past or task.wait_for_downstream) and self.pending:
            _apply(self.session, self.pending, self.now)
            self.pending.clear()
        return past_blocker(self.session, self.run, task) is not None

    def _insert_missing(self) -> None:
        """Rows for tasks the run has none of: one per task, or per instance of a task
        mapped over literals only (its count is known already). One bulk insert."""
        rows: list[dict[str, Any]] = []
        for tid, task in self.sdag.tasks.items():
            if tid in self.states:
                continue
            count = literal_length(task) if task.is_mapped else None
            indexes = range(count) if count and count <= self.max_map_length else [-1]
            for mi in indexes:
                rows.append(
                    task_instance_values(self.run.dag_id, self.run.run_id, task, self.now, mi)
                )
                self.states[tid][mi] = None
        if rows:
            self.session.execute(insert(TaskInstance), rows)
            self.result.changed = True

    def _advance(self, task: SerializedTask, left_out: bool, *, resized: bool = False) -> None:
        tid = task.task_id
        per_index = _mapped_group(task) is not None
        if per_index and self._group_input_ready(task):
            self._expand(task, state=None)
        decision: Decision | None = None
        blocked: bool | None = None
        for mi, state in sorted(self.states.get(tid, {}).items()):
            if state is None:
                if decision is None or per_index:
                    decision = self._decide(task, left_out, mi)
                if decision is Decision.RUN:
                    if mi >= 0 and not resized and tid not in self.expanded:
                        resized = True
                        if self._resize(task):
                            self._advance(task, left_out, resized=True)
                            return
                    if blocked is None:  # the same answer for every instance
                        blocked = self._past_blocked(task)
                    if blocked:
                        continue
                    if task.is_mapped and mi == -1:
                        self._expand(task)
                        return
                    self.set(tid, mi, S.SCHEDULED)
                elif decision is Decision.SKIP:
                    self.set(tid, mi, S.SKIPPED)
                elif decision is Decision.UPSTREAM_FAILED:
                    self.set(tid, mi, S.UPSTREAM_FAILED)
            elif state in WAITING:
                retry_at = self.existing.get((tid, mi), (None, None))[1]
                if retry_at is None or retry_at <= self.now:
                    self.set(tid, mi, S.SCHEDULED)
                    if state == S.UP_FOR_RESCHEDULE:
                        self.rescheduled.append((self.run.dag_id, self.run.run_id, tid, mi))
                else:
                    self.result.due(retry_at)

    def _decide(self, task: SerializedTask, left_out: bool, mi: int = -1) -> Decision:
        """The trigger rule over every instance of every direct upstream task (and, for a
        teardown, apart, those of them that are setups), after the setups the task works
        within. Instance ``mi`` of a task in a mapped group sees only instance ``mi`` of
        the upstream tasks in its group."""
        if left_out:
            return Decision.SKIP
        sdag = self.sdag
        if not task.is_teardown:
            relevant = sdag.relevant_setups(task.task_id)
            if relevant:
                decided = setup_constraint(
                    state
                    for s in relevant
                    if s in self.states
                    for state in self._upstream_states(task, s, mi)
                )
                if decided is not None:
                    return decided
        upstream = [u for u in task.upstream_task_ids if u in self.states]
        return evaluate(
            task.trigger_rule,
            [state for u in upstream for state in self._upstream_states(task, u, mi)],
            [
                state
                for u in upstream
                if u in sdag.setup_ids
                for state in self._upstream_states(task, u, mi)
            ],
        )

    def _upstream_states(self, task: SerializedTask, upstream: str, mi: int) -> list[str | None]:
        """What instance ``mi`` of ``task`` waits for of ``upstream``: the same instance when
        both are in one mapped group (and it has one), else every instance."""
        group = _mapped_group(task)
        if mi >= 0 and group is not None and group == _mapped_group(self.sdag.tasks[upstream]):
            instances = self.states.get(upstream, {})
            if mi in instances:
                return [instances[mi]]
        return self.task_states(upstream)

    def _group_input_ready(self, task: SerializedTask) -> bool:
        """A task of a mapped group still waiting as its placeholder (-1) can be expanded:
        the tasks making the group's input have all succeeded, so its length is known. The
        trigger rule then runs per instance (Airflow expands such tasks as early)."""
        if self.states.get(task.task_id) != {-1: None}:
            return False
        assert task.mapped is not None
        producers = set(mapped_input_task_ids(task.mapped))
        states = [state for p in producers for state in self.task_states(p)]
        return all(state == S.SUCCESS for state in states)

    def _resize(self, task: SerializedTask) -> bool:
        """Fit an expanded task's instances to its input's length now, as a cleared task
        re-run with its upstream can find it changed: instances past the end are
        ``removed`` (their XComs deleted), missing ones are created (and removed ones in
        range come back). Whether anything changed; an input that cannot be sized leaves
        them as they are."""
        tid = task.task_id
        expansion = expand_length(self.session, self.run, self.sdag, task, self.max_map_length)
        if expansion.error is not None:
            return False
        instances = self.states[tid]
        removed = [mi for mi, st in instances.items() if mi >= expansion.length and st != S.REMOVED]
        restored = [
            mi for mi, st in instances.items() if 0 <= mi < expansion.length and st == S.REMOVED
        ]
        for mi in removed:
            self.set(tid, mi, S.REMOVED)
        for mi in restored:
            self.set(tid, mi, None)
        changed = bool(removed or restored)
        if removed:  # what follows sees the new length (mapped over, or pulled)
            self.session.execute(
                delete(XCom).where(
                    XCom.dag_id == self.run.dag_id,
                    XCom.run_id == self.run.run_id,
                    XCom.task_id == tid,
                    XCom.map_index.in_(removed),
                )
            )
        missing = [mi for mi in range(expansion.length) if mi not in instances]
        if missing:
            rows = [
                task_instance_values(self.run.dag_id, self.run.run_id, task, self.now, mi)
                for mi in missing
            ]
            self.session.execute(insert(TaskInstance), rows)
            instances.update(dict.fromkeys(missing))
            self.result.changed = changed = True
        if changed:
            log.info(
                "Mapped task %s of %s (%s) now has %d instance(s)",
                tid,
                self.run.dag_id,
                self.run.run_id,
                expansion.length,
            )
        return changed

    def _expand(self, task: SerializedTask, state: str | None = S.SCHEDULED) -> None:
        """Replace the waiting placeholder (-1) with the task's instances, in ``state``, in
        one bulk insert; none: skipped; too many or no input: failed, saying why."""
        tid = task.task_id
        expansion = expand_length(self.session, self.run, self.sdag, task, self.max_map_length)
        if expansion.error is not None:
            log.warning(
                "Mapped task %s of %s (%s) failed: %s",
                tid,
                self.run.dag_id,
                self.run.run_id,
                expansion.error,
            )
            self.set(tid, -1, S.FAILED)
            return
        if expansion.length == 0:
            self.set(tid, -1, S.SKIPPED)
            return
        self.session.execute(
            delete(TaskInstance).where(
                TaskInstance.dag_id == self.run.dag_id,
                TaskInstance.run_id == self.run.run_id,
                TaskInstance.task_id == tid,
                TaskInstance.map_index == -1,
            )
        )
        rows = [
            {
                **task_instance_values(self.run.dag_id, self.run.run_id, task, self.now, mi),
                "state": state,
            }
            for mi in range(expansion.length)
        ]
        self.session.execute(insert(TaskInstance), rows)
        self.states[tid] = {mi: state for mi in range(expansion.length)}
        self.expanded.add(tid)
        self.result.changed = True


def _sized(task: SerializedTask, mi: int) -> bool:
    """An instance of an expanded task: whether it is ``removed`` is its size's business."""
    return task.is_mapped and mi >= 0


def _mapped_group(task: SerializedTask) -> str | None:
    """The id of the mapped task group ``task`` is in, if any."""
    return task.mapped.get("group") if task.mapped is not None else None


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


def _apply(session: Session, changes: Changes, now: datetime) -> None:
    for state, keys in changes.items():
        if not keys:
            continue
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if state in (S.SKIPPED, S.UPSTREAM_FAILED, S.REMOVED, S.FAILED):
            values["end_date"] = now
        if state == S.SCHEDULED:
            values["next_retry_at"] = None
        for chunk in _chunks(keys, 500):
            session.execute(
                update(TaskInstance)
                .where(ti_keys_clause(TaskInstance, chunk))
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def _same_try_again(session: Session, keys: list[tuple[str, str, str, int]]) -> None:
    """A rescheduled sensor's next poke continues its try: step the count back, so the
    claim (which counts a try up as it starts it) lands on the same try number."""
    for chunk in _chunks(keys, 500):
        session.execute(
            update(TaskInstance)
            .where(ti_keys_clause(TaskInstance, chunk), TaskInstance.try_number > 0)
            .values(try_number=TaskInstance.try_number - 1)
            .execution_options(synchronize_session=False)
        )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
