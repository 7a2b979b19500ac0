"""Seeing durations, through a real scheduler run: the run's Gantt chart shows every try
(a retry is a second bar), the DAG's duration chart a column per run, the task instance's
Rendered tab what each try rendered (secrets masked, kept after the DAG file changes), its
XCom tab what it pushed, and the audit log who triggered the run. The experimental API
answers the same rendered fields."""

from __future__ import annotations

import re
import warnings

from starlette.testclient import TestClient

from tests.scheduling.conftest import harness  # noqa: F401  (the fixture)
from tests.scheduling.harness import Harness
from tradewind.operations import variables
from tradewind.operations.dag_runs import dag_run_url, trigger_dag

TOKEN = "tok-7f3a9c"  # the value of a sensitive variable a template reads

DAG_FILE = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator
from tradewind.decorators import task

def flaky(ti):
    if ti.try_number < 2:
        raise RuntimeError("the first try fails")
    ti.xcom_push(key="rows", value={"count": 3, "api_key": "pushed-secret"})
    return "ok"

with DAG("durations", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    first = PythonOperator(task_id="flaky", python_callable=flaky, retries=1,
                           retry_delay=timedelta(seconds=0.2))
    greet = BashOperator(task_id="greet",
                         bash_command="echo @WORD@ {{ var.value.api_token }} {{ run_id }}")

    @task
    def square(x):
        return x * x

    first >> greet >> square.expand(x=[1, 2, 3])
"""


def _client(h: Harness) -> TestClient:
    from tradewind.webserver import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(h.config, h.db), follow_redirects=False)


def _bars(page: str, task_id: str) -> list[tuple[str, str, str]]:
    """(kind, try, state) of each bar on ``task_id``'s row, in drawing order."""
    found = re.findall(
        r'href="[^"]*/tasks/' + task_id + r'\?[^"]*">\s*<rect class="bar [^"]*"[^>]*'
        r'data-try="(\d+)" data-kind="(\w+)" data-state="(\w+)"',
        page,
    )
    return [(kind, number, state) for number, kind, state in found]


def test_gantt_durations_rendered_xcom_and_audit_after_a_real_run(harness: Harness) -> None:  # noqa: F811
    h = harness
    variables.set_variable(variables.store(h.db, h.config), "api_token", TOKEN, actor="alice")
    h.add_dag("durations", DAG_FILE.replace("@WORD@", "before"))
    h.sync()
    h.start()
    run_id = trigger_dag(h.db, "durations", actor="alice", config=h.config).run_id
    assert h.wait_run("durations", run_id, timeout=90) == "success"
    client = _client(h)
    run_url = dag_run_url("durations", run_id)

    # The run page links to the Gantt chart.
    assert f'href="{run_url}/gantt"' in client.get(run_url).text
    gantt = client.get(run_url + "/gantt")
    assert gantt.status_code == 200
    page = gantt.text
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>")[0]
    runs_of_flaky = [bar for bar in _bars(page, "flaky") if bar[0] == "run"]
    assert runs_of_flaky == [("run", "1", "up_for_retry"), ("run", "2", "success")]
    assert ("queued", "1", "queued") in _bars(page, "flaky")
    assert "retried: flaky" in page
    # A mapped task with few instances: one row per instance.
    for index in range(3):
        assert f'data-task-id="square" data-map-index="{index}"' in page
    assert "square [2]" in page

    # The duration chart: a column per run, ?runs=N picks how many.
    second = trigger_dag(h.db, "durations", actor="bob", config=h.config).run_id
    assert h.wait_run("durations", second, timeout=90) == "success"
    chart = client.get("/dags/durations/durations").text
    assert chart.count('class="column"') == 2
    assert f'data-run-id="{run_id}"' in chart and f'data-run-id="{second}"' in chart
    only_last = client.get("/dags/durations/durations?runs=1").text
    assert only_last.count('class="column"') == 1 and f'data-run-id="{second}"' in only_last
    assert client.get("/dags/durations/durations?runs=many").status_code == 400
    assert 'href="/dags/durations/durations"' in client.get("/dags/durations").text

    # Rendered: the variable's value was read as a secret, so it is masked where stored.
    greet = f"{run_url}/tasks/greet"
    rendered = client.get(greet + "?tab=rendered").text
    assert f"echo before *** {run_id}" in rendered
    assert TOKEN not in rendered
    api = client.get(f"/api/experimental/dags/durations/dag_runs/{run_id}/tasks/greet").json()
    assert api["rendered_fields"]["bash_command"] == f"echo before *** {run_id}"
    assert api["state"] == "success" and api["try_number"] == "1"  # the usual fields stay

    # A changed DAG file changes what the next run renders, not what this one did.
    h.add_dag("durations", DAG_FILE.replace("@WORD@", "after"))
    h.sync()
    assert "echo before ***" in client.get(greet + "?tab=rendered").text

    # XCom: the latest try's values, a key named like a secret masked.
    xcoms = client.get(f"{run_url}/tasks/flaky?tab=xcom").text
    assert 'data-key="rows"' in xcoms and "&#34;count&#34;: 3" in xcoms
    assert "pushed-secret" not in xcoms
    assert 'data-key="return_value"' in xcoms
    assert 'id="xcom-gone"' in client.get(f"{run_url}/tasks/flaky?tab=xcom&try_number=1").text

    # The audit log: who triggered each run, newest first.
    audit = client.get("/dags/durations/audit_log").text
    triggers = re.findall(r'<tr data-event="trigger">\s*<td[^>]*>[^<]*</td>\s*<td><code>trigger'
                          r"</code></td>\s*<td>(\w+)</td>", audit)  # fmt: skip
    assert triggers[:2] == ["bob", "alice"]
