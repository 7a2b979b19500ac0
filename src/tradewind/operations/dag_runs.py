"""Dag runs: triggering one, finding one, listing a DAG's history.

The database's unique constraints ``(dag_id, run_id)`` and ``(dag_id, execution_date)``
are the truth about duplicates: the pre-check gives the friendly answer, the constraint
settles races (20 clients triggering the same run at once create exactly one).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import BigInteger, Select, and_, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import DagRun, DagRunState, RunType, TaskInstance
from tradewind.db.models.base import ID_LENGTH
from tradewind.db.types import UtcDateTime
from tradewind.exceptions import (
    BadRequest,
    DagRunAlreadyExists,
    DagRunNotFound,
    ParamValidationError,
)
from tradewind.operations import audit
from tradewind.operations.dags import (
    get_serialized_dag,
    require_dag,
    require_dag_exists,
    wake_scheduler,
)
from tradewind.operations.dates import (
    bad_date_message,
    iso,
    parse_execution_date,
)

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.dagfiles.serialization import SerializedDAG
    from tradewind.db.engine import Database

CONF_ERROR = "Dag Run conf must be a dictionary object, other types are not supported"
# A run's conf is stored in one JSON column and sent to every task: 4 MiB is far beyond
# any sane use, yet keeps one request from filling the database.
MAX_CONF_BYTES = 4 * 1024 * 1024

# The columns a dag-run object shows; selected as plain rows (no ORM objects) because
# listing runs is the API's hottest read.
_RUN_COLUMNS = (
    DagRun.id,
    DagRun.run_id,
    DagRun.state,
    DagRun.dag_id,
    DagRun.execution_date,
    DagRun.start_date,
)


# --- input rules ------------------------------------------------------------------------------


def parse_conf(conf: Any) -> dict[str, Any] | None:
    """A JSON object, or a string holding one (the seed's curl example); else 400."""
    if conf is None or conf == "":
        return None
    if isinstance(conf, str):
        try:
            conf = json.loads(conf, parse_constant=_not_json)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise BadRequest(CONF_ERROR) from None
    if not isinstance(conf, dict):
        raise BadRequest(CONF_ERROR)
    size = len(json.dumps(conf, default=str))
    if size > MAX_CONF_BYTES:
        raise BadRequest(
            f"Dag Run conf is {size} bytes of JSON; the limit is {MAX_CONF_BYTES} bytes"
        )
    return conf


def _not_json(name: str) -> Any:
    """NaN and Infinity: Python's JSON parser takes them, JSON and PostgreSQL do not."""
    raise ValueError(f"{name} is not JSON")


def parse_flag(name: str, value: Any) -> bool:
    """A boolean given as JSON true/false, 0/1 or a string such as "false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):  # 1.0 is 1 to JSON
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "t", "yes", "y", "1"}:
            return True
        if lowered in {"false", "f", "no", "n", "0", ""}:
            return False
    raise BadRequest(f"{name} must be true or false, not {json.dumps(value, default=str)}")


def validate_run_id(run_id: Any) -> str:
    if not isinstance(run_id, str):
        raise BadRequest(f"run_id must be a string, not {json.dumps(run_id, default=str)}")
    if not run_id.strip():
        raise BadRequest("run_id must not be empty")
    if len(run_id) > ID_LENGTH:
        raise BadRequest(f"run_id can't be more than {ID_LENGTH} characters")
    # "/" would make the run unreachable in URLs (.../dag_runs/<run_id>, the UI page).
    if "/" in run_id or any(unicodedata.category(ch) == "Cc" for ch in run_id):
        raise BadRequest("run_id must not contain '/' or control characters")
    return run_id


def check_params(dag: SerializedDAG, conf: dict[str, Any] | None) -> dict[str, Any]:
    """The param values a run with ``conf`` would start with; a 400 naming a bad param.

    Conf overrides the DAG's param defaults and must pass their schemas; a param without
    a default must be in it. Checked whatever ``[core] dag_run_conf_overrides_params``
    says, as Airflow does: the run is refused rather than failing in its first task.
    """
    try:
        return dag.params.resolve_conf(conf)
    except ParamValidationError as exc:
        raise BadRequest(str(exc)) from None


def _as_date(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return parse_execution_date(value.isoformat())
    return parse_execution_date(value)


# --- triggering --------------------------------------------------------------------------------


def trigger_dag(
    db: Database,
    dag_id: str,
    *,
    run_id: str | None = None,
    conf: Any = None,
    execution_date: datetime | str | None = None,
    replace_microseconds: bool | str | None = None,
    actor: str,
    config: Config | None = None,
    note: str | None = None,
    data_interval: tuple[datetime, datetime] | None = None,
) -> DagRun:
    """Create a queued manual run (a paused DAG gets it too; it waits for the unpause).

    ``replace_microseconds`` defaults to true when no date is given, so two date-less
    triggers in the same second collide exactly as in Airflow. Raises DagNotFound,
    BadRequest (conf not an object, or failing the DAG's params: :func:`check_params`)
    or DagRunAlreadyExists; on any error nothing is written. ``note`` is kept with the run;
    ``data_interval`` replaces the one the DAG's timetable would infer.
    """
    conf_dict = parse_conf(conf)
    if replace_microseconds is None:
        truncate = execution_date is None
    else:
        truncate = parse_flag("replace_microseconds", replace_microseconds)
    when = utcnow() if execution_date is None else _as_date(execution_date)
    if truncate:
        when = when.replace(microsecond=0)
    run_id = validate_run_id(run_id) if run_id is not None else f"manual__{when.isoformat()}"

    inserted = False
    try:
        with db.session() as session:
            require_dag(session, dag_id)
            dag = get_serialized_dag(session, dag_id)
            check_params(dag, conf_dict)
            _refuse_duplicate(session, dag_id, run_id, when)
            if data_interval is None:
                interval = dag.timetable.infer_manual_data_interval(run_after=when)
                data_interval = (interval.start, interval.end)
            now = utcnow()
            run = DagRun(
                dag_id=dag_id,
                run_id=run_id,
                execution_date=when,
                data_interval_start=data_interval[0],
                data_interval_end=data_interval[1],
                state=DagRunState.QUEUED,
                run_type=RunType.MANUAL,
                external_trigger=True,
                conf=conf_dict,
                queued_at=now,
                triggered_by=actor,
                note=note,
            )
            session.add(run)
            session.flush()
            inserted = True
            _create_task_instances(session, dag, run)
            audit.record(session, "trigger", actor, dag_id=dag_id, run_id=run_id)
    except IntegrityError:
        if inserted:
            raise
        # Another request won the race between our check and our insert: its run is
        # committed, and ours rolled back whole (nothing was written before the insert;
        # no savepoint, which cost two statements on every trigger).
        with db.read_session() as session:
            _refuse_duplicate(session, dag_id, run_id, when)
        raise _already_exists(dag_id, when, run_id) from None
    if config is not None:
        wake_scheduler(db, config)
    return run


def _already_exists(dag_id: str, when: datetime, run_id: str) -> DagRunAlreadyExists:
    return DagRunAlreadyExists(
        f"A DAG Run already exists for DAG {dag_id} at {when.isoformat()} with run id {run_id}"
    )


def _refuse_duplicate(session: Session, dag_id: str, run_id: str, when: datetime) -> None:
    existing = session.execute(
        select(DagRun.execution_date, DagRun.run_id)
        .where(DagRun.dag_id == dag_id)
        .where(or_(DagRun.run_id == run_id, DagRun.execution_date == when))
        .limit(1)
    ).first()
    if existing is not None:
        raise _already_exists(dag_id, existing.execution_date, existing.run_id)


def _create_task_instances(session: Session, dag: SerializedDAG, run: DagRun) -> None:
    """One task instance per task, no state yet, as Airflow creates them with the run.

    The scheduler adds whichever are missing too; creating them here means the task
    instance endpoint answers right after the trigger, even for a paused DAG.
    """
    from tradewind.scheduling.task_instances import task_instance_values

    if dag.tasks:
        now = utcnow()
        rows = [task_instance_values(run.dag_id, run.run_id, t, now) for t in dag.tasks.values()]
        session.execute(insert(TaskInstance), rows)


# --- reading -----------------------------------------------------------------------------------


_URL_SAFE = re.compile(r"^[A-Za-z0-9_.~-]*$")


@functools.lru_cache(maxsize=65536)
def _quote(part: str) -> str:
    """One URL path segment; cached, as the same run ids are listed over and over."""
    return part if _URL_SAFE.match(part) else quote(part, safe="")


def dag_run_url(dag_id: str, run_id: str) -> str:
    """Where a person looks at the run on this webserver (the UI's run page)."""
    return f"/dags/{_quote(dag_id)}/runs/{_quote(run_id)}"


def run_to_dict(run: Any) -> dict[str, Any]:
    """The contract's dag-run object, from an ORM run or a row of ``_RUN_COLUMNS``."""
    return {
        "id": run.id,
        "run_id": run.run_id,
        "state": run.state,
        "dag_id": run.dag_id,
        "execution_date": iso(run.execution_date),
        "start_date": iso(run.start_date),
        "dag_run_url": dag_run_url(run.dag_id, run.run_id),
    }


def run_to_detail(run: DagRun) -> dict[str, Any]:
    """The dag-run object plus what one run's page needs."""
    return {
        **run_to_dict(run),
        "end_date": iso(run.end_date),
        "conf": run.conf or {},
        "external_trigger": bool(run.external_trigger),
        "run_type": run.run_type,
        "data_interval_start": iso(run.data_interval_start),
        "data_interval_end": iso(run.data_interval_end),
        "queued_at": iso(run.queued_at),
        "triggered_by": run.triggered_by or "",
    }


def parse_state(state: str | None) -> DagRunState | None:
    if state is None or state == "":
        return None
    try:
        return DagRunState(state.strip().lower())
    except ValueError:
        raise BadRequest(
            f"Invalid dag run state {state!r}; use one of {', '.join(DagRunState)}"
        ) from None


# LIMIT and OFFSET are 64-bit on both databases; a larger number is a 400, not an overflow.
MAX_COUNT = 2**63 - 1


def _shown(value: Any) -> str:
    """The offending value for an error message, cut short when someone sends a novel."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def parse_count(name: str, value: Any) -> int | None:
    """A non-negative integer query parameter (``limit``, ``offset``); absent is None.

    At most :data:`MAX_COUNT`; anything else (a word, a negative or a huge number) is a 400.
    """
    if value is None or value == "":
        return None
    message = f"{name} must be a non-negative integer, not {_shown(value)}"
    if isinstance(value, bool):
        raise BadRequest(message)
    try:
        number = int(value)
    except (TypeError, ValueError):  # ValueError also for int()'s 4300-digit limit
        raise BadRequest(message) from None
    if number < 0:
        raise BadRequest(message)
    if number > MAX_COUNT:
        raise BadRequest(f"{name} must be at most {MAX_COUNT}, not {_shown(value)}")
    return number


def list_dag_runs(
    db: Database,
    dag_id: str,
    *,
    state: str | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    execution_date_gte: datetime | str | None = None,
    execution_date_lte: datetime | str | None = None,
    max_limit: int | None = None,
) -> list[dict[str, Any]]:
    """The DAG's runs, oldest first; no ``limit`` means all of them (as in Airflow).

    An explicit ``limit`` above ``max_limit`` (the API passes ``[api] maximum_page_limit``)
    is lowered to it, as Airflow's stable API does; page on with ``offset``.

    Served by the ``(dag_id, execution_date)`` unique index, so a page of a DAG with
    100,000 runs costs the same as one of a DAG with ten.
    """
    state = parse_state(state)
    limit_n = parse_count("limit", limit)
    offset_n = parse_count("offset", offset)
    if limit_n is not None and max_limit is not None:
        limit_n = min(limit_n, max_limit)
    params: dict[str, Any] = {"dag_id": dag_id, "state": state, "limit": limit_n}
    params["offset"] = offset_n or None
    if execution_date_gte not in (None, ""):
        params["gte"] = _as_date(execution_date_gte)
    if execution_date_lte not in (None, ""):
        params["lte"] = _as_date(execution_date_lte)
    shape = tuple(sorted(key for key, value in params.items() if value is not None))
    query = _list_query(shape)
    bound = {key: params[key] for key in shape}
    with db.read_connection() as connection:
        # Core rows, not ORM objects; the DAG check only when there is nothing to show.
        rows = connection.execute(query, bound).all()
        if not rows:
            require_dag_exists(connection, dag_id)
    return [
        {
            "id": row.id,
            "run_id": row.run_id,
            "state": row.state,
            "dag_id": row.dag_id,
            "execution_date": row.execution_date.isoformat(),
            "start_date": iso(row.start_date),
            "dag_run_url": dag_run_url(dag_id, row.run_id),
        }
        for row in rows
    ]


@functools.cache
def _list_query(shape: tuple[str, ...]) -> Select[*tuple[Any, ...]]:
    """The list statement for a combination of filters, built once (values are bound)."""
    query: Select[*tuple[Any, ...]] = select(*_RUN_COLUMNS).where(
        DagRun.dag_id == bindparam("dag_id")
    )
    if "state" in shape:
        query = query.where(DagRun.state == bindparam("state"))
    if "gte" in shape:
        query = query.where(DagRun.execution_date >= bindparam("gte", type_=UtcDateTime))
    if "lte" in shape:
        query = query.where(DagRun.execution_date <= bindparam("lte", type_=UtcDateTime))
    query = query.order_by(DagRun.execution_date)
    if "limit" in shape:
        query = query.limit(bindparam("limit", type_=BigInteger))
    if "offset" in shape:
        query = query.offset(bindparam("offset", type_=BigInteger))
    return query


def find_dag_run(session: Session, dag_id: str, ref: str) -> DagRun:
    """A run by execution date or, when ``ref`` is not a date, by run id.

    Raises DagNotFound, DagRunNotFound (a date with no run) or the contract's 400 date
    error when ``ref`` is neither a date nor the id of a run of this DAG.
    """
    require_dag(session, dag_id)
    date: datetime | None = None
    try:
        date = parse_execution_date(ref)
    except BadRequest:
        date = None
    if date is not None:
        run = session.scalar(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.execution_date == date)
        )
        if run is not None:
            return run
    run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == ref))
    if run is not None:
        return run
    if date is None:
        raise BadRequest(bad_date_message(ref))
    raise DagRunNotFound(f"Dag run for DAG {dag_id} at {ref} not found")


def get_dag_run(db: Database, dag_id: str, ref: str) -> dict[str, Any]:
    """One run's object (state, dates, conf) by execution date or run id."""
    with db.read_session() as session:
        return run_to_detail(find_dag_run(session, dag_id, ref))


def latest_runs(db: Database) -> list[dict[str, Any]]:
    """The newest run (by execution date) of every DAG that has one."""
    newest = (
        select(DagRun.dag_id, func.max(DagRun.execution_date).label("execution_date"))
        .group_by(DagRun.dag_id)
        .subquery()
    )
    query = (
        select(DagRun.dag_id, DagRun.run_id, DagRun.execution_date, DagRun.start_date)
        .join(
            newest,
            and_(
                DagRun.dag_id == newest.c.dag_id,
                DagRun.execution_date == newest.c.execution_date,
            ),
        )
        .order_by(DagRun.dag_id)
    )
    with db.read_session() as session:
        rows = session.execute(query).all()
    return [
        {
            "dag_id": row.dag_id,
            "execution_date": iso(row.execution_date),
            "start_date": iso(row.start_date),
            "dag_run_url": dag_run_url(row.dag_id, row.run_id),
        }
        for row in rows
    ]
