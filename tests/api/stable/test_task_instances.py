"""/api/v1 task instances against a real webserver and a real scheduler: run a DAG to
success through the API, then read its task instances, logs and XComs, and clear and
patch them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.stable.conftest import StableServer, scheduler, wait_for
from tests.api.stable.test_dags import assert_problem

RUN = "/dags/v1_demo/dagRuns/e2e"


def run_state(client: httpx.Client, dag_id: str, run_id: str) -> str:
    return client.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]


@pytest.fixture(scope="module")
def finished_runs(v1: StableServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """v1_demo's run ``e2e`` and v1_mapped's run ``mapped_e2e``, run by a scheduler."""
    log = Path(tmp_path_factory.mktemp("scheduler")) / "scheduler.log"
    with v1.client() as client, scheduler(v1, log):
        for dag_id, run_id in (("v1_demo", "e2e"), ("v1_mapped", "mapped_e2e")):
            unpaused = client.patch(f"/dags/{dag_id}", json={"is_paused": False})
            assert unpaused.status_code == 200, unpaused.text
            triggered = client.post(f"/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id})
            assert triggered.status_code == 200, triggered.text
        for dag_id, run_id in (("v1_demo", "e2e"), ("v1_mapped", "mapped_e2e")):
            wait_for(
                lambda: run_state(client, dag_id, run_id) in ("success", "failed"),  # noqa: B023
                180,
                f"{dag_id} {run_id} to finish (scheduler log: {log})",
            )
            assert run_state(client, dag_id, run_id) == "success", log.read_text()[-3000:]
        for dag_id in ("v1_demo", "v1_mapped"):
            client.patch(f"/dags/{dag_id}", json={"is_paused": True})
    yield


def test_task_instances_of_a_finished_run(client: httpx.Client, finished_runs: None) -> None:
    listed = client.get(f"{RUN}/taskInstances").json()
    assert listed["total_entries"] == 2
    by_task = {ti["task_id"]: ti for ti in listed["task_instances"]}
    assert {ti["state"] for ti in by_task.values()} == {"success"}
    hello = client.get(f"{RUN}/taskInstances/hello").json()
    assert hello == by_task["hello"]
    assert hello["try_number"] == 1
    assert hello["dag_run_id"] == "e2e"
    assert hello["operator"] == "BashOperator"
    assert hello["start_date"] is not None and hello["duration"] is not None
    assert hello["rendered_fields"]["bash_command"] == "echo hello-from-v1"
    everywhere = client.get("/dags/~/dagRuns/~/taskInstances", params={"state": "success"})
    assert {"hello", "push"} <= {ti["task_id"] for ti in everywhere.json()["task_instances"]}
    batch = client.post(
        "/dags/~/dagRuns/~/taskInstances/list",
        json={"dag_ids": ["v1_demo"], "dag_run_ids": ["e2e"], "task_ids": ["push"]},
    ).json()
    assert [ti["task_id"] for ti in batch["task_instances"]] == ["push"]
    assert_problem(client.get(f"{RUN}/taskInstances/nope"), 404, "Task instance not found")
    assert_problem(client.get(f"{RUN}/taskInstances", params={"state": "sleepy"}), 400)


def test_logs_as_json_with_a_token_and_as_text(client: httpx.Client, finished_runs: None) -> None:
    url = f"{RUN}/taskInstances/hello/logs/1"
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == 200, as_json.text
    body = as_json.json()
    assert "hello-from-v1" in body["content"]
    token = body["continuation_token"]
    rest = client.get(url, params={"token": token}, headers={"Accept": "application/json"})
    assert rest.json()["content"] == ""  # nothing written since
    full = client.get(url, params={"token": token, "full_content": "true"})
    assert full.json()["content"] == body["content"]
    as_text = client.get(url, headers={"Accept": "text/plain"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text == body["content"]
    assert_problem(client.get(url, params={"token": "garbage!"}), 400)
    assert_problem(client.get(f"{RUN}/taskInstances/hello/logs/7"), 404)
    assert_problem(client.get(f"{RUN}/taskInstances/hello/logs/zero"), 400)


def test_xcom_entries(client: httpx.Client, finished_runs: None) -> None:
    entries = client.get(f"{RUN}/taskInstances/push/xcomEntries").json()
    assert [entry["key"] for entry in entries["xcom_entries"]] == ["return_value"]
    assert entries["total_entries"] == 1
    assert "value" not in entries["xcom_entries"][0]
    entry = client.get(f"{RUN}/taskInstances/push/xcomEntries/return_value").json()
    assert entry["value"] == str({"answer": 42})
    raw = client.get(
        f"{RUN}/taskInstances/push/xcomEntries/return_value", params={"stringify": "false"}
    ).json()
    assert raw["value"] == {"answer": 42}
    anywhere = client.get("/dags/~/dagRuns/~/taskInstances/~/xcomEntries", params={"limit": 50})
    assert any(e["task_id"] == "push" for e in anywhere.json()["xcom_entries"])
    assert_problem(client.get(f"{RUN}/taskInstances/push/xcomEntries/nope"), 404)


def test_mapped_instances(client: httpx.Client, finished_runs: None) -> None:
    base = "/dags/v1_mapped/dagRuns/mapped_e2e/taskInstances/each"
    mapped = client.get(f"{base}/listMapped").json()
    assert [ti["map_index"] for ti in mapped["task_instances"]] == [0, 1, 2]
    assert mapped["total_entries"] == 3
    assert {ti["state"] for ti in mapped["task_instances"]} == {"success"}
    backwards = client.get(f"{base}/listMapped", params={"order_by": "-map_index", "limit": 1})
    assert [ti["map_index"] for ti in backwards.json()["task_instances"]] == [2]
    one = client.get(f"{base}/1").json()
    assert one["map_index"] == 1 and one["task_id"] == "each"
    log = client.get(f"{base}/logs/1", params={"map_index": 2}, headers={"Accept": "text/plain"})
    assert "item 3" in log.text
    assert_problem(client.get(f"{base}/7"), 404)
    assert_problem(client.get("/dags/v1_demo/dagRuns/e2e/taskInstances/hello/listMapped"), 404)


def test_patch_state_with_dry_run_and_clear(client: httpx.Client, finished_runs: None) -> None:
    url = f"{RUN}/taskInstances/push"
    dry = client.patch(url, json={"new_state": "failed"})  # dry_run is the default
    assert dry.json() == {
        "task_id": "push",
        "dag_id": "v1_demo",
        "execution_date": client.get(url).json()["execution_date"],
        "dag_run_id": "e2e",
    }
    assert client.get(url).json()["state"] == "success"
    assert_problem(client.patch(url, json={"dry_run": False, "new_state": "running"}), 400)
    real = client.patch(url, json={"dry_run": False, "new_state": "failed"})
    assert real.status_code == 200, real.text
    assert client.get(url).json()["state"] == "failed"
    listed = client.post(
        "/dags/v1_demo/clearTaskInstances", json={"dag_run_id": "e2e", "only_failed": True}
    ).json()
    assert [ti["task_id"] for ti in listed["task_instances"]] == ["push"]  # dry run
    assert client.get(url).json()["state"] == "failed"
    refused = client.post("/dags/v1_demo/clearTaskInstances", json={"include_past": True})
    assert_problem(refused, 400)
    cleared = client.post(
        "/dags/v1_demo/clearTaskInstances",
        json={"dag_run_id": "e2e", "task_ids": ["push"], "dry_run": False, "only_failed": False},
    )
    assert [ti["task_id"] for ti in cleared.json()["task_instances"]] == ["push"]
    assert client.get(url).json()["state"] is None
    assert client.get(f"{RUN}/taskInstances/hello").json()["state"] == "success"
    assert_problem(client.post("/dags/nope/clearTaskInstances", json={}), 404, "DAG not found")
