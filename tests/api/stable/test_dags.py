"""/api/v1 DAGs over HTTP with password auth: list, filters, paging, pause, details,
tasks, source, delete; errors as problem JSON."""

from __future__ import annotations

import httpx

from tests.api.stable.conftest import StableServer, basic

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, title: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["status"] == status
    assert body["type"].startswith("https://airflow.apache.org/docs/apache-airflow/")
    if title is not None:
        assert body["title"] == title
    return body


def test_no_or_wrong_credentials_get_a_problem_401_with_a_challenge(v1: StableServer) -> None:
    with v1.client(auth=None) as anonymous:
        body = assert_problem(anonymous.get("/dags"), 401, "Unauthorized")
        assert anonymous.get("/dags").headers["www-authenticate"].startswith("Basic")
        wrong = anonymous.get("/dags", headers=basic("v1-admin", "nope"))
    assert_problem(wrong, 401)
    assert "dags" not in body


def test_list_pages_with_total_entries_and_the_configured_limits(client: httpx.Client) -> None:
    everything = client.get("/dags", params={"limit": 100}).json()
    ids = [dag["dag_id"] for dag in everything["dags"]]
    assert {"v1_demo", "v1_daily", "v1_mapped", "demo"} <= set(ids)
    assert ids == sorted(ids)
    assert everything["total_entries"] == len(ids)
    # No limit: [api] fallback_page_limit (3 here); the total is still all of them.
    fallback = client.get("/dags").json()
    assert [dag["dag_id"] for dag in fallback["dags"]] == ids[:3]
    assert fallback["total_entries"] == len(ids)
    second = client.get("/dags", params={"limit": 2, "offset": 2}).json()
    assert [dag["dag_id"] for dag in second["dags"]] == ids[2:4]
    newest_first = client.get("/dags", params={"limit": 100, "order_by": "-dag_id"}).json()
    assert [dag["dag_id"] for dag in newest_first["dags"]] == ids[::-1]


def test_a_limit_above_the_maximum_is_lowered_to_it(v1: StableServer, client: httpx.Client) -> None:
    # [api] maximum_page_limit is 50 here: ask for 10,000, get at most 50 (and no error).
    response = client.get("/dags", params={"limit": 10_000})
    assert response.status_code == 200
    assert len(response.json()["dags"]) <= 50


def test_bad_paging_and_ordering_are_400_problems(client: httpx.Client) -> None:
    body = assert_problem(client.get("/dags", params={"order_by": "secret"}), 400, "Bad Request")
    assert "Ordering with 'secret' is disallowed" in body["detail"]
    assert_problem(client.get("/dags", params={"limit": "many"}), 400)
    assert_problem(client.get("/dags", params={"offset": -1}), 400)
    assert_problem(client.get("/dags", params={"paused": "maybe"}), 400)


def test_filters_tags_pattern_and_paused(client: httpx.Client) -> None:
    tagged = client.get("/dags", params=[("tags", "demo"), ("limit", "50")]).json()
    assert [dag["dag_id"] for dag in tagged["dags"]] == ["v1_demo"]
    assert tagged["dags"][0]["tags"] == [{"name": "v1"}, {"name": "demo"}]
    either = client.get("/dags", params=[("tags", "demo"), ("tags", "v1"), ("limit", "50")])
    assert {dag["dag_id"] for dag in either.json()["dags"]} == {"v1_demo", "v1_daily"}
    pattern = client.get("/dags", params={"dag_id_pattern": "V1_D", "limit": 50}).json()
    assert {dag["dag_id"] for dag in pattern["dags"]} == {"v1_demo", "v1_daily"}
    assert pattern["total_entries"] == 2
    unpaused = client.get("/dags", params={"paused": "false", "limit": 50}).json()
    assert all(not dag["is_paused"] for dag in unpaused["dags"])


def test_an_unknown_field_is_a_400_even_when_no_dag_matches(client: httpx.Client) -> None:
    """The document's enum holds whatever the page holds: an empty one answers 400 too."""
    nothing = {"dag_id_pattern": "no_dag_has_this_id"}
    assert client.get("/dags", params={**nothing, "fields": "dag_id"}).json() == {
        "dags": [],
        "total_entries": 0,
    }
    body = assert_problem(client.get("/dags", params={**nothing, "fields": "null"}), 400)
    assert "'null'" in body["detail"]
    assert_problem(client.get("/dags/v1_daily", params={"fields": "null"}), 400)
    assert_problem(client.get("/dags/v1_daily/details", params={"fields": "nope"}), 400)
    assert_problem(client.get("/dags/v1_daily/dagRuns", params={"fields": "nope"}), 400)


