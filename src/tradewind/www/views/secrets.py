"""Variables and Connections pages: list, add, edit, delete through the shared operations.

A secret never reaches the browser: a sensitive variable's value and every connection
password are shown as ``***`` and not put back into the edit form; leaving that field
empty while editing keeps what is stored.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import BadRequest, NotFound
from tradewind.operations import connections as conn_ops
from tradewind.operations import variables as var_ops
from tradewind.security.masking import is_sensitive_key
from tradewind.www.context import actor, flash, ui
from tradewind.www.forms import posted
from tradewind.www.rendering import render

CONNECTION_FIELDS = (
    "conn_id",
    "conn_type",
    "description",
    "host",
    "schema",
    "login",
    "password",
    "port",
    "extra",
)


def _store(request: Request) -> SecretsStore:
    context = ui(request)
    return SecretsStore(context.database, context.config)


# --- variables -------------------------------------------------------------------------------


def variable_list(request: Request) -> Response:
    return _variables_page(request)


def _variables_page(
    request: Request, error: str = "", form: dict[str, str] | None = None
) -> Response:
    store = _store(request)
    rows = var_ops.list_variables(store)
    editing = request.query_params.get("edit", "")
    if form is None:
        form = {"key": "", "value": "", "description": ""}
        for row in rows:
            if row["key"] == editing:
                hidden = is_sensitive_key(editing)
                value = "" if hidden else row["value"]
                form = {"key": editing, "value": value, "description": row["description"] or ""}
    return render(
        request,
        "variables.html",
        400 if error else 200,
        variables=rows,
        form=form,
        editing=form["key"] if editing or error else "",
        value_hidden=is_sensitive_key(form["key"]) if form["key"] else False,
        error=error,
    )


def save_variable(request: Request) -> Response:
    form = posted(request)
    fields = {key: form.get(key, "") for key in ("key", "value", "description")}
    key = fields["key"].strip()
    store = _store(request)
    value: str | None = fields["value"]
    if not value and form.get("editing") == key and is_sensitive_key(key):
        value = store.get_variable(key)  # an empty hidden field keeps the stored secret
    try:
        var_ops.set_variable(
            store, key, value or "", fields["description"] or None, actor=actor(request)
        )
    except BadRequest as exc:
        return _variables_page(request, str(exc), fields)
    flash(request, f"Variable {key} saved.", "success")
    return RedirectResponse("/variables", status_code=303)


def delete_variable(request: Request) -> Response:
    key = request.path_params["key"]
    try:
        var_ops.delete_variable(_store(request), key, actor=actor(request))
    except (BadRequest, NotFound) as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Variable {key} deleted.", "success")
    return RedirectResponse("/variables", status_code=303)


# --- connections -----------------------------------------------------------------------------


def connection_list(request: Request) -> Response:
    return _connections_page(request)


def _connections_page(
    request: Request, error: str = "", form: dict[str, str] | None = None
) -> Response:
    rows = conn_ops.list_connections(_store(request))
    editing = request.query_params.get("edit", "")
    if form is None:
        form = dict.fromkeys(CONNECTION_FIELDS, "")
        for row in rows:
            if row["conn_id"] == editing:
                form = {
                    name: "" if row.get(name) is None else str(row[name])
                    for name in CONNECTION_FIELDS
                }
                form["password"] = ""  # never sent back to the browser
                form["extra"] = json.dumps(row["extra"]) if row["extra"] else ""
    form.pop("password", None)
    return render(
        request,
        "connections.html",
        400 if error else 200,
        connections=rows,
        form=form,
        editing=form["conn_id"] if editing or error else "",
        error=error,
    )


def save_connection(request: Request) -> Response:
    form = posted(request)
    fields = {name: form.get(name, "") for name in CONNECTION_FIELDS}
    conn_id = fields["conn_id"].strip()
    store = _store(request)
    data: dict[str, object] = {
        name: value for name, value in fields.items() if value != "" and name != "conn_id"
    }
    try:
        if "extra" in data:
            try:
                data["extra"] = json.loads(str(data["extra"]))
            except ValueError as exc:
                raise BadRequest(f"Extra is not valid JSON: {exc}") from None
        if form.get("editing") == conn_id and "password" not in data:
            stored = store.stored_connection(conn_id)
            if stored is not None and stored.password is not None:
                data["password"] = stored.password  # an empty field keeps the stored one
        connection = conn_ops.connection_from_fields(conn_id, data)
        conn_ops.add_connection(store, connection, actor=actor(request))
    except BadRequest as exc:
        return _connections_page(request, str(exc), fields)
    flash(request, f"Connection {conn_id} saved.", "success")
    return RedirectResponse("/connections", status_code=303)


def delete_connection(request: Request) -> Response:
    conn_id = request.path_params["conn_id"]
    try:
        conn_ops.delete_connection(_store(request), conn_id, actor=actor(request))
    except (BadRequest, NotFound) as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Connection {conn_id} deleted.", "success")
    return RedirectResponse("/connections", status_code=303)
