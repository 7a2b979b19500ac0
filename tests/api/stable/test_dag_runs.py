"""/api/v1 DAG runs over HTTP with password auth: trigger, list, filters, state, note,
clear, delete; refusals change nothing."""

from __future__ import annotations

import httpx

from tests.api.stable.test_dags import assert_problem


def trigger(client: httpx.Client, dag_id: str, **body: object) -> dict:
    response = client.post(f"/dags/{dag_id}/dagRuns", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def runs_of(client: httpx.Client, dag_id: str, **query: object) -> dict:
    response = client.get(f"/dags/{dag_id}/dagRuns", params={"limit": 50, **query})
    assert response.status_code == 200, response.text
    return response.json()


def test_trigger_with_conf_note_and_logical_date(client: httpx.Client) -> None:
    run = trigger(
        client,
        "v1_daily",
        dag_run_id="first",
        logical_date="2024-03-01T12:00:00+00:00",
        conf={"who": "api"},
        note="by hand",
    )
    assert run["dag_run_id"] == "first"
    assert run["state"] == "queued"
    assert run["run_type"] == "manual"
    assert run["external_trigger"] is True
    assert run["logical_date"] == run["execution_date"] == "2024-03-01T12:00:00+00:00"
    assert run["conf"] == {"who": "api"}
    assert run["note"] == "by hand"
    assert client.get("/dags/v1_daily/dagRuns/first").json() == run
    generated = trigger(client, "v1_daily", execution_date="2024-03-02T00:00:00Z")
    assert generated["dag_run_id"] == "manual__2024-03-02T00:00:00+00:00"


def test_refused_triggers_create_nothing(client: httpx.Client) -> None:
    before = runs_of(client, "v1_daily")["total_entries"]
    trigger(client, "v1_daily", dag_run_id="dupe", logical_date="2024-04-01T00:00:00Z")
    body = assert_problem(client.post("/dags/v1_daily/dagRuns", json={"dag_run_id": "dupe"}), 409)
    assert "dupe" in body["detail"]
    conflicting = {
        "logical_date": "2024-05-01T00:00:00Z",
        "execution_date": "2024-05-02T00:00:00Z",
    }
    assert_problem(client.post("/dags/v1_daily/dagRuns", json=conflicting), 400)
    assert_problem(client.post("/dags/v1_daily/dagRuns", json={"state": "success"}), 400)
    assert_problem(client.post("/dags/v1_daily/dagRuns", json={"conf": [1, 2]}), 400)
    assert_problem(client.post("/dags/v1_daily/dagRuns", content=b"{not json"), 400)
    assert_problem(client.post("/dags/nope/dagRuns", json={}), 404, "DAG not found")
    assert runs_of(client, "v1_daily")["total_entries"] == before + 1


def test_list_filters_order_and_the_tilde(client: httpx.Client) -> None:
    for day in ("06-01", "06-02", "06-03"):
        trigger(client, "v1_mapped", dag_run_id=f"list_{day}", logical_date=f"2024-{day}T00:00:00Z")
    listed = runs_of(client, "v1_mapped")
    ids = [run["dag_run_id"] for run in listed["dag_runs"]]
    assert ids[:3] == ["list_06-01", "list_06-02", "list_06-03"]  # by id: creation order
    assert listed["total_entries"] == len(ids)
    newest = runs_of(client, "v1_mapped", order_by="-execution_date", limit=1)
    assert [run["dag_run_id"] for run in newest["dag_runs"]] == ["list_06-03"]
    assert newest["total_entries"] == listed["total_entries"]
    window = runs_of(
        client,
        "v1_mapped",
        execution_date_gte="2024-06-02T00:00:00Z",
        execution_date_lte="2024-06-02T23:59:59Z",
    )
    assert [run["dag_run_id"] for run in window["dag_runs"]] == ["list_06-02"]
    everywhere = runs_of(client, "~", limit=50)
    assert {"v1_mapped", "v1_daily"} <= {run["dag_id"] for run in everywhere["dag_runs"]}
    assert everywhere["total_entries"] >= listed["total_entries"] + 2
    assert runs_of(client, "v1_mapped", state="failed")["total_entries"] == 0
    assert_problem(client.get("/dags/~/dagRuns", params={"order_by": "conf"}), 400)
    assert_problem(client.get("/dags/~/dagRuns", params={"start_date_gte": "soon"}), 400)
    batch = client.post(
        "/dags/~/dagRuns/list",
        json={"dag_ids": ["v1_mapped"], "order_by": "-id", "page_limit": 2},
    ).json()
    assert [run["dag_run_id"] for run in batch["dag_runs"]] == ["list_06-03", "list_06-02"]
    assert batch["total_entries"] == listed["total_entries"]
    assert_problem(client.post("/dags/~/dagRuns/list", json={"page_limit": 0}), 400)


def test_a_count_follows_a_new_run(client: httpx.Client) -> None:
    """The cached total (SQLite) must not hide a run added since the last list."""
    before = runs_of(client, "v1_demo")["total_entries"]
    runs_of(client, "v1_demo")  # cached now
    trigger(client, "v1_demo", dag_run_id="counted")
    assert runs_of(client, "v1_demo")["total_entries"] == before + 1
    assert client.delete("/dags/v1_demo/dagRuns/counted").status_code == 204
    assert runs_of(client, "v1_demo")["total_entries"] == before


def test_set_state_note_clear_and_delete(client: httpx.Client) -> None:
    trigger(client, "v1_demo", dag_run_id="marked")
    failed = client.patch("/dags/v1_demo/dagRuns/marked", json={"state": "failed"})
    assert failed.status_code == 200, failed.text
    assert failed.json()["state"] == "failed"
    instances = client.get("/dags/v1_demo/dagRuns/marked/taskInstances").json()
    assert {ti["state"] for ti in instances["task_instances"]} == {"skipped"}
    assert_problem(client.patch("/dags/v1_demo/dagRuns/marked", json={"state": "running"}), 400)
    noted = client.patch("/dags/v1_demo/dagRuns/marked/setNote", json={"note": "looked at"})
    assert noted.json()["note"] == "looked at"
    dry = client.post("/dags/v1_demo/dagRuns/marked/clear", json={"dry_run": True}).json()
    assert sorted(ti["task_id"] for ti in dry["task_instances"]) == ["hello", "push"]
    assert client.get("/dags/v1_demo/dagRuns/marked").json()["state"] == "failed"  # dry run
    cleared = client.post("/dags/v1_demo/dagRuns/marked/clear", json={"dry_run": False})
    assert cleared.json()["state"] == "queued"
    again = client.get("/dags/v1_demo/dagRuns/marked/taskInstances").json()
    assert {ti["state"] for ti in again["task_instances"]} == {None}
    assert client.delete("/dags/v1_demo/dagRuns/marked").status_code == 204
    body = assert_problem(client.get("/dags/v1_demo/dagRuns/marked"), 404, "DAGRun not found")
    assert "marked" in body["detail"]
    assert_problem(client.delete("/dags/v1_demo/dagRuns/marked"), 404)
    assert client.get("/dags/v1_demo/dagRuns/marked/taskInstances").json()["total_entries"] == 0
