"""Every metric Tradewind emits, by name: call sites pass these, never strings.

StatsD names are Airflow's where Airflow has the same measurement (so its Grafana
dashboards keep working); the others are Tradewind's own, in the same style. A metric
with ``scraped=True`` is read from the metadata database when ``/metrics`` is scraped
(every webserver worker sees the same rows) and sent to StatsD by the scheduler at each
heartbeat; the others are counted where they happen. ``docs/observability.md`` has the
same table for people.
"""

from __future__ import annotations

from tradewind.observability.definitions import COUNT_BUCKETS, REQUEST_BUCKETS, Kind, Metric

# --- scheduler -------------------------------------------------------------------------------
SCHEDULER_PASS = Metric(
    Kind.HISTOGRAM,
    "scheduler_pass_seconds",
    "Duration of one scheduler pass (one transaction), in seconds.",
    statsd=("scheduler.scheduler_loop_duration",),
)
RUNS_CREATED = Metric(
    Kind.COUNTER,
    "dag_runs_created",
    "DAG runs the scheduler created from DAGs' schedules.",
    statsd=("scheduler.dagruns_created",),
)
TRIES_ADMITTED = Metric(
    Kind.HISTOGRAM,
    "scheduler_tries_admitted",
    "Task instances one scheduler pass admitted and queued to the executor.",
    statsd=("scheduler.tasks.executable",),
    buckets=COUNT_BUCKETS,
    statsd_kind=Kind.GAUGE,
)
EXECUTOR_OPEN_SLOTS = Metric(
    Kind.GAUGE,
    "executor_open_slots",
    "Tries the schedulers' executors could start now (summed over live schedulers).",
    statsd=("executor.open_slots",),
)
SCHEDULER_HEARTBEATS = Metric(
    Kind.COUNTER,
    "scheduler_heartbeats",
    "Heartbeats written by schedulers.",
    statsd=("scheduler_heartbeat",),
)
ZOMBIES = Metric(
    Kind.COUNTER,
    "zombie_tries",
    "Running tries failed or retried because their heartbeat or process was gone.",
    statsd=("zombies_killed",),
)
SCHEDULER_HEARTBEAT_AGE = Metric(
    Kind.GAUGE,
    "scheduler_heartbeat_age_seconds",
    "Seconds since each running scheduler's last heartbeat.",
    labels=("job_id", "hostname"),
    scraped=True,
)
TRIES_QUEUED = Metric(
    Kind.GAUGE,
    "tries_queued",
    "Task instances queued (sent to an executor, not started yet).",
    statsd=("executor.queued_tasks",),
    scraped=True,
)
TRIES_RUNNING = Metric(
    Kind.GAUGE,
    "tries_running",
    "Task instances running.",
    statsd=("scheduler.tasks.running", "executor.running_tasks"),
    scraped=True,
)

# --- tries ----------------------------------------------------------------------------------
TRIES_STARTED = Metric(
    Kind.COUNTER,
    "tries_started",
    "Tries claimed by a runner host and started.",
    labels=("dag_id",),
    statsd=("ti.start.{dag_id}.{task_id}",),
)
TRIES_FINISHED = Metric(
    Kind.COUNTER,
    "tries_finished",
    "Tries whose end was recorded, by the state they ended in.",
    labels=("dag_id", "state"),
    statsd=("ti.finish.{dag_id}.{task_id}.{state}",),
)
TI_SUCCESSES = Metric(Kind.COUNTER, None, "Tries that succeeded.", statsd=("ti_successes",))
TI_FAILURES = Metric(Kind.COUNTER, None, "Tries that failed.", statsd=("ti_failures",))
TRY_DURATION = Metric(
    Kind.HISTOGRAM,
    "try_duration_seconds",
    "How long a try ran, from its start to its recorded end.",
    labels=("dag_id",),
    statsd=("dag.{dag_id}.{task_id}.duration",),
)
TRY_QUEUED_DELAY = Metric(
    Kind.HISTOGRAM,
    "try_queued_seconds",
    "Time from a task instance being queued to its try starting.",
    labels=("dag_id",),
    statsd=("dag.{dag_id}.{task_id}.queued_duration",),
)
DAG_RUN_DURATION = Metric(
    Kind.HISTOGRAM,
    "dag_run_duration_seconds",
    "How long a DAG run took, from its start to its end, by its final state.",
    labels=("dag_id", "state"),
    statsd=("dagrun.duration.{state}.{dag_id}",),
)

