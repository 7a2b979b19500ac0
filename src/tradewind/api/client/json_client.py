"""The client that talks to a Tradewind (or Airflow 2) webserver's experimental API.

Needs no database access at all: only ``[cli] endpoint_url`` and, when the server asks
for credentials, what ``tradewind.api.client.auth.client_auth(config)`` provides.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from tradewind.api.client.base import ApiClientError
from tradewind.exceptions import BadRequest, NotFound, TradewindException

if TYPE_CHECKING:
    from tradewind.config import Config

# httpx logs every request at INFO; a CLI user wants the answer, not the transcript.
logging.getLogger("httpx").setLevel(logging.WARNING)

API = "/api/experimental"
TIMEOUT = 30.0


class Unauthorized(TradewindException):
    """401/403 from the server."""


def _auth(config: Config) -> httpx.Auth | None:
    try:
        from tradewind.api.client.auth import client_auth
    except ImportError:
        return None
    return client_auth(config)


def _seg(value: str) -> str:
    """One path segment: "/" and every other reserved character percent-encoded, and a
    name of only dots too (``..`` as such would be resolved away by the URL library)."""
    if value.strip(".") == "":
        return value.replace(".", "%2E")
    return quote(value, safe="")


class Client:
    def __init__(self, config: Config, *, transport: httpx.BaseTransport | None = None) -> None:
        self.endpoint = str(config.get("cli", "endpoint_url")).rstrip("/")
        self._http = httpx.Client(
            base_url=self.endpoint, auth=_auth(config), timeout=TIMEOUT, transport=transport
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.endpoint}{API}{path}"
        try:
            response = self._http.request(method, f"{API}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise ApiClientError(f"Cannot reach the Tradewind API at {url}: {exc}") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code < 400:
            if data is None and response.content:
                raise ApiClientError(f"{method} {url} answered something that is not JSON")
            return data
        message = data.get("error") if isinstance(data, dict) else None
        message = message or response.text[:200].strip() or response.reason_phrase
        if response.status_code == 404:
            raise NotFound(message)
        if response.status_code in (400, 413):
            raise BadRequest(message)
        if response.status_code in (401, 403):
            raise Unauthorized(f"{method} {url}: {response.status_code} {message}")
        raise ApiClientError(f"{method} {url} failed with HTTP {response.status_code}: {message}")

    def trigger_dag(
        self,
        dag_id: str,
        run_id: str | None = None,
        conf: dict[str, Any] | str | None = None,
        execution_date: str | None = None,
        replace_microseconds: bool | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if run_id is not None:
            body["run_id"] = run_id
        if conf is not None:
            body["conf"] = conf
        if execution_date is not None:
            body["execution_date"] = execution_date
        if replace_microseconds is not None:
            body["replace_microseconds"] = "true" if replace_microseconds else "false"
        return self._request("POST", f"/dags/{_seg(dag_id)}/dag_runs", content=json.dumps(body))

    def delete_dag(self, dag_id: str) -> dict[str, Any]:
        return self._request("DELETE", f"/dags/{_seg(dag_id)}")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self._request("GET", f"/dags/{_seg(dag_id)}/paused/{'true' if paused else 'false'}")

    def is_paused(self, dag_id: str) -> bool:
        return bool(self._request("GET", f"/dags/{_seg(dag_id)}/paused")["is_paused"])

    def get_dag_run(self, dag_id: str, ref: str) -> dict[str, Any]:
        return self._request("GET", f"/dags/{_seg(dag_id)}/dag_runs/{_seg(ref)}")

    def list_dag_runs(self, dag_id: str, state: str | None = None) -> list[dict[str, Any]]:
        params = {"state": state} if state else None
        return self._request("GET", f"/dags/{_seg(dag_id)}/dag_runs", params=params)

    def get_task_instance(
        self, dag_id: str, ref: str, task_id: str, map_index: int = -1
    ) -> dict[str, Any]:
        path = f"/dags/{_seg(dag_id)}/dag_runs/{_seg(ref)}/tasks/{_seg(task_id)}"
        params = {"map_index": map_index} if map_index >= 0 else None
        return self._request("GET", path, params=params)

    def get_pool(self, name: str) -> dict[str, Any]:
        return self._request("GET", f"/pools/{_seg(name)}")

    def get_pools(self) -> list[dict[str, Any]]:
        return self._request("GET", "/pools")

    def create_pool(self, name: str, slots: int | str, description: str) -> dict[str, Any]:
        body = {"name": name, "slots": slots, "description": description}
        return self._request("POST", "/pools", content=json.dumps(body))

    def delete_pool(self, name: str) -> dict[str, Any]:
        return self._request("DELETE", f"/pools/{_seg(name)}")

    def get_lineage(self, dag_id: str, execution_date: str) -> dict[str, Any]:
        return self._request("GET", f"/lineage/{_seg(dag_id)}/{_seg(execution_date)}")