def test_get_one_dag_and_a_missing_one(client: httpx.Client) -> None:
    dag = client.get("/dags/v1_daily").json()
    assert dag["dag_id"] == "v1_daily"
    assert dag["schedule_interval"] == {"__type": "CronExpression", "value": "0 0 * * *"}
    assert dag["fileloc"].endswith("v1_dags.py")
    assert dag["has_import_errors"] is False
    assert client.get("/dags/v1_daily", params={"fields": "dag_id"}).json() == {
        "dag_id": "v1_daily"
    }
    body = assert_problem(client.get("/dags/nope"), 404, "DAG not found")
    assert body["detail"] == "DAG with dag_id: 'nope' not found"


def test_patch_pauses_with_an_update_mask_and_refuses_other_fields(client: httpx.Client) -> None:
    response = client.patch(
        "/dags/v1_daily", params={"update_mask": "is_paused"}, json={"is_paused": False}
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_paused"] is False
    # As in Airflow, read-only fields of the DAG are refused, with or without a mask.
    current = client.get("/dags/v1_daily").json()
    with_mask = client.patch(
        "/dags/v1_daily", params={"update_mask": "is_paused"}, json={**current, "is_paused": True}
    )
    assert_problem(with_mask, 400)
    refused = client.patch("/dags/v1_daily", json={"is_paused": True, "description": "x"})
    assert_problem(refused, 400)
    assert_problem(client.patch("/dags/v1_daily", params={"update_mask": "tags"}, json={}), 400)
    assert client.get("/dags/v1_daily").json()["is_paused"] is False  # nothing changed
    assert_problem(client.patch("/dags/v1_daily", json={"is_paused": "yes"}), 400)
    assert_problem(client.patch("/dags/v1_daily"), 400)  # the body is required
    assert client.patch("/dags/v1_daily", json={"is_paused": True}).json()["is_paused"] is True
    assert_problem(client.patch("/dags/nope", json={"is_paused": True}), 404, "DAG not found")


def test_bulk_patch_by_pattern(client: httpx.Client) -> None:
    response = client.patch(
        "/dags",
        params={"dag_id_pattern": "v1_d", "update_mask": "is_paused", "limit": 50},
        json={"is_paused": False},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert {dag["dag_id"] for dag in changed["dags"]} == {"v1_demo", "v1_daily"}
    assert all(dag["is_paused"] is False for dag in changed["dags"])
    assert client.get("/dags/v1_mapped").json()["is_paused"] is True  # not matched: unchanged
    client.patch("/dags", params={"dag_id_pattern": "v1_d"}, json={"is_paused": True})
    assert client.get("/dags/v1_demo").json()["is_paused"] is True
    assert_problem(client.patch("/dags", json={"is_paused": True}), 400)  # pattern required


def test_details_tasks_and_one_task(client: httpx.Client) -> None:
    details = client.get("/dags/v1_daily/details").json()
    assert details["catchup"] is False
    assert details["start_date"] == "2024-01-01T00:00:00+00:00"
    assert details["timezone"] == "UTC"
    tasks = client.get("/dags/v1_demo/tasks").json()
    assert [task["task_id"] for task in tasks["tasks"]] == ["hello", "push"]
    assert tasks["total_entries"] == 2
    hello = client.get("/dags/v1_demo/tasks/hello").json()
    assert hello["downstream_task_ids"] == ["push"]
    assert hello["class_ref"]["class_name"] == "BashOperator"
    assert hello["retry_delay"]["__type"] == "TimeDelta"
    # The official client refuses a null sub_dag (its type is DAG, not nullable): none is sent.
    assert "sub_dag" not in hello
    backwards = client.get("/dags/v1_demo/tasks", params={"order_by": "-task_id"}).json()
    assert [task["task_id"] for task in backwards["tasks"]] == ["push", "hello"]
    assert_problem(client.get("/dags/v1_demo/tasks/nope"), 404, "Task not found")


def test_dag_source_as_text_and_json_and_406(client: httpx.Client) -> None:
    token = client.get("/dags/v1_demo").json()["file_token"]
    text = client.get(f"/dagSources/{token}", headers={"Accept": "text/plain"})
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert 'DAG("v1_demo"' in text.text
    as_json = client.get(f"/dagSources/{token}", headers={"Accept": "application/json"})
    assert as_json.json()["content"] == text.text
    assert_problem(client.get(f"/dagSources/{token}", headers={"Accept": "image/png"}), 406)
    assert_problem(client.get("/dagSources/bm9wZQ"), 404)


def test_delete_a_dag(client: httpx.Client) -> None:
    response = client.delete("/dags/v1_gone")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get("/dags/v1_gone"), 404)
    assert_problem(client.delete("/dags/v1_gone"), 404)


def test_unknown_paths_and_methods_are_problems_too(client: httpx.Client) -> None:
    assert_problem(client.get("/nowhere"), 404)
    wrong_method = client.put("/dags")
    assert_problem(wrong_method, 405)
    assert set(wrong_method.headers["allow"].split(", ")) == {"GET", "PATCH"}


def test_the_experimental_api_keeps_its_own_error_shape(v1: StableServer) -> None:
    response = httpx.get(
        f"{v1.url}/api/experimental/dags/nope/paused", auth=("v1-admin", "v1-s3cret")
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"error"}
