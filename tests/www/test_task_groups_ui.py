"""Task groups in the UI: the grid's collapsible group rows, the graph's group boxes and
nodes, the summary state a group shows, and the API answering for grouped task ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from tests.www.conftest import make_client
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.operations import dag_runs
from tradewind.www.task_groups import css_color, siblings, summary_state

GROUPED_DAG = """
from datetime import datetime

from tradewind import DAG, TaskGroup
from tradewind.operators.empty import EmptyOperator

with DAG(dag_id="grouped_ui", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("prep", tooltip="Prepare things", ui_color="#ffcc00") as prep:
        a = EmptyOperator(task_id="a")
        with TaskGroup("inner") as inner:
            b = EmptyOperator(task_id="b")
            c = EmptyOperator(task_id="c")
        a >> inner
    end = EmptyOperator(task_id="end")
    start >> prep >> end
"""

ALL_TASKS = ("start", "prep.a", "prep.inner.b", "prep.inner.c", "end")


@pytest.mark.parametrize(
    ("states", "shown"),
    [
        (["success", "failed", "running"], "failed"),
        (["success", "upstream_failed", None], "upstream_failed"),
        (["success", "up_for_retry"], "up_for_retry"),
        (["running", "queued", "success"], "queued"),
        (["running", "success"], "running"),
        (["success", None], None),
        (["scheduled", None, "success"], "scheduled"),
        (["success", "skipped"], "success"),
        (["skipped", "skipped"], "skipped"),
        (["success", "success"], "success"),
        ([], None),
    ],
)
def test_summary_state_follows_airflows_priority(states: list[str | None], shown: str) -> None:
    assert summary_state(states) == shown


def test_siblings_come_in_dependency_order_even_when_a_group_starts_at_a_root() -> None:
    from tradewind import DAG, TaskGroup
    from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
    from tradewind.operators.empty import EmptyOperator

    with DAG("order", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("late") as late:  # its first task has no upstream task at all
            EmptyOperator(task_id="root") >> EmptyOperator(task_id="joined")
        with TaskGroup("early") as early:
            EmptyOperator(task_id="x")
        start >> early
        early >> late.children["late.joined"]
        cyclic = EmptyOperator(task_id="cyclic")  # late.root >> cyclic >> late.joined
        late.children["late.root"] >> cyclic >> late.children["late.joined"]
    serialized = SerializedDAG.from_dict(serialize_dag(dag))
    order = serialized.topological_order()
    upstream = {t: serialized.tasks[t].upstream_task_ids for t in order}
    top = siblings(None, order, upstream, serialized.task_groups)
    assert top.order.index("early") < top.order.index("late")
    assert top.upstream["late"] == {"early", "cyclic"} and top.upstream["cyclic"] == {"late"}
    inside = siblings("late", order, upstream, serialized.task_groups)
    assert inside.order == ["late.root", "late.joined"]


def test_only_plain_colours_reach_a_style_attribute() -> None:
    for colour in ("#abc", "#a1b2c3", "CornflowerBlue", "rgb(1, 2, 3)"):
        assert css_color(colour, "x") == colour
    for hostile in ("red; background: url(//evil)", '#fff" onmouseover="x', "", "red\n"):
        assert css_color(hostile, "CornflowerBlue") == "CornflowerBlue"


@pytest.fixture
def grouped_client(db_config: Config, database: Database) -> Iterator[TestClient]:
    from tradewind.dagfiles.sync import sync_dag_folder

    db_config.dags_folder.mkdir(parents=True, exist_ok=True)
    (db_config.dags_folder / "grouped_ui.py").write_text(GROUPED_DAG)
    sync_dag_folder(db_config, database)
    with make_client(db_config, database) as client:
        yield client


def _run_with_states(database: Database, states: dict[str, str]) -> str:
    run = dag_runs.trigger_dag(database, "grouped_ui", actor="test")
    with database.session() as session:
        for task_id, state in states.items():
            session.get(TaskInstance, ("grouped_ui", run.run_id, task_id, -1)).state = state
    return run.run_id


def _row(page: str, attribute: str) -> str:
    """The opening ``<tr ...>`` tag of the grid row holding ``attribute``."""
    for match in re.finditer(r"<tr\b[^>]*>.*?</tr>", page, re.S):
        if attribute in match.group(0):
            return match.group(0).split(">", 1)[0]
    raise AssertionError(f"no row with {attribute}")


def test_grid_groups_start_collapsed_and_summarise_their_tasks(
    grouped_client: TestClient, database: Database
) -> None:
    run_id = _run_with_states(
        database,
        {"start": "success", "prep.a": "success", "prep.inner.b": "failed", "end": "skipped"},
    )
    page = grouped_client.get("/dags/grouped_ui").text
    # Group rows summarise: inner has a failed task, so both it and prep show failed.
    for group_id in ("prep", "prep.inner"):
        assert f'data-group-id="{group_id}" data-run-id="{run_id}" data-state="failed"' in page, (
            group_id
        )
    assert "hidden" not in _row(page, 'data-group-id="prep"')
    assert "hidden" in _row(page, 'data-group-id="prep.inner"')
    for task_id in ("prep.a", "prep.inner.b", "prep.inner.c"):
        assert "hidden" in _row(page, f'data-task-id="{task_id}"'), task_id
    for task_id in ("start", "end"):
        assert "hidden" not in _row(page, f'data-task-id="{task_id}"'), task_id
    # Rows follow the tree: the group sits where its first task runs, members beneath.
    positions = [
        page.index(f'data-{kind}-id="{item}"')
        for kind, item in (
            ("task", "start"),
            ("group", "prep"),
            ("task", "prep.a"),
            ("group", "prep.inner"),
            ("task", "prep.inner.b"),
            ("task", "prep.inner.c"),
            ("task", "end"),
        )
    ]
    assert positions == sorted(positions)
    # Labels drop the group prefix; the full id stays in the title and the links.
    assert ">b</th>" in page and '/tasks/prep.inner.b"' in page


def test_grid_expand_opens_one_level_or_all(grouped_client: TestClient, database: Database) -> None:
    _run_with_states(database, {})
    opened = grouped_client.get("/dags/grouped_ui", params={"expand": "prep"}).text
    assert "hidden" not in _row(opened, 'data-task-id="prep.a"')
    assert "hidden" not in _row(opened, 'data-group-id="prep.inner"')
    assert "hidden" in _row(opened, 'data-task-id="prep.inner.b"')
    assert 'data-group-toggle="prep" aria-expanded="true"' in opened
    assert 'data-group-toggle="prep.inner" aria-expanded="false"' in opened
    # The toggle of an open group closes it; of a closed one opens it on top.
    assert 'href="/dags/grouped_ui" data-group-toggle="prep"' in opened
    assert 'href="/dags/grouped_ui?expand=prep&amp;expand=prep.inner"' in opened

    everything = grouped_client.get("/dags/grouped_ui", params={"expand": "*"}).text
    for task_id in ALL_TASKS:
        assert "hidden" not in _row(everything, f'data-task-id="{task_id}"'), task_id


def test_graph_collapsed_group_is_one_node_with_the_summary_state(
    grouped_client: TestClient, database: Database
) -> None:
    run_id = _run_with_states(
        database, {"start": "success", "prep.a": "success", "prep.inner.b": "running"}
    )
    page = grouped_client.get("/dags/grouped_ui/graph", params={"run_id": run_id}).text
    assert 'class="node group-node state-running" data-group-id="prep"' in page
    assert 'data-task-id="prep.a"' not in page and 'class="cluster' not in page
    assert page.count('class="edge"') == 2  # start -> prep -> end
    assert 'aria-label="Expand group prep"' in page
    link = f'href="/dags/grouped_ui/graph?{urlencode({"run_id": run_id, "expand": "prep"})}"'
    assert link.replace("&", "&amp;") in page


def test_graph_open_groups_are_boxes_around_their_tasks(
    grouped_client: TestClient, database: Database
) -> None:
    run_id = _run_with_states(database, {"prep.inner.b": "success", "prep.inner.c": "success"})
    one = grouped_client.get(
        "/dags/grouped_ui/graph", params={"run_id": run_id, "expand": "prep"}
    ).text
    assert 'class="cluster state-none" data-group-id="prep"' in one
    assert 'class="node group-node state-success" data-group-id="prep.inner"' in one
    assert one.count('class="edge"') == 3  # start -> a -> inner -> end
    assert '<input type="hidden" name="expand" value="prep">' in one  # the run picker keeps it

    every = grouped_client.get(
        "/dags/grouped_ui/graph", params={"run_id": run_id, "expand": "*"}
    ).text
    assert every.count('class="cluster ') == 2 and "group-node" not in every
    assert every.count('class="edge"') == 5
    boxes = {
        group: tuple(
            int(v)
            for v in re.search(
                rf'data-group-id="{re.escape(group)}"[^>]*>\s*<title>[^<]*</title>\s*'
                r'<rect class="box" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"',
                every,
            ).groups()
        )  # type: ignore[union-attr]
        for group in ("prep", "prep.inner")
    }
    for task_id in ("prep.a", "prep.inner.b", "prep.inner.c"):
        node = re.search(
            rf'data-task-id="{re.escape(task_id)}">\s*<title>[^<]*</title>\s*'
            r'<rect x="(\d+)" y="(\d+)"',
            every,
        )
        assert node, task_id
        x, y = int(node.group(1)), int(node.group(2))
        containers = ["prep"] + (["prep.inner"] if ".inner." in task_id else [])
        for group in containers:
            bx, by, bw, bh = boxes[group]
            assert bx < x < bx + bw and by < y < by + bh, (task_id, group)
    start = re.search(r'data-task-id="start">\s*<title>[^<]*</title>\s*<rect x="(\d+)"', every)
    assert start and int(start.group(1)) < boxes["prep"][0]


def test_run_page_graph_shows_groups(grouped_client: TestClient, database: Database) -> None:
    run_id = _run_with_states(database, {"prep.a": "failed"})
    page = grouped_client.get(f"/dags/grouped_ui/runs/{run_id}").text
    assert 'class="node group-node state-failed" data-group-id="prep"' in page


def test_api_answers_for_grouped_task_ids(grouped_client: TestClient, database: Database) -> None:
    run = dag_runs.trigger_dag(database, "grouped_ui", actor="test")
    task = grouped_client.get("/api/experimental/dags/grouped_ui/tasks/prep.inner.b")
    assert task.status_code == 200 and task.json()["task_id"] == "prep.inner.b"
    date = run.execution_date.isoformat()
    ti = grouped_client.get(f"/api/experimental/dags/grouped_ui/dag_runs/{date}/tasks/prep.a")
    assert ti.status_code == 200, ti.text
    assert ti.json()["task_id"] == "prep.a"
    missing = grouped_client.get("/api/experimental/dags/grouped_ui/tasks/prep.nothing")
    assert missing.status_code == 404
    page = grouped_client.get(f"/dags/grouped_ui/runs/{run.run_id}/tasks/prep.inner.b")
    assert page.status_code == 200


def test_grid_groups_open_and_close_in_a_browser(config: Config, sqlite_database_url: str) -> None:
    """Clicking a group row shows its tasks without a reload and keeps ?expand= in the URL."""
    from tests.www.browser import chromium_page, require_browser, serve
    from tradewind.dagfiles.sync import sync_dag_folder

    chromium = require_browser()
    ui_config = config.with_overrides({("database", "sql_alchemy_conn"): sqlite_database_url})
    ui_config.dags_folder.mkdir(parents=True, exist_ok=True)
    (ui_config.dags_folder / "grouped_ui.py").write_text(GROUPED_DAG)
    database = Database.from_config(ui_config)
    sync_dag_folder(ui_config, database)
    dag_runs.trigger_dag(database, "grouped_ui", actor="test")
    app = make_client(ui_config, database).app
    with serve(app) as base_url, chromium_page(chromium) as page:
        page.goto(f"{base_url}/dags/grouped_ui")
        task_a = page.locator('a.cell[data-task-id="prep.a"]')
        inner_b = page.locator('a.cell[data-task-id="prep.inner.b"]')
        assert not task_a.is_visible() and not inner_b.is_visible()

        page.click('a[data-group-toggle="prep"]')
        task_a.wait_for(state="visible")
        assert not inner_b.is_visible()  # prep.inner is still closed
        assert page.url.endswith("/dags/grouped_ui?expand=prep")

        page.click('a[data-group-toggle="prep.inner"]')
        inner_b.wait_for(state="visible")
        page.reload()  # the URL carries what is open
        inner_b.wait_for(state="visible")

        page.click('a[data-group-toggle="prep"]')  # closing the outer hides everything in it
        inner_b.wait_for(state="hidden")
        assert not task_a.is_visible()
        assert page.locator('a[data-group-toggle="prep"]').get_attribute("aria-expanded") == (
            "false"
        )

        # The graph's group node is a link that opens the group: a box around its tasks.
        page.goto(f"{base_url}/dags/grouped_ui/graph")
        page.click('a[aria-label="Expand group prep"]')
        page.wait_for_selector('g.cluster[data-group-id="prep"]')
        assert "expand=prep" in page.url
        assert page.locator('g.node[data-task-id="prep.a"]').is_visible()
        page.click('a[aria-label="Collapse group prep"]')
        page.wait_for_selector('g.group-node[data-group-id="prep"]')
    database.dispose()
