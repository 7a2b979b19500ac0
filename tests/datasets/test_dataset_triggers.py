"""External events through the API, DatasetOrTimeSchedule, aliases and inlet_events, under
a real scheduler on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.scheduling.harness import Harness
from tradewind.api.app import create_app

API_CONSUMER = """
import json
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.datasets import Dataset
from tradewind.operators.python import PythonOperator

def report(triggering_dataset_events=None, dag_run=None, data_interval_start=None,
           data_interval_end=None, **context):
    events = {uri: [[e.extra, e.source_dag_id] for e in found]
              for uri, found in triggering_dataset_events.items()}
    with open("@TMP@/" + dag_run.run_id.replace(":", "_") + ".json", "w") as f:
        json.dump({"events": events, "start": data_interval_start.isoformat(),
                   "end": data_interval_end.isoformat()}, f)

with DAG("external_consumer", start_date=datetime(2024, 1, 1), schedule=[Dataset("file:///x")]):
    PythonOperator(task_id="read", python_callable=report)
"""


def test_api_event_triggers_a_consumer(harness: Harness) -> None:
    harness.add_dag("consumer", API_CONSUMER)
    harness.sync()
    harness.start()
    with TestClient(create_app(harness.config)) as client:
        answer = client.post(
            "/api/experimental/datasets/events",
            json={"uri": "file:///x", "extra": {"from": "outside"}},
        )
        assert answer.status_code == 200, answer.text
        event = answer.json()
        assert event["dataset_uri"] == "file:///x"
        assert event["extra"] == {"from": "outside"}
        assert event["source_dag_id"] is None

        unknown = client.post("/api/experimental/datasets/events", json={"uri": "file:///nope"})
        assert unknown.status_code == 404
        assert "file:///nope" in unknown.json()["error"]
        reserved = client.post("/api/experimental/datasets/events", json={"uri": "airflow://x"})
        assert reserved.status_code == 400
        assert "reserved" in reserved.json()["error"]
        blank = client.post("/api/experimental/datasets/events", json={"uri": "   "})
        assert blank.status_code == 400
        bad_extra = client.post(
            "/api/experimental/datasets/events", json={"uri": "file:///x", "extra": [1]}
        )
        assert bad_extra.status_code == 400
        assert "'extra' must be a JSON object" in bad_extra.json()["error"]

    harness.wait_for(
        lambda: [r.state for r in harness.runs("external_consumer")] == ["success"],
        what="the dataset-triggered run",
    )
    run = harness.runs("external_consumer")[0]
    assert run.run_type == "dataset_triggered"
    seen = json.loads((harness.tmp / f"{run.run_id.replace(':', '_')}.json").read_text())
    assert seen["events"] == {"file:///x": [[{"from": "outside"}, None]]}
    # Airflow: an event without a source run spans its own timestamp.
    assert seen["start"] == seen["end"] == run.execution_date.isoformat()


OR_TIME = """
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.datasets import Dataset
from tradewind.authoring.schedules import CronTimetable, DatasetOrTimeSchedule
from tradewind.operators.python import PythonOperator

D = Dataset("s3://daily/input")

with DAG("or_time", start_date=datetime(2024, 1, 1), catchup=False,
         schedule=DatasetOrTimeSchedule(timetable=CronTimetable("@daily"), datasets=[D])):
    PythonOperator(task_id="work", python_callable=lambda: None)

with DAG("feed", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="put", python_callable=lambda: None, outlets=[D])
"""


def test_dataset_or_time_schedule_runs_on_both(harness: Harness) -> None:
    harness.add_dag("or_time", OR_TIME)
    harness.sync()
    harness.start()
    harness.wait_for(
        lambda: [r.run_type for r in harness.runs("or_time")] == ["scheduled"],
        what="the time-based run",
    )
    run_id = harness.trigger("feed")
    assert harness.wait_run("feed", run_id) == "success"
    harness.wait_for(
        lambda: (
            sorted(r.run_type for r in harness.runs("or_time"))
            == ["dataset_triggered", "scheduled"]
        ),
        what="the dataset-triggered run",
    )
    with harness.db.session() as session:
        from tradewind.db.models import DagModel

        dag = session.get(DagModel, "or_time")
        assert dag is not None and dag.schedule == "Dataset or 0 0 * * *"


ALIAS_AND_INLETS = """
import json
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.datasets import Dataset, DatasetAlias, Metadata
from tradewind.operators.python import PythonOperator

ALIAS = DatasetAlias("daily-files")
REPORT = Dataset("s3://reports/summary")

def attach(outlet_events=None, **context):
    outlet_events[ALIAS].add(Dataset("s3://files/2024-01-01"), extra={"size": 7})

def generated():
    yield Metadata(REPORT, {"pages": 3})
    return "done"

def read(inlet_events=None, triggering_dataset_events=None, **context):
    events = inlet_events[REPORT]
    with open("@TMP@/inlets.json", "w") as f:
        json.dump({"inlet_extras": [e.extra for e in events],
                   "last_source": events[-1].source_task_id,
                   "triggered_by": sorted(triggering_dataset_events)}, f)

with DAG("alias_producer", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="attach", python_callable=attach, outlets=[ALIAS])
    PythonOperator(task_id="report", python_callable=generated, outlets=[REPORT])

def read_alias(inlet_events=None, **context):
    with open("@TMP@/alias_inlets.json", "w") as f:
        json.dump([[e.uri, e.extra] for e in inlet_events[ALIAS]], f)

with DAG("alias_consumer", start_date=datetime(2024, 1, 1), schedule=[ALIAS]):
    PythonOperator(task_id="read_alias", python_callable=read_alias, inlets=[ALIAS])

with DAG("report_reader", start_date=datetime(2024, 1, 1), schedule=[REPORT]):
    PythonOperator(task_id="read", python_callable=read, inlets=[REPORT])
"""


def test_alias_outlet_metadata_yield_and_inlet_events(harness: Harness) -> None:
    harness.add_dag("alias", ALIAS_AND_INLETS)
    harness.sync()
    harness.start()
    run_id = harness.trigger("alias_producer")
    assert harness.wait_run("alias_producer", run_id) == "success"
    harness.wait_for(
        lambda: [r.state for r in harness.runs("alias_consumer")] == ["success"],
        what="the alias consumer",
    )
    harness.wait_for(
        lambda: [r.state for r in harness.runs("report_reader")] == ["success"],
        what="the report reader",
    )
    alias_events = json.loads((harness.tmp / "alias_inlets.json").read_text())
    assert alias_events == [["s3://files/2024-01-01", {"size": 7}]]
    seen = json.loads((harness.tmp / "inlets.json").read_text())
    assert seen == {
        "inlet_extras": [{"pages": 3}],
        "last_source": "report",
        "triggered_by": ["s3://reports/summary"],
    }
