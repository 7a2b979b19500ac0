"""``/api/v1/variables``: list, create (or replace), read, patch, delete.

As in the experimental API, the value of a variable whose key looks secret (``password``,
``token``...) is shown as ``***``; writes take it in the clear.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tradewind.api.experimental.secrets import SecretNameConvertor  # registers {...:secret_name}
from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable import paging, params
from tradewind.api.stable import schemas as v1
from tradewind.api.stable._common import actor, blocking, config, database, json_body
from tradewind.api.stable.bodies import checked_fields, mask_parameter, masked, order_parameter
from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import BadRequest
from tradewind.operations import variables

__all__ = ["SecretNameConvertor", "router"]

router = APIRouter(tags=["Variable"])
PATH = "/variables/{variable_key:secret_name}"
REQUIRED = ("key", "value")
ORDERING = ("key",)
LINKS = {
    link: {"operationId": operation_id, "parameters": {"variable_key": "$response.body#/key"}}
    for link, operation_id in (
        ("GetVariable", "get_variable"),
        ("PatchVariable", "patch_variable"),
        ("DeleteVariable", "delete_variable"),
    )
}


def _store(request: Request) -> SecretsStore:
    return variables.store(database(request), config(request))


@router.get(
    "/variables",
    operation_id="get_variables",
    response_model=schemas.VariableCollection,
    responses=v1.errors(400),
    openapi_extra={"parameters": [*paging.PAGE_PARAMETERS, order_parameter(ORDERING, "key")]},
    summary="List the stored variables",
)
async def get_variables(request: Request) -> JSONResponse:
    page = paging.page(request.query_params, config(request))
    order_by = page.order_by or "key"
    if order_by.removeprefix("-") not in ORDERING:
        raise BadRequest(
            f"Ordering with '{order_by.removeprefix('-')}' is disallowed or the attribute "
            "does not exist on the model"
        )
    found, total = await blocking(
        variables.variable_page,
        _store(request),
        limit=page.limit,
        offset=page.offset,
        descending=order_by.startswith("-"),
    )
    return JSONResponse(paging.collection("variables", found, total))


@router.post(
    "/variables",
    operation_id="post_variables",
    response_model=schemas.Variable,
    responses={200: {"links": LINKS}, **v1.errors(400, 413)},
    openapi_extra={"requestBody": v1.body(schemas.VariableBody)},
    summary="Create a variable, or replace the one with this key",
)
async def post_variables(request: Request) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.VariableBody, REQUIRED)
    shown = await blocking(
        variables.set_variable,
        _store(request),
        body["key"],
        body["value"],
        body.get("description"),
        actor=actor(request),
    )
    return JSONResponse(shown)


@router.get(
    PATH,
    operation_id="get_variable",
    response_model=schemas.Variable,
    responses=v1.errors(400, 404),
    summary="Get a variable (the environment's TRADEWIND_VAR_<KEY> first)",
)
async def get_variable(request: Request, variable_key: str) -> JSONResponse:
    return JSONResponse(await blocking(variables.get_variable, _store(request), variable_key))


@router.patch(
    PATH,
    operation_id="patch_variable",
    response_model=schemas.Variable,
    responses=v1.errors(400, 404, 413),
    openapi_extra={
        "requestBody": v1.body(schemas.VariableBody),
        "parameters": [mask_parameter(variables.UPDATABLE)],
    },
    summary="Update a stored variable (only the fields update_mask names, if given)",
)
async def patch_variable(request: Request, variable_key: str) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.VariableBody, REQUIRED)
    if body["key"] != variable_key:
        raise BadRequest("key from request body doesn't match uri parameter")
    mask = params.update_mask(request.query_params) or None
    fields = {name: body[name] for name in variables.UPDATABLE if name in body}
    changes = fields if mask is None else masked(body, mask, variables.UPDATABLE)
    shown = await blocking(
        variables.update_variable, _store(request), variable_key, changes, actor=actor(request)
    )
    return JSONResponse(shown)


@router.delete(
    PATH,
    operation_id="delete_variable",
    status_code=204,
    response_class=Response,
    responses=v1.errors(400, 404),
    summary="Delete a variable",
)
async def delete_variable(request: Request, variable_key: str) -> Response:
    await blocking(variables.delete_variable, _store(request), variable_key, actor=actor(request))
    return Response(status_code=204)
