"""HttpSensor: wait until an HTTP endpoint answers (and, optionally, answers what you want)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import AirflowException
from tradewind.integrations.http.hook import HttpHook
from tradewind.integrations.http.operators import _call

log = logging.getLogger("tradewind.task")


class HttpSensor(BaseSensorOperator):
    """Pokes ``method endpoint`` on the ``http_conn_id`` connection, as Airflow's sensor.

    An answer whose status is in ``response_error_codes_allowlist`` (404 by default) means
    "not yet"; any other error status fails the task. Otherwise the wait ends, or, with
    ``response_check``, ends when it returns True (it gets the response, and the context
    values it names).
    """

    template_fields: Sequence[str] = ("endpoint", "request_params", "headers")

    def __init__(
        self,
        *,
        endpoint: str,
        http_conn_id: str = "http_default",
        method: str = "GET",
        request_params: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        response_error_codes_allowlist: Sequence[str] | None = None,
        response_check: Callable[..., bool] | None = None,
        extra_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.http_conn_id = http_conn_id
        self.method = method
        self.request_params = dict(request_params or {})
        self.headers = dict(headers or {})
        self.response_error_codes_allowlist = [
            str(code) for code in (response_error_codes_allowlist or ["404"])
        ]
        self.response_check = response_check
        self.extra_options = dict(extra_options or {})

    def poke(self, context: Mapping[str, Any]) -> bool:
        hook = HttpHook(self.method, http_conn_id=self.http_conn_id)
        log.info("Poking: %s", self.endpoint)
        try:
            response = hook.run(
                self.endpoint, self.request_params, self.headers, self.extra_options
            )
        except AirflowException as exc:
            if str(exc).split(":", 1)[0] in self.response_error_codes_allowlist:
                return False
            raise
        if self.response_check is not None:
            return bool(_call(self.response_check, response, context))
        return True
