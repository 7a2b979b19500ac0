"""Issue 15's "done when": a DAG of 10 task groups x 10 tasks and a task mapped over 500
items, in Tradewind syntax, runs to success under a real scheduler, and the grid shows the
groups and the mapped row with its count per state."""

from __future__ import annotations

import re

import pytest

from tests.scheduling.harness import Harness
from tests.www.conftest import make_client
from tradewind.operations.dag_runs import dag_run_url

SHAPES_DAG = """
from datetime import datetime

from tradewind import DAG, TaskGroup
from tradewind.decorators import task

with DAG("shapes", schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=32):

    @task
    def step():
        return None

    @task
    def items():
        return list(range(500))

    @task
    def each(item):
        return item * 2

    groups = []
    for g in range(10):
        with TaskGroup(f"group_{g}") as group:
            for t in range(10):
                step.override(task_id=f"task_{t}")()
        groups.append(group)
    for upstream, downstream in zip(groups, groups[1:]):
        upstream >> downstream
    listed = items()
    groups[-1] >> listed
    each.expand(item=listed)
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite is enough here
def test_groups_and_a_500_way_map_run_and_show_in_the_grid(
    harness: Harness, database_url: str
) -> None:
    harness.add_dag("shapes", SHAPES_DAG)
    harness.sync()
    # The harness's 0.5 s heartbeats judge a try dead after 1.5 s of silence; 500 tries on
    # a loaded machine can be quieter than that, so give them the default 5 s heartbeat.
    harness.start(TRADEWIND__CORE__PARALLELISM="32", TRADEWIND__SCHEDULER__JOB_HEARTBEAT_SEC="5")
    run_id = harness.trigger("shapes")
    state = harness.wait_run("shapes", run_id, timeout=240)
    assert state == "success", _why_failed(harness, run_id)

    with make_client(harness.config, harness.db) as client:
        grid = client.get("/dags/shapes").text
        groups = re.findall(r'<tr class="group-row" data-group-id="([^"]+)"', grid)
        assert groups == [f"group_{g}" for g in range(10)]  # in dependency order
        group_cells = re.findall(r'class="cell group-cell ([^"]+)"[^>]*data-group-id', grid)
        assert group_cells == ["state-success"] * 10
        # the grouped tasks are rows too, shown when their group is opened
        assert len(re.findall(r'<a class="cell state-success"[^>]*data-task-id="group_', grid))
        assert grid.count('data-in-groups="group_3"') == 10
        mapped = re.search(
            r'<a class="cell mapped (state-[a-z_]+)"[^>]*data-task-id="each"[^>]*'
            r'title="([^"]+)"[^>]*data-mapped="(\d+)">(\d+)</a>',
            grid,
        )
        assert mapped is not None, grid[-3000:]
        assert mapped.group(1) == "state-success"
        assert mapped.group(2).endswith("500 mapped instances: success 500")
        assert mapped.group(3) == mapped.group(4) == "500"

        run = client.get(dag_run_url("shapes", run_id)).text
        assert re.search(r'data-mapped="500">500 mapped: success 500<', run)

        listing = client.get(f"{dag_run_url('shapes', run_id)}/tasks/each").text
        indexes = re.findall(r'<tr data-map-index="(\d+)">', listing)
        assert indexes == [str(i) for i in range(500)]


def _why_failed(harness: Harness, run_id: str) -> str:
    return harness.scheduler_log()[-3000:]