DAG_RUN_SCHEDULE_DELAY = Metric(
    Kind.HISTOGRAM,
    "dag_run_schedule_delay_seconds",
    "Scheduled runs: time from the end of the run's data interval (when it was due) to the "
    "run starting.",
    labels=("dag_id",),
    statsd=("dagrun.schedule_delay.{dag_id}",),
)
DAG_RUN_FIRST_TASK_DELAY = Metric(
    Kind.HISTOGRAM,
    "dag_run_first_task_delay_seconds",
    "Scheduled runs: time from the end of the run's data interval to its first task being "
    "queued (by the scheduler that started the run).",
    labels=("dag_id",),
    statsd=("dagrun.{dag_id}.first_task_scheduling_delay",),
)

# --- DAG folder -----------------------------------------------------------------------------
DAG_FILE_PARSE = Metric(
    Kind.GAUGE,
    "dag_file_parse_seconds",
    "Seconds the last import of each DAG file took.",
    labels=("file",),
    statsd=("dag_processing.last_duration.{file}",),
    statsd_kind=Kind.HISTOGRAM,  # a timer per import, sent by the DAG folder sync
    scraped=True,
)
DAG_FOLDER_SYNC = Metric(
    Kind.GAUGE,
    None,
    "Seconds the last DAG folder sync took (listing, importing changed files, writing).",
    statsd=("dag_processing.total_parse_time",),
)
IMPORT_ERRORS = Metric(
    Kind.GAUGE,
    "dag_import_errors",
    "DAG files that failed to import at their last parse.",
    statsd=("dag_processing.import_errors",),
    scraped=True,
)
DAGS = Metric(
    Kind.GAUGE,
    "dags",
    "Active DAGs (found at the last parse of their files).",
    statsd=("dagbag_size",),
    scraped=True,
)

# --- triggerer -----------------------------------------------------------------------------
TRIGGERER_HEARTBEATS = Metric(
    Kind.COUNTER,
    "triggerer_heartbeats",
    "Heartbeats written by triggerers.",
    statsd=("triggerer_heartbeat",),
)
TRIGGERS_RUNNING = Metric(
    Kind.GAUGE,
    "triggers_running",
    "Triggers each triggerer runs now.",
    labels=("hostname",),
    statsd=("triggers.running.{hostname}",),
)
TRIGGERER_CAPACITY_LEFT = Metric(
    Kind.GAUGE,
    "triggerer_capacity_left",
    "Triggers each triggerer could take on now ([triggerer] capacity less those it runs).",
    labels=("hostname",),
    statsd=("triggerer.capacity_left.{hostname}",),
)
TRIGGERS_SUCCEEDED = Metric(
    Kind.COUNTER,
    "triggers_succeeded",
    "Triggers that fired their event (recorded, their task resumed).",
    statsd=("triggers.succeeded",),
)
TRIGGERS_FAILED = Metric(
    Kind.COUNTER,
    "triggers_failed",
    "Triggers that raised, ended without an event or could not be loaded.",
    statsd=("triggers.failed",),
)
TRIGGERS_BLOCKED = Metric(
    Kind.COUNTER,
    "triggers_blocked_main_thread",
    "Times a trigger held the triggerer's event loop past the watchdog's threshold "
    "(code that is not fully asynchronous).",
    statsd=("triggers.blocked_main_thread",),
)

# --- pools ----------------------------------------------------------------------------------
POOL_OPEN_SLOTS = Metric(
    Kind.GAUGE,
    "pool_open_slots",
    "Slots of each pool free for more tries (-1: unlimited).",
    labels=("pool",),
    statsd=("pool.open_slots.{pool}",),
    scraped=True,
)
POOL_USED_SLOTS = Metric(
    Kind.GAUGE,
    "pool_used_slots",
    "Slots of each pool taken by running tries.",
    labels=("pool",),
    statsd=("pool.running_slots.{pool}",),
    scraped=True,
)
POOL_QUEUED_SLOTS = Metric(
    Kind.GAUGE,
    "pool_queued_slots",
    "Slots of each pool taken by queued tries.",
    labels=("pool",),
    statsd=("pool.queued_slots.{pool}",),
    scraped=True,
)

# --- API ------------------------------------------------------------------------------------
HTTP_REQUESTS = Metric(
    Kind.HISTOGRAM,
    "http_request_seconds",
    "Time to answer an HTTP request (API and UI), by route template, method and status; "
    "its _count is the number of requests.",
    labels=("route", "method", "status"),
    buckets=REQUEST_BUCKETS,
)

# --- Celery ---------------------------------------------------------------------------------
CELERY_OUTSTANDING = Metric(
    Kind.GAUGE,
    "celery_messages_outstanding",
    "Messages waiting in the Celery broker's default queue (CeleryExecutor only).",
    scraped=True,
)
CELERY_BROKER_REACHABLE = Metric(
    Kind.GAUGE,
    "celery_broker_reachable",
    "1 when the webserver could reach the Celery broker, else 0 (CeleryExecutor only).",
    scraped=True,
)

ALL: tuple[Metric, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Metric)
)
