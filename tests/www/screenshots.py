"""Regenerate the README's screenshots: ``python -m tests.www.screenshots [out_dir]``.

Seeds a throw-away home with the example DAGs and a few weeks of made-up history (no
scheduler needed), serves the UI and saves the DAG list, a grid and a graph as PNGs in
``docs/screenshots/`` (or ``out_dir``).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

import tradewind
from tests.www.browser import chromium_page, chromium_path, serve

EXTRA_DAGS = {
    "daily_sales_report": ("0 6 * * *", ["reporting", "sales"], 5),
    "ml_feature_refresh": ("@hourly", ["ml"], 4),
    "warehouse_sync": ("*/30 * * * *", ["etl", "warehouse"], 3),
    "customer_emails": ("0 9 * * 1-5", ["marketing"], 2),
}

EXTRA_TEMPLATE = """
from datetime import datetime

from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG(dag_id="{dag_id}", schedule="{schedule}", start_date=datetime(2024, 1, 1),
         catchup=False, tags={tags!r}, description="{description}") as dag:
    steps = [BashOperator(task_id=f"step_{{n}}", bash_command="echo hi") for n in range({n})]
    for a, b in zip(steps, steps[1:]):
        a >> b
"""


def seed(home: Path) -> tuple[object, object]:
    from tradewind.authoring.timezone import utcnow
    from tradewind.config import load_config
    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.engine import Database
    from tradewind.db.models import DagModel, DagRun, TaskInstance
    from tradewind.db.schema import migrate
    from tradewind.operations import dag_runs, dags
    from tradewind.www import queries

    folder = home / "dags"
    folder.mkdir(parents=True)
    examples = Path(tradewind.__file__).parent / "example_dags"
    for path in examples.glob("example_*.py"):
        shutil.copy(path, folder / path.name)
    for dag_id, (schedule, tags, n) in EXTRA_DAGS.items():
        description = dag_id.replace("_", " ").capitalize() + "."
        text = EXTRA_TEMPLATE.format(
            dag_id=dag_id, schedule=schedule, tags=tags, n=n, description=description
        )
        (folder / f"{dag_id}.py").write_text(text)
    config = load_config({"TRADEWIND_HOME": str(home), "TRADEWIND__CORE__LOAD_EXAMPLES": "False"})
    database = Database.from_config(config)
    migrate(database)
    sync_dag_folder(config, database)
    now = utcnow().replace(microsecond=0)
    chooser = random.Random(7)
    with database.read_session() as session:
        dag_ids = list(session.scalars(select(DagModel.dag_id).order_by(DagModel.dag_id)))
    for index, dag_id in enumerate(dag_ids):
        if dag_id == "example_python_operator":
            continue  # one DAG stays paused with no history
        dags.set_paused(database, dag_id, False, actor="screenshots")
        for day in range(18):
            when = now - timedelta(days=18 - day, hours=index)
            run = dag_runs.trigger_dag(database, dag_id, execution_date=when, actor="scheduler")
            last = day == 17
            failed = chooser.random() < 0.12
            with database.session() as session:
                by_id = {
                    ti.task_id: ti
                    for ti in session.scalars(
                        select(TaskInstance).where(
                            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
                        )
                    )
                }
                order = [task.task_id for task in queries.dag_tasks(session, dag_id)]
                tis = [by_id[task_id] for task_id in order]
                broken = chooser.randrange(len(tis)) if failed else -1
                for position, ti in enumerate(tis):
                    if last:
                        ti.state = ["success", "running", None][min(position, 2)]
                    elif failed and position == broken:
                        ti.state = "failed"
                    elif failed and position > broken:
                        ti.state = "upstream_failed"
                    else:
                        ti.state = "success"
                    if ti.state:
                        ti.try_number = 1
                        ti.start_date = when + timedelta(seconds=position * 20)
                        ti.duration = chooser.uniform(2, 40)
                        ti.end_date = ti.start_date + timedelta(seconds=ti.duration)
                row = session.get(DagRun, run.id)
                row.state = "running" if last else ("failed" if failed else "success")
                row.start_date = when
    return config, database


def main(out_dir: Path) -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is missing: apt-get install -y chromium")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config, database = seed(Path(tmp) / "home")
        from tradewind.webserver import create_app

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            app = create_app(config, database)
        with serve(app) as base_url, chromium_page(executable) as page:
            page.set_viewport_size({"width": 1360, "height": 760})
            for name, path in (
                ("dags.png", "/dags"),
                ("grid.png", "/dags/example_bash_operator"),
                ("graph.png", "/dags/example_trigger_rules/graph"),
                ("task-groups-grid.png", "/dags/example_task_group?expand=section_1"),
                ("task-groups-graph.png", "/dags/example_task_group/graph?expand=section_1"),
            ):
                page.goto(base_url + path)
                page.screenshot(path=out_dir / name, full_page=True)
                print(out_dir / name)


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
