"""Triggering, reading and listing dag runs over real HTTP, with every bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.api.server import CURL_HEADERS, ApiServer
from tradewind.db.models import AuditLog, DagRun, TaskInstance

BAD_DATE = (
    "Given execution date, {}, could not be identified as a date. "
    "Example date format: 2015-11-16T14:34:15+00:00"
)
CONF_ERROR = "Dag Run conf must be a dictionary object, other types are not supported"


def run_count(server: ApiServer, dag_id: str = "demo") -> int:
    with server.database.read_session() as session:
        return session.scalar(select(func.count()).where(DagRun.dag_id == dag_id))


def trigger(server: ApiServer, body: object, dag_id: str = "demo", **kwargs):
    with server.client() as http:
        return http.post(f"/dags/{dag_id}/dag_runs", content=json.dumps(body), **kwargs)


def test_seed_curl_example_with_conf_as_a_json_string(api_server: ApiServer) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(
        [
            "curl", "-s", "-X", "POST", f"{api_server.api}/dags/demo/dag_runs",
            "-H", "Cache-Control: no-cache", "-H", "Content-Type: application/json",
            "-d", '{"conf":"{\\"key\\":\\"value\\"}", "run_id": "seed_curl",'
                  ' "replace_microseconds": "false"}',
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    created = json.loads(out.stdout)
    assert created["run_id"] == "seed_curl"
    assert created["message"].startswith("Created <DagRun demo @ ")
    with api_server.client() as http:
        run = http.get("/dags/demo/dag_runs/seed_curl").json()
    assert run["conf"] == {"key": "value"}
    assert run["state"] == "queued"


def test_trigger_defaults_run_id_and_truncates_microseconds(api_server: ApiServer) -> None:
    response = trigger(api_server, {}, dag_id="other", headers=CURL_HEADERS)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == {"message", "execution_date", "run_id"}
    assert created["run_id"] == f"manual__{created['execution_date']}"
    assert "." not in created["execution_date"]  # replace_microseconds defaults to true
    assert created["execution_date"].endswith("+00:00")


def test_trigger_with_date_run_id_and_detailed_output(api_server: ApiServer) -> None:
    response = trigger(
        api_server,
        {
            "run_id": "dated",
            "execution_date": "2016-11-16T11:34:15.123456",
            "conf": {"a": [1, 2]},
            "detailed_output": True,
            "some_future_field": 1,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # A given date keeps its microseconds unless replace_microseconds says otherwise.
    assert body["execution_date"] == "2016-11-16T11:34:15.123456+00:00"
    assert body["state"] == "queued" and body["dag_id"] == "demo" and body["start_date"] == ""
    assert body["dag_run_url"] == "/dags/demo/runs/dated"
    assert isinstance(body["id"], int)
    # The task instances exist straight away, with no state.
    with api_server.client() as http:
        ti = http.get("/dags/demo/dag_runs/dated/tasks/load").json()
    assert ti["state"] == "None" and ti["try_number"] == "0" and ti["max_tries"] == "2"


def test_airflow_json_client_payload_with_nulls(api_server: ApiServer) -> None:
    """Airflow's json_client sends every field, null when unset."""
    response = trigger(
        api_server,
        {"run_id": None, "conf": None, "execution_date": None, "replace_microseconds": None},
        dag_id="to_delete",
    )
    assert response.status_code == 200, response.text
    assert response.json()["run_id"].startswith("manual__")


def test_replace_microseconds_as_string_false_and_true(api_server: ApiServer) -> None:
    kept = trigger(
        api_server,
        {"run_id": "micro_kept", "execution_date": "2017-01-01T00:00:00.5+00:00",
         "replace_microseconds": "false"},
    ).json()  # fmt: skip
    assert kept["execution_date"] == "2017-01-01T00:00:00.500000+00:00"
    cut = trigger(
        api_server,
        {"run_id": "micro_cut", "execution_date": "2017-01-02T00:00:00.5+00:00",
         "replace_microseconds": "true"},
    ).json()  # fmt: skip
    assert cut["execution_date"] == "2017-01-02T00:00:00+00:00"
    bad = trigger(api_server, {"run_id": "micro_bad", "replace_microseconds": "perhaps"})
    assert bad.status_code == 400 and "replace_microseconds" in bad.json()["error"]


