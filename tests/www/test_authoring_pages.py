"""What DAG authors add for people, seen on the pages: edge labels, display names, docs
(Markdown rendered, HTML in it never run) and parse warnings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.www.browser import chromium_page, require_browser, serve
from tests.www.conftest import make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.operations import dag_runs

AUTHORED_DAG = '''
from datetime import datetime, timedelta

from tradewind import DAG
from tradewind.authoring import Label
from tradewind.decorators import task
from tradewind.operators.empty import EmptyOperator

DOC = """
# Nightly **ledger**

Reconciles the ledger. <script>window.__owned = true</script>

[bad link](javascript:alert(1))
"""

with DAG(
    dag_id="ledger_nightly",
    dag_display_name="Ledger: nightly run ✓",
    description="Reconcile the ledger every night.",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    doc_md=DOC,
) as dag:
    check = EmptyOperator(
        task_id="check",
        task_display_name="Check the books",
        doc_md="Looks at *every* entry.<img src=x onerror=window.__owned=true>",
        doc_json='{"owner": "<b>finance</b>"}',
        sla=timedelta(hours=1),
    )
    fix = EmptyOperator(task_id="fix")
    done = EmptyOperator(task_id="done")

    @task(task_display_name="Send the report")
    def report():
        """Mails the **summary**."""

    check >> Label("books wrong") >> fix >> report()
    check >> Label("books right") >> done
'''


@pytest.fixture
def authored_client(db_config: Config, database: Database) -> Iterator[TestClient]:
    (db_config.dags_folder).mkdir(parents=True, exist_ok=True)
    (db_config.dags_folder / "ledger.py").write_text(AUTHORED_DAG)
    sync(db_config, database)
    with make_client(db_config, database) as client:
        yield client


def _edge_labels(page: str) -> dict[tuple[str, str], str]:
    found = re.findall(
        r'<text class="edge-label"[^>]*data-source="([^"]+)" data-target="([^"]+)">([^<]*)</text>',
        page,
    )
    return {(source, target): label for source, target, label in found}


def test_graph_shows_labels_on_their_edges_and_display_names(
    authored_client: TestClient,
) -> None:
    page = authored_client.get("/dags/ledger_nightly/graph")
    assert page.status_code == 200
    assert _edge_labels(page.text) == {
        ("check", "fix"): "books wrong",
        ("check", "done"): "books right",
    }
    # Nodes keep the id as their identity and show the display name.
    assert 'data-task-id="check"' in page.text
    assert re.search(r'class="label">Check the books</text>', page.text)
    assert re.search(r'class="label">Send the report</text>', page.text)
    assert re.search(r'class="label">fix</text>', page.text)  # no display name: the id


def test_dag_list_and_dag_page_show_the_display_name(authored_client: TestClient) -> None:
    listing = authored_client.get("/dags").text
    assert re.search(
        r'<a class="dag-link" href="/dags/ledger_nightly"[^>]*>Ledger: nightly run ✓</a>', listing
    )
    assert 'title="1 parse warning: see the DAG\'s page">&#9888; 1</a>' in listing
    found = authored_client.get("/dags", params={"search": "NIGHTLY RUN"}).text
    assert 'href="/dags/ledger_nightly"' in found and 'href="/dags/ui_sample"' not in found
    grid = authored_client.get("/dags/ledger_nightly").text
    assert re.search(r"<h1[^>]*>Ledger: nightly run ✓</h1>", grid)
    assert "<title>Ledger: nightly run ✓" in grid
    assert re.search(r'data-task-id="check">Check the books</th>', grid)
    assert "Reconcile the ledger every night." in grid


def test_dag_doc_is_rendered_markdown_and_its_html_never_runs(
    authored_client: TestClient,
) -> None:
    page = authored_client.get("/dags/ledger_nightly").text
    doc = page[page.index('<div class="doc-md">') :]
    doc = doc[: doc.index("</details>")]
    assert "<h1>Nightly <strong>ledger</strong></h1>" in doc
    assert "<script>" not in doc and "&lt;script&gt;" in doc
    assert "<script>window.__owned" not in page
    assert 'href="javascript:' not in doc  # markdown-it refuses the link; the text stays
    # The graph page shows the same docs.
    assert (
        "<h1>Nightly <strong>ledger</strong></h1>"
        in authored_client.get("/dags/ledger_nightly/graph").text
    )


def test_task_instance_page_shows_display_name_and_task_docs(
    authored_client: TestClient, database: Database
) -> None:
    run = dag_runs.trigger_dag(database, "ledger_nightly", actor="test")
    page = authored_client.get(f"/dags/ledger_nightly/runs/{run.run_id}/tasks/check")
    assert page.status_code == 200, page.text[:500]
    assert re.search(r'<h1 data-task-id="check">Check the books</h1>', page.text)
    md = re.search(r'data-doc-kind="doc_md">(.*?)</section>', page.text, re.S)
    assert md and "Looks at <em>every</em> entry." in md.group(1)
    assert "<img" not in md.group(1)
    assert "&lt;img src=x onerror=window.__owned=true&gt;" in md.group(1)
    as_json = re.search(r'data-doc-kind="doc_json">(.*?)</section>', page.text, re.S)
    assert as_json and "&lt;b&gt;finance&lt;/b&gt;" in as_json.group(1)
    assert '<pre class="doc-text">' in as_json.group(1)

    run_page = authored_client.get(f"/dags/ledger_nightly/runs/{run.run_id}").text
    assert re.search(r'<tr data-task-id="check">\s*<td><a [^>]*>Check the books</a>', run_page)

    report = authored_client.get(f"/dags/ledger_nightly/runs/{run.run_id}/tasks/report").text
    assert "Mails the <strong>summary</strong>." in report  # the @task's docstring


def test_dag_page_lists_parse_warnings(authored_client: TestClient) -> None:
    page = authored_client.get("/dags/ledger_nightly").text
    warnings = page[page.index('class="parse-warnings"') :]
    assert "1 parse warning" in warnings
    assert "task &#39;check&#39; set sla, but SLAs were removed in Airflow 3" in warnings


def test_in_a_browser_docs_read_as_text_and_labels_show(
    authored_client: TestClient, database: Database
) -> None:
    chromium = require_browser()
    run = dag_runs.trigger_dag(database, "ledger_nightly", actor="test")
    with serve(authored_client.app) as base, chromium_page(chromium) as page:
        page.add_init_script("window.__owned = false;")
        page.goto(f"{base}/dags/ledger_nightly/graph")
        assert page.locator(".dag-doc .doc-md h1").inner_text() == "Nightly ledger"
        assert "<script>window.__owned = true</script>" in page.locator(".dag-doc").inner_text()
        labels = page.locator("svg.graph text.edge-label").all_text_contents()
        assert sorted(labels) == ["books right", "books wrong"]
        assert page.locator("h1").first.inner_text() == "Ledger: nightly run ✓"
        assert page.evaluate("window.__owned") is False

        page.goto(f"{base}/dags/ledger_nightly/runs/{run.run_id}/tasks/check")
        assert page.locator('[data-doc-kind="doc_md"] em').inner_text() == "every"
        assert page.locator('[data-doc-kind="doc_md"] img').count() == 0
        assert page.evaluate("window.__owned") is False


def test_columns_make_room_for_long_edge_labels() -> None:
    from tradewind.www.graph import NODE_WIDTH, layout

    label = "when the books do not balance"
    drawn = layout(["a", "b"], {"b": ["a"]}, {}, {}, edge_labels={("a", "b"): label})
    a, b = drawn.nodes
    assert b.x - (a.x + NODE_WIDTH) >= len(label) * 6
    assert drawn.edges[0].label == label
    assert a.x + NODE_WIDTH < drawn.edges[0].label_x < b.x
    plain = layout(["a", "b"], {"b": ["a"]}, {}, {})
    assert plain.nodes[1].x < b.x  # no labels: the usual gap
