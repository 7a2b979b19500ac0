"""Variables and connections: Tradewind's extension endpoints beside Airflow's experimental API.

Secrets never leave the server: a variable whose key looks sensitive shows ``***``, and a
connection's password always does. Writing takes them in the clear (over HTTPS, one hopes).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, config, database
from tradewind.api.responses import actor, json_object
from tradewind.db.secrets_store import SecretsStore
from tradewind.operations import connections, variables

router = APIRouter()


class SecretNameConvertor(PathConvertor):
    """A key or conn_id may hold "/" (sent as %2F), like a pool name; never empty."""

    regex = r"[\s\S]+"  # "." would stop at a newline, which a name may hold


register_url_convertor("secret_name", SecretNameConvertor())


def _store(request: Request) -> SecretsStore:
    return SecretsStore(database(request), config(request))


@router.get("/variables", response_model=list[schemas.Variable], summary="Every variable")
async def list_variables(request: Request) -> JSONResponse:
    return JSONResponse(await blocking(variables.list_variables, _store(request)))


@router.get(
    "/variables/{key:secret_name}",
    operation_id="get_variable",
    response_model=schemas.Variable,
    responses=schemas.errors(400, 404),
    summary="One variable (the environment's TRADEWIND_VAR_<KEY> first)",
)
async def get_variable(request: Request, key: str) -> JSONResponse:
    return JSONResponse(await blocking(variables.get_variable, _store(request), key))


@router.post(
    "/variables",
    response_model=schemas.Variable,
    responses=schemas.errors(400, 413),
    openapi_extra=schemas.json_body(schemas.VariableBody, required=True),
    summary="Create a variable, or replace the one with this key",
)
async def set_variable(request: Request) -> JSONResponse:
    body = await json_object(request)
    shown = await blocking(
        variables.set_variable,
        _store(request),
        body.get("key"),
        body.get("value"),
        body.get("description"),
        actor=actor(request),
    )
    return JSONResponse(shown)


@router.delete(
    "/variables/{key:secret_name}",
    operation_id="delete_variable",
    response_model=schemas.VariableDeleted,
    responses=schemas.errors(400, 404),
    summary="Delete a variable",
)
async def delete_variable(request: Request, key: str) -> JSONResponse:
    return JSONResponse(
        await blocking(variables.delete_variable, _store(request), key, actor=actor(request))
    )


@router.get(
    "/connections",
    response_model=list[schemas.ConnectionShown],
    summary="Every stored connection (passwords ***)",
)
async def list_connections(request: Request) -> JSONResponse:
    return JSONResponse(await blocking(connections.list_connections, _store(request)))


@router.get(
    "/connections/{conn_id:secret_name}",
    operation_id="get_connection",
    response_model=schemas.ConnectionShown,
    responses=schemas.errors(400, 404),
    summary="One connection (password ***)",
)
async def get_connection(request: Request, conn_id: str) -> JSONResponse:
    return JSONResponse(await blocking(connections.get_connection, _store(request), conn_id))


@router.post(
    "/connections",
    response_model=schemas.ConnectionShown,
    responses=schemas.errors(400, 413),
    openapi_extra=schemas.json_body(schemas.ConnectionBody, required=True),
    summary="Create a connection, or replace the one with this conn_id",
)
async def set_connection(request: Request) -> JSONResponse:
    body = await json_object(request)
    connection = connections.connection_from_fields(body.get("conn_id"), body)
    shown = await blocking(
        connections.add_connection, _store(request), connection, actor=actor(request)
    )
    return JSONResponse(shown)


@router.delete(
    "/connections/{conn_id:secret_name}",
    operation_id="delete_connection",
    response_model=schemas.ConnectionDeleted,
    responses=schemas.errors(400, 404),
    summary="Delete a connection",
)
async def delete_connection(request: Request, conn_id: str) -> JSONResponse:
    return JSONResponse(
        await blocking(
            connections.delete_connection, _store(request), conn_id, actor=actor(request)
        )
    )