@pytest.mark.parametrize(
    "segment",
    [
        "2018-03-04T05:06:07+00:00",
        quote("2018-03-04T05:06:07+00:00", safe=""),
        "2018-03-04T05:06:07 00:00",  # the "+" a form decoder turned into a space
        "2018-03-04T05:06:07",
        "2018-03-04T07:06:07+02:00",
        "dates_forms",  # the run id, as an extension
    ],
)
def test_get_run_by_any_date_form_or_run_id(api_server: ApiServer, segment: str) -> None:
    trigger(api_server, {"run_id": "dates_forms", "execution_date": "2018-03-04T05:06:07"})
    with api_server.client() as http:
        response = http.get(f"/dags/demo/dag_runs/{segment}")
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["run_id"] == "dates_forms"
    assert run["execution_date"] == "2018-03-04T05:06:07+00:00"
    assert run["end_date"] == "" and run["external_trigger"] is True


def test_duplicate_run_id_or_date_is_a_400_and_changes_nothing(api_server: ApiServer) -> None:
    first = trigger(api_server, {"run_id": "dup", "execution_date": "2019-05-05T00:00:00"})
    assert first.status_code == 200
    before = run_count(api_server)
    same_id = trigger(api_server, {"run_id": "dup", "execution_date": "2019-06-06T00:00:00"})
    same_date = trigger(api_server, {"run_id": "dup2", "execution_date": "2019-05-05T00:00:00"})
    expected = "A DAG Run already exists for DAG demo at 2019-05-05T00:00:00+00:00 with run id dup"
    for response in (same_id, same_date):
        assert response.status_code == 400
        assert response.json() == {"error": expected}
    assert run_count(api_server) == before


def test_twenty_racing_triggers_create_exactly_one_run(api_server: ApiServer) -> None:
    body = {"run_id": "race", "execution_date": "2021-07-07T07:07:07+00:00"}
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(20)

    def fire() -> None:
        with api_server.client() as http:
            barrier.wait()
            response = http.post("/dags/demo/dag_runs", content=json.dumps(body))
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=fire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [400] * 19, results
    losers = {body["error"] for code, body in results if code == 400}
    assert losers == {
        "A DAG Run already exists for DAG demo at 2021-07-07T07:07:07+00:00 with run id race"
    }
    with api_server.database.read_session() as session:
        runs = session.scalar(select(func.count()).where(DagRun.run_id == "race"))
        tis = session.scalar(select(func.count()).where(TaskInstance.run_id == "race"))
    assert (runs, tis) == (1, 2)


@pytest.mark.parametrize("conf", [[1, 2], 5, "just text", '["a"]', "{not json", True], ids=repr)
def test_conf_that_is_not_an_object_is_refused(api_server: ApiServer, conf: object) -> None:
    before = run_count(api_server)
    response = trigger(api_server, {"conf": conf, "run_id": "bad_conf"})
    assert response.status_code == 400
    assert response.json() == {"error": CONF_ERROR}
    assert run_count(api_server) == before


