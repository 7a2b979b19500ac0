"""The grid's cells are built in Python (``tradewind.www.grid_cells``), not by the
template's autoescaping: a run id with markup in it stays text, in the tooltip, the
``data-`` attributes and the link."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.testclient import TestClient

from tradewind.db.engine import Database
from tradewind.operations import dag_runs

HOSTILE = """x"><img src=y onerror="window.__owned=1">'&"""


def test_a_run_id_with_markup_is_escaped_in_every_cell(
    client: TestClient, ui_database: Database
) -> None:
    dag_runs.trigger_dag(ui_database, "ui_sample", run_id=HOSTILE, actor="test")
    page = client.get("/dags/ui_sample").text
    assert "<img src=y" not in page
    cells = re.findall(r'<a class="cell state-none" href="([^"]+)"[^>]*data-run-id="([^"]+)"', page)
    assert len(cells) == 3  # extract, transform, load
    escaped = "x&#34;&gt;&lt;img src=y onerror=&#34;window.__owned=1&#34;&gt;&#39;&amp;"
    for href, run_attr in cells:
        assert run_attr == escaped
        assert href.startswith(f"/dags/ui_sample/runs/{quote(HOSTILE, safe='')}/tasks/")
    # the link leads to the task instance page of that run
    target = client.get(cells[0][0].replace("&amp;", "&"))
    assert target.status_code == 200
