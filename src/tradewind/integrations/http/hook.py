"""``HttpHook``: requests to the service an HTTP connection names, over httpx.

The base URL is the connection's ``host`` (with its scheme if it has one, else the
connection's ``schema`` or ``http``) and ``port``; ``login``/``password`` become basic
auth; the JSON ``extra`` holds default headers, as in Airflow's HTTP connection.
"""

from __future__ import annotations

from typing import Any

import httpx

from tradewind.exceptions import AirflowException
from tradewind.integrations.base_hook import BaseHook

_REQUEST_OPTIONS = ("timeout", "verify", "follow_redirects")


class HttpHook(BaseHook):
    conn_name_attr = "http_conn_id"
    default_conn_name = "http_default"
    conn_type = "http"
    hook_name = "HTTP"

    def __init__(
        self,
        method: str = "POST",
        http_conn_id: str = "http_default",
        auth_type: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.method = method.upper()
        self.http_conn_id = http_conn_id
        self.auth_type = auth_type
        self.base_url = ""
        if kwargs:
            raise TypeError(f"HttpHook got unexpected argument(s) {', '.join(sorted(kwargs))}")

    def get_conn(self, headers: dict[str, Any] | None = None, verify: bool = True) -> httpx.Client:
        """An httpx client for the connection's base URL, auth and headers."""
        connection = self.get_connection(self.http_conn_id) if self.http_conn_id else None
        auth: Any = None
        default_headers: dict[str, str] = {}
        if connection is not None:
            host = connection.host or ""
            if "://" in host:
                self.base_url = host
            else:
                scheme = connection.schema or "http"
                self.base_url = f"{scheme}://{host}" if host else ""
            if connection.port:
                self.base_url += f":{connection.port}"
            if connection.login:
                auth_type = self.auth_type or httpx.BasicAuth
                auth = auth_type(connection.login, connection.password or "")
            default_headers = {str(k): str(v) for k, v in connection.extra_dejson.items()}
        return httpx.Client(
            headers={**default_headers, **(headers or {})}, auth=auth, verify=verify
        )

    def url_for(self, endpoint: str | None) -> str:
        if not endpoint:
            return self.base_url
        if "://" in endpoint:
            return endpoint
        if self.base_url and not self.base_url.endswith("/") and not endpoint.startswith("/"):
            return f"{self.base_url}/{endpoint}"
        return self.base_url + endpoint

    def run(
        self,
        endpoint: str | None = None,
        data: Any = None,
        headers: dict[str, Any] | None = None,
        extra_options: dict[str, Any] | None = None,
        json: Any = None,
        **request_kwargs: Any,
    ) -> httpx.Response:
        """Send the request; a 4xx/5xx answer raises ``AirflowException("<code>:<reason>")``
        unless ``extra_options={"check_response": False}``."""
        options = dict(extra_options or {})
        check = options.pop("check_response", True)
        unknown = set(options) - set(_REQUEST_OPTIONS)
        if unknown:
            raise AirflowException(
                f"HttpHook extra_options {', '.join(sorted(unknown))} are not supported; "
                f"known: check_response, {', '.join(_REQUEST_OPTIONS)}"
            )
        with self.get_conn(headers, verify=bool(options.pop("verify", True))) as client:
            url = self.url_for(endpoint)
            self.log.info("Sending %r to url: %s", self.method, url)
            request: dict[str, Any] = {**request_kwargs}
            if self.method in ("GET", "HEAD", "DELETE"):
                request["params"] = data
            elif isinstance(data, dict | list) and json is None:
                request["data" if isinstance(data, dict) else "content"] = data
            elif data is not None:
                request["content"] = data
            if json is not None:
                request["json"] = json
            if "follow_redirects" in options:
                request["follow_redirects"] = options.pop("follow_redirects")
            if "timeout" in options:
                request["timeout"] = options.pop("timeout")
            response = client.request(self.method, url, **request)
        if check:
            self.check_response(response)
        return response

    def check_response(self, response: httpx.Response) -> None:
        if response.is_error:
            self.log.error("HTTP error: %s", response.reason_phrase)
            self.log.error(response.text)
            raise AirflowException(f"{response.status_code}:{response.reason_phrase}")
