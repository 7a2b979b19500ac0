"""``/api/v1/pools``: list, create, read, patch (``update_mask``), delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tradewind.api.experimental.pools import PoolNameConvertor  # registers {...:pool_name}
from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable import paging, params
from tradewind.api.stable import schemas as v1
from tradewind.api.stable._common import actor, blocking, config, database, json_body, quick_read
from tradewind.api.stable.bodies import (
    checked_fields,
    conflict,
    mask_parameter,
    masked,
    order_parameter,
)
from tradewind.exceptions import BadRequest
from tradewind.operations import pools
from tradewind.operations.pools import PoolSlots

__all__ = ["PoolNameConvertor", "router"]

router = APIRouter(tags=["Pool"])
PATH = "/pools/{pool_name:pool_name}"
REQUIRED = ("name", "slots")
# The pool a POST created, and the calls that take its name (schemathesis' stateful phase).
LINKS = {
    link: {"operationId": operation_id, "parameters": {"pool_name": "$response.body#/name"}}
    for link, operation_id in (
        ("GetPool", "get_pool"),
        ("PatchPool", "patch_pool"),
        ("DeletePool", "delete_pool"),
    )
}


def shown(pool: PoolSlots) -> dict[str, Any]:
    return {
        "name": pool.name,
        "slots": pool.slots,
        "occupied_slots": pool.occupied,
        "running_slots": pool.running,
        "queued_slots": pool.queued,
        "scheduled_slots": pool.scheduled,
        "deferred_slots": pool.deferred,
        "open_slots": pool.open,
        "description": pool.description,
        "include_deferred": pool.include_deferred,
    }


def _strict_slots(body: dict[str, Any]) -> None:
    """The document says integer: ``"5"`` is refused here, unlike the experimental API."""
    if isinstance(body.get("slots"), str):
        raise BadRequest(f"Bad value for `slots`: {body['slots']!r} is not an integer")


@router.get(
    "/pools",
    operation_id="get_pools",
    response_model=schemas.PoolCollection,
    responses=v1.errors(400),
    openapi_extra={
        "parameters": [*paging.PAGE_PARAMETERS, order_parameter(list(pools.ORDERING), "id")]
    },
    summary="List pools",
)
async def get_pools(request: Request) -> JSONResponse:
    page = paging.page(request.query_params, config(request))
    order = paging.ordering(page.order_by, pools.ORDERING, "id")
    found, total = await quick_read(
        pools.pool_page, database(request), limit=page.limit, offset=page.offset, order=order
    )
    return JSONResponse(paging.collection("pools", [shown(p) for p in found], total))


@router.post(
    "/pools",
    operation_id="post_pool",
    response_model=schemas.Pool,
    responses={200: {"links": LINKS}, **v1.errors(400, 409, 413)},
    openapi_extra={"requestBody": v1.body(schemas.PoolBody)},
    summary="Create a pool",
)
async def post_pool(request: Request) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.PoolBody, REQUIRED)
    _strict_slots(body)
    with conflict():
        pool = await blocking(
            pools.create_pool,
            database(request),
            body["name"],
            body["slots"],
            body.get("description"),
            body.get("include_deferred", False),
            actor=actor(request),
        )
    return JSONResponse(shown(pool))


@router.get(
    PATH,
    operation_id="get_pool",
    response_model=schemas.Pool,
    responses=v1.errors(404),
    summary="Get a pool",
)
async def get_pool(request: Request, pool_name: str) -> JSONResponse:
    return JSONResponse(shown(await quick_read(pools.pool_slots, database(request), pool_name)))


@router.patch(
    PATH,
    operation_id="patch_pool",
    response_model=schemas.Pool,
    responses=v1.errors(400, 404, 409, 413),
    openapi_extra={
        "requestBody": v1.body(schemas.PoolPatch),
        "parameters": [mask_parameter(pools.UPDATABLE)],
    },
    summary="Update a pool (only the fields update_mask names, if given)",
)
async def patch_pool(request: Request, pool_name: str) -> JSONResponse:
    body = checked_fields(await json_body(request), schemas.PoolPatch)
    mask = params.update_mask(request.query_params) or None
    if mask is None:
        checked_fields(body, schemas.PoolBody, REQUIRED)
        changes = body
    else:
        changes = masked(body, mask, pools.UPDATABLE)
    _strict_slots(changes)
    with conflict():
        pool = await blocking(
            pools.update_pool, database(request), pool_name, changes, actor=actor(request)
        )
    return JSONResponse(shown(pool))


@router.delete(
    PATH,
    operation_id="delete_pool",
    status_code=204,
    response_class=Response,
    responses=v1.errors(400, 404),
    summary="Delete a pool (not default_pool)",
)
async def delete_pool(request: Request, pool_name: str) -> Response:
    await blocking(pools.delete_pool, database(request), pool_name, actor=actor(request))
    return Response(status_code=204)
