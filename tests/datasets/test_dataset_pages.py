"""The UI shows datasets: the Datasets page, a DAG's datasets tab, and on a
dataset-triggered run the events that triggered it."""

from __future__ import annotations

from tests.datasets.test_dataset_scheduling import CONSUMERS, PRODUCERS
from tests.scheduling.harness import Harness
from tests.www.conftest import make_client


def test_pages_show_producers_consumers_and_triggering_events(harness: Harness) -> None:
    harness.add_dag("producers", PRODUCERS)
    harness.add_dag("consumers", CONSUMERS)
    harness.sync()
    harness.start()
    run_id = harness.trigger("make_a")
    assert harness.wait_run("make_a", run_id) == "success"
    harness.wait_for(
        lambda: [r.state for r in harness.runs("needs_a")] == ["success"], what="needs_a"
    )
    consumer_run = harness.runs("needs_a")[0]

    client = make_client(harness.config, harness.db)
    page = client.get("/datasets")
    assert page.status_code == 200
    row = page.text.split('data-dataset-uri="s3://bucket/a.csv"')[1].split("</tr>")[0]
    assert "make_a</a>.write_a" in row
    for consumer in ("needs_a", "needs_both", "needs_either"):
        assert f'href="/dags/{consumer}"' in row
    waiting = row.split('class="waiting">')[1].split("</td>")[0]
    # needs_both still waits for B; the others ran and their queues were emptied.
    assert "needs_both" in waiting
    assert "needs_a" not in waiting and "needs_either" not in waiting
    assert "{&#34;rows&#34;: 42}" in row or '{"rows": 42}' in row

    dag_tab = client.get("/dags/needs_both/datasets").text
    assert 'data-dataset-uri="s3://bucket/a.csv"' in dag_tab
    assert 'data-dataset-uri="s3://bucket/b.csv"' in dag_tab
    assert client.get("/dags/make_b/datasets").text.count("data-dataset-uri=") == 1

    run_page = client.get(f"/dags/needs_a/runs/{consumer_run.run_id}").text
    assert "Triggered by 1 dataset event" in run_page
    section = run_page.split("triggering-events")[1].split("</details>")[0]
    assert "s3://bucket/a.csv" in section and "make_a</a>.write_a" in section
