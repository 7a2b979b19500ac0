"""Pools: list, read, create or update, delete."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import PathConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, database, quick_read
from tradewind.api.responses import actor, json_object
from tradewind.operations import pools

router = APIRouter()


class PoolNameConvertor(PathConvertor):
    """A pool name may hold "/" (``p/1``, sent as ``p%2F1``): the ASGI path arrives already
    decoded, so the segment has to match across slashes, like ``{name:path}``. Unlike
    ``path`` it must not be empty, so ``/pools/`` stays the list's trailing-slash redirect."""

    regex = r"[\s\S]+"  # "." would stop at a newline, which a name may hold


register_url_convertor("pool_name", PoolNameConvertor())


@router.get("/pools", response_model=list[schemas.Pool], summary="Every pool")
async def list_pools(request: Request) -> JSONResponse:
    return JSONResponse(await quick_read(pools.list_pools, database(request)))


@router.get(
    "/pools/{name:pool_name}",
    operation_id="get_pool",
    response_model=schemas.Pool,
    responses=schemas.errors(400, 404),
    summary="One pool",
)
async def get_pool(request: Request, name: str) -> JSONResponse:
    return JSONResponse(await quick_read(pools.get_pool, database(request), name))


@router.post(
    "/pools",
    response_model=schemas.Pool,
    responses={200: {"links": schemas.POOL_LINKS}, **schemas.errors(400, 413)},
    openapi_extra=schemas.json_body(schemas.PoolBody, required=True),
    summary="Create a pool, or update the one with this name",
)
async def set_pool(request: Request) -> JSONResponse:
    body = await json_object(request)
    if "slots" not in body:
        body["slots"] = None
    shown = await blocking(
        pools.create_or_update_pool,
        database(request),
        body.get("name"),
        body["slots"],
        body.get("description", ""),
        actor=actor(request),
    )
    return JSONResponse(shown)


@router.delete(
    "/pools/{name:pool_name}",
    operation_id="delete_pool",
    response_model=schemas.Pool,
    responses=schemas.errors(400, 404),
    summary="Delete a pool (not default_pool); returns it",
)
async def delete_pool(request: Request, name: str) -> JSONResponse:
    return JSONResponse(
        await blocking(pools.delete_pool, database(request), name, actor=actor(request))
    )
