"""``/api/v1/connections``: list, create, read, patch, delete, and test (when enabled).

A connection's password is written, never shown (Airflow's schema makes it load-only),
and the fields of its ``extra`` whose names look secret are shown as ``***``.
``POST /connections/test`` reaches out from the webserver, so, as in Airflow, it answers
403 unless ``[core] test_connection`` is ``Enabled``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tradewind.api.experimental.secrets import SecretNameConvertor  # registers {...:secret_name}
from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable import paging, params
from tradewind.api.stable import schemas as v1
from tradewind.api.stable._common import actor, blocking, config, database, json_body
from tradewind.api.stable.bodies import (
    checked_fields,
    conflict,
    mask_parameter,
    masked,
    order_parameter,
)
from tradewind.api.stable.problems import Problem
from tradewind.authoring.connection import Connection
from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import BadRequest
from tradewind.operations import connections

__all__ = ["SecretNameConvertor", "router"]

router = APIRouter(tags=["Connection"])
PATH = "/connections/{connection_id:secret_name}"
REQUIRED = ("connection_id", "conn_type")
LINKS = {
    link: {
        "operationId": operation_id,
        "parameters": {"connection_id": "$response.body#/connection_id"},
    }
    for link, operation_id in (
        ("GetConnection", "get_connection"),
        ("PatchConnection", "patch_connection"),
        ("DeleteConnection", "delete_connection"),
    )
}
TEST_DISABLED = (
    "Testing connections is disabled in Tradewind configuration ([core] test_connection). "
    "Contact your deployment admin to enable it."
)


def _store(request: Request) -> SecretsStore:
    return SecretsStore(database(request), config(request))


def item(connection: Connection) -> dict[str, Any]:
    return {
        "connection_id": connection.conn_id,
        "conn_type": connection.conn_type,
        "description": connection.description,
        "host": connection.host,
        "login": connection.login,
        "schema": connection.schema,
        "port": connection.port,
    }


def shown(connection: Connection) -> dict[str, Any]:
    return {**item(connection), "extra": connections.masked_extra(connection)}


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    """The body in the operations' terms: no ``connection_id``, ``extra`` only as JSON text
    (the document's type; ``""`` is none), a whole-number ``port`` as an int."""
    fields = {name: value for name, value in body.items() if name != "connection_id"}
    extra = fields.get("extra")
    if extra is not None and not isinstance(extra, str):
        raise BadRequest("extra must be a string holding a JSON object")
    if extra == "":
        fields["extra"] = None
    port = fields.get("port")
    if isinstance(port, float) and port.is_integer():
        fields["port"] = int(port)
    return fields


@router.get(
    "/connections",
    operation_id="get_connections",
    response_model=schemas.ConnectionCollection,
    responses=v1.errors(400),
    openapi_extra={
        "parameters": [*paging.PAGE_PARAMETERS, order_parameter(connections.ORDERING, "id")]
    },
    summary="List the stored connections",
)
async def get_connections(request: Request) -> JSONResponse:
    page = paging.page(request.query_params, config(request))
    found, total = await blocking(
        connections.connection_page,
        _store(request),
        limit=page.limit,
        offset=page.offset,
        order_by=page.order_by or "id",
    )
    return JSONResponse(paging.collection("connections", [item(c) for c in found], total))


@router.post(
    "/connections",
    operation_id="post_connection",
    response_model=schemas.Connection,
    responses={200: {"links": LINKS}, **v1.errors(400, 409, 413)},
    openapi_extra={"requestBody": v1.body(schemas.ConnectionBody)},
    summary="Create a connection",
)
async def post_connection(request: Request) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.ConnectionBody, REQUIRED)
    connection = connections.connection_from_fields(body["connection_id"], _fields(body))
    with conflict():
        await blocking(
            connections.add_connection,
            _store(request),
            connection,
            actor=actor(request),
            replace=False,
        )
    return JSONResponse(shown(connection))


@router.post(
    "/connections/test",
    operation_id="test_connection",
    response_model=schemas.ConnectionTest,
    responses=v1.errors(400, 403, 413),
    openapi_extra={"requestBody": v1.body(schemas.ConnectionBody)},
    summary="Test a connection, stored or not ([core] test_connection = Enabled)",
)
async def test_connection(request: Request) -> JSONResponse:
    if not connections.testing_enabled(config(request)):
        raise Problem(403, TEST_DISABLED)
    body = checked_fields(await json_body(request), schemas.ConnectionBody, REQUIRED)
    connection = connections.connection_from_fields(body["connection_id"], _fields(body))
    reached, message = await blocking(connections.try_connection, connection)
    return JSONResponse({"status": reached, "message": message})


@router.get(
    PATH,
    operation_id="get_connection",
    response_model=schemas.Connection,
    responses=v1.errors(400, 404),
    summary="Get a connection (no password; secret extra fields ***)",
)
async def get_connection(request: Request, connection_id: str) -> JSONResponse:
    found = await blocking(connections.stored_connection, _store(request), connection_id)
    return JSONResponse(shown(found))


@router.patch(
    PATH,
    operation_id="patch_connection",
    response_model=schemas.Connection,
    responses=v1.errors(400, 404, 413),
    openapi_extra={
        "requestBody": v1.body(schemas.ConnectionPatch),
        "parameters": [mask_parameter(connections.UPDATABLE)],
    },
    summary="Update a connection (only the fields update_mask names, if given)",
)
async def patch_connection(request: Request, connection_id: str) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.ConnectionPatch)
    if "connection_id" in body and body["connection_id"] != connection_id:
        raise BadRequest("The connection_id cannot be updated.")
    mask = params.update_mask(request.query_params) or None
    fields = _fields(body)
    changes = fields if mask is None else masked(fields, mask, connections.UPDATABLE)
    updated = await blocking(
        connections.update_connection,
        _store(request),
        connection_id,
        changes,
        actor=actor(request),
    )
    return JSONResponse(shown(updated))


@router.delete(
    PATH,
    operation_id="delete_connection",
    status_code=204,
    response_class=Response,
    responses=v1.errors(400, 404),
    summary="Delete a connection",
)
async def delete_connection(request: Request, connection_id: str) -> Response:
    await blocking(
        connections.delete_connection, _store(request), connection_id, actor=actor(request)
    )
    return Response(status_code=204)
