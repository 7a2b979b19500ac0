"""``HttpOperator`` (and its older name ``SimpleHttpOperator``): one HTTP request as a task."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.exceptions import AirflowException
from tradewind.integrations.http.hook import HttpHook

log = logging.getLogger("tradewind.task")


class HttpOperator(BaseOperator):
    """Sends ``method`` to ``endpoint`` of ``http_conn_id``; returns the body (XCom).

    ``response_check(response)`` returning False fails the task; ``response_filter``
    turns the response into the returned value (both may also take the context's names).
    """

    template_fields: Sequence[str] = ("endpoint", "data", "headers")
    template_ext: Sequence[str] = ()
    ui_color = "#f4a460"

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        method: str = "POST",
        data: Any = None,
        headers: dict[str, str] | None = None,
        response_check: Callable[..., bool] | None = None,
        response_filter: Callable[..., Any] | None = None,
        extra_options: dict[str, Any] | None = None,
        http_conn_id: str = "http_default",
        log_response: bool = False,
        auth_type: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.method = method
        self.data = data
        self.headers = dict(headers or {})
        self.response_check = response_check
        self.response_filter = response_filter
        self.extra_options = dict(extra_options or {})
        self.http_conn_id = http_conn_id
        self.log_response = log_response
        self.auth_type = auth_type

    def execute(self, context: Mapping[str, Any]) -> Any:
        hook = HttpHook(self.method, http_conn_id=self.http_conn_id, auth_type=self.auth_type)
        log.info("Calling HTTP method")
        response = hook.run(self.endpoint, self.data, self.headers, self.extra_options)
        if self.log_response:
            log.info(response.text)
        if self.response_check is not None and not _call(self.response_check, response, context):
            raise AirflowException("Response check returned False.")
        if self.response_filter is not None:
            return _call(self.response_filter, response, context)
        return response.text


SimpleHttpOperator = HttpOperator


def _call(func: Callable[..., Any], response: Any, context: Mapping[str, Any]) -> Any:
    """Call with the response, plus the context's names the function asks for (or all)."""
    parameters = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return func(response, **context)
    wanted = {name: context[name] for name in list(parameters)[1:] if name in context}
    return func(response, **wanted)