def test_one_megabyte_conf_is_stored_and_a_huge_one_refused(api_server: ApiServer) -> None:
    big = {"blob": "x" * 1_000_000}
    response = trigger(api_server, {"conf": big, "run_id": "big_conf"})
    assert response.status_code == 200, response.text[:200]
    with api_server.client() as http:
        assert http.get("/dags/demo/dag_runs/big_conf").json()["conf"] == big
    too_big = trigger(api_server, {"conf": {"blob": "x" * 5_000_000}, "run_id": "bigger"})
    assert too_big.status_code == 400
    assert "limit" in too_big.json()["error"]
    huge_body = trigger(api_server, {"conf": {"blob": "x" * 9_000_000}, "run_id": "biggest"})
    assert huge_body.status_code == 413
    assert "error" in huge_body.json()


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [("not json", "application/json"), ("{", None), ("[1, 2]", "text/plain"), ('"s"', None),
     ("3", "application/json")],
)  # fmt: skip
def test_body_that_is_not_a_json_object_is_a_json_400(
    api_server: ApiServer, raw: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with api_server.client() as http:
        response = http.post("/dags/demo/dag_runs", content=raw, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "JSON" in response.json()["error"]


def test_body_with_text_plain_or_no_content_type_is_still_read(api_server: ApiServer) -> None:
    for run_id, headers in (("plain", {"Content-Type": "text/plain"}), ("none", {})):
        with api_server.client() as http:
            response = http.post(
                "/dags/demo/dag_runs",
                content=json.dumps({"run_id": run_id, "replace_microseconds": False}),
                headers=headers,
            )
        assert response.status_code == 200, response.text
        assert response.json()["run_id"] == run_id


@pytest.mark.parametrize("date", ["yesterday", "2016-13-45T00:00:00", "16-11-2016", "1e9"])
def test_bad_execution_dates(api_server: ApiServer, date: str) -> None:
    response = trigger(api_server, {"execution_date": date})
    assert response.status_code == 400
    assert response.json() == {"error": BAD_DATE.format(date)}
    with api_server.client() as http:
        for path in (
            f"/dags/demo/dag_runs/{date}/tasks/extract",
            f"/lineage/demo/{date}",
            f"/dags/demo/dag_runs?execution_date_gte={date}",
        ):
            response = http.get(path)
            assert response.status_code == 400, path
            assert response.json() == {"error": BAD_DATE.format(date)}


def test_run_id_rules(api_server: ApiServer) -> None:
    slash = trigger(api_server, {"run_id": "a/b"})
    assert slash.status_code == 400 and "'/'" in slash.json()["error"]
    empty = trigger(api_server, {"run_id": "  "})
    assert empty.status_code == 400
    long = trigger(api_server, {"run_id": "r" * 251})
    assert long.status_code == 400 and "250" in long.json()["error"]
    unicode = trigger(api_server, {"run_id": "выгрузка_☃", "execution_date": "2022-02-02"})
    assert unicode.status_code == 200
    with api_server.client() as http:
        run = http.get(f"/dags/demo/dag_runs/{quote('выгрузка_☃')}").json()
    assert run["run_id"] == "выгрузка_☃"
    assert run["dag_run_url"] == f"/dags/demo/runs/{quote('выгрузка_☃', safe='')}"


def test_unknown_dag_is_404_everywhere(api_server: ApiServer) -> None:
    with api_server.client() as http:
        responses = [
            http.post("/dags/nope/dag_runs", content="{}"),
            http.get("/dags/nope/dag_runs"),
            http.get("/dags/nope/dag_runs/2016-11-16T11:34:15"),
            http.get("/dags/nope/dag_runs/2016-11-16T11:34:15/tasks/x"),
            http.get("/dags/nope/tasks/x"),
            http.get("/dags/nope/paused/true"),
            http.get("/dags/nope/paused"),
            http.get("/dags/nope/code"),
            http.delete("/dags/nope"),
            http.get("/lineage/nope/2016-11-16T11:34:15"),
        ]
    for response in responses:
        assert response.status_code == 404, (response.request.url, response.text)
        assert response.json() == {"error": "Dag id nope not found"}


def test_unknown_run_and_task(api_server: ApiServer) -> None:
    trigger(api_server, {"run_id": "known", "execution_date": "2023-03-03T03:03:03"})
    with api_server.client() as http:
        no_run = http.get("/dags/demo/dag_runs/1999-01-01T00:00:00")
        no_run_ti = http.get("/dags/demo/dag_runs/1999-01-01T00:00:00/tasks/extract")
        not_date_nor_run = http.get("/dags/demo/dag_runs/no_such_run")
        no_task = http.get("/dags/demo/dag_runs/known/tasks/nope")
        no_task_def = http.get("/dags/demo/tasks/nope")
    assert no_run.status_code == 404 and no_run_ti.status_code == 404
    assert not_date_nor_run.status_code == 400
    assert not_date_nor_run.json() == {"error": BAD_DATE.format("no_such_run")}
    assert no_task.status_code == 404
    assert no_task.json() == {"error": "Task nope not found in dag demo"}
    assert no_task_def.json() == {"error": "Task nope not found in dag demo"}


def test_list_runs_oldest_first_with_filters(api_server: ApiServer) -> None:
    for day in (3, 1, 2):
        trigger(api_server, {"run_id": f"list_{day}", "execution_date": f"2010-01-0{day}"},
                dag_id="other")  # fmt: skip
    with api_server.client() as http:
        runs = http.get("/dags/other/dag_runs").json()
        window = http.get(
            "/dags/other/dag_runs",
            params={"execution_date_gte": "2010-01-02", "execution_date_lte": "2010-01-03"},
        ).json()
        page = http.get("/dags/other/dag_runs", params={"limit": 1, "offset": 1}).json()
        queued = http.get("/dags/other/dag_runs", params={"state": "queued"}).json()
        success = http.get("/dags/other/dag_runs", params={"state": "success"}).json()
        bad_limit = http.get("/dags/other/dag_runs", params={"limit": "ten"})
        bad_state = http.get("/dags/other/dag_runs", params={"state": "sleepy"})
    listed = [r["run_id"] for r in runs if r["run_id"].startswith("list_")]
    assert listed == ["list_1", "list_2", "list_3"]
    assert [r["run_id"] for r in window] == ["list_2", "list_3"]
    assert [r["run_id"] for r in page] == ["list_2"]
    assert {r["run_id"] for r in queued} >= {"list_1", "list_2", "list_3"}
    assert success == []
    assert set(runs[0]) == {
        "id", "run_id", "state", "dag_id", "execution_date", "start_date", "dag_run_url"
    }  # fmt: skip
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["error"]
    assert bad_state.status_code == 400 and "sleepy" in bad_state.json()["error"]


def test_paused_dag_still_gets_a_queued_run(api_server: ApiServer) -> None:
    with api_server.client() as http:
        assert http.get("/dags/demo/paused/true").json() == {"response": "ok"}
        response = http.post(
            "/dags/demo/dag_runs",
            content='{"run_id": "while_paused", "execution_date": "2011-11-11"}',
        )
        assert response.status_code == 200
        assert http.get("/dags/demo/dag_runs/while_paused").json()["state"] == "queued"


def test_trigger_is_audited_with_the_caller(api_server: ApiServer) -> None:
    trigger(api_server, {"run_id": "audited", "execution_date": "2012-12-12"})
    with api_server.database.read_session() as session:
        entry = session.scalar(select(AuditLog).where(AuditLog.run_id == "audited"))
        run = session.scalar(select(DagRun).where(DagRun.run_id == "audited"))
    assert entry is not None and entry.event == "trigger" and entry.owner == "anonymous"
    assert run.triggered_by == "anonymous"


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize(
    "value",
    [str(2**63), str(2**64 + 5), "9" * 40, "9" * 5000],
    ids=["2**63", "2**64+5", "40_digits", "5000_digits"],
)
def test_huge_limit_or_offset_is_a_json_400(api_server: ApiServer, name: str, value: str) -> None:
    with api_server.client() as http:
        response = http.get("/dags/other/dag_runs", params={name: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(f"{name} must be") and len(error) < 200


def test_largest_64_bit_offset_and_limit_are_accepted(api_server: ApiServer) -> None:
    with api_server.client() as http:
        largest = 2**63 - 1
        response = http.get("/dags/other/dag_runs", params={"limit": largest, "offset": largest})
    assert response.status_code == 200 and response.json() == []


def test_explicit_limit_is_capped_at_maximum_page_limit(tmp_path, database_url: str) -> None:
    from tests.api.server import make_home, serve, sync_dags
    from tradewind.db.engine import Database

    config = make_home(tmp_path, database_url, {"TRADEWIND__API__MAXIMUM_PAGE_LIMIT": "2"})
    database = Database.from_config(config)
    try:
        sync_dags(config, database)
        with serve(config, database) as server:
            for day in (1, 2, 3):
                response = trigger(
                    server, {"run_id": f"cap_{day}", "execution_date": f"2010-01-0{day}"}
                )
                assert response.status_code == 200, response.text
            with server.client() as http:
                everything = http.get("/dags/demo/dag_runs").json()
                capped = http.get("/dags/demo/dag_runs", params={"limit": 50}).json()
                small = http.get("/dags/demo/dag_runs", params={"limit": 1}).json()
                next_page = http.get("/dags/demo/dag_runs", params={"limit": 50, "offset": 2})
    finally:
        database.dispose()
    assert [r["run_id"] for r in everything] == ["cap_1", "cap_2", "cap_3"]
    assert [r["run_id"] for r in capped] == ["cap_1", "cap_2"]
    assert [r["run_id"] for r in small] == ["cap_1"]
    assert [r["run_id"] for r in next_page.json()] == ["cap_3"]


def test_openapi_documents_the_limit_cap(api_server: ApiServer) -> None:
    with api_server.client() as http:
        document = http.get("/openapi.json").json()
    listing = document["paths"]["/api/experimental/dags/{dag_id}/dag_runs"]["get"]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert "maximum_page_limit" in limit["description"]
