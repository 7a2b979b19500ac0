"""``/api/v1/importErrors``: the DAG files that failed to import, and why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable import paging
from tradewind.api.stable import schemas as v1
from tradewind.api.stable._common import config, database, quick_read
from tradewind.api.stable.bodies import order_parameter
from tradewind.exceptions import ImportErrorNotFound
from tradewind.operations import import_errors
from tradewind.operations.import_errors import ImportErrorView

router = APIRouter(tags=["ImportError"])
MAX_ID = 2**63 - 1


def shown(error: ImportErrorView) -> dict[str, Any]:
    return {
        "import_error_id": error.id,
        "timestamp": error.timestamp.isoformat(),
        "filename": error.filename,
        "stack_trace": error.stack_trace,
    }


@router.get(
    "/importErrors",
    operation_id="get_import_errors",
    response_model=schemas.ImportErrorCollection,
    responses=v1.errors(400),
    openapi_extra={
        "parameters": [
            *paging.PAGE_PARAMETERS,
            order_parameter(list(import_errors.ORDERING), "import_error_id"),
        ]
    },
    summary="List import errors",
)
async def get_import_errors(request: Request) -> JSONResponse:
    page = paging.page(request.query_params, config(request))
    order = paging.ordering(page.order_by, import_errors.ORDERING, "import_error_id")
    found, total = await quick_read(
        import_errors.import_error_page,
        database(request),
        limit=page.limit,
        offset=page.offset,
        order=order,
    )
    return JSONResponse(paging.collection("import_errors", [shown(e) for e in found], total))


@router.get(
    "/importErrors/{import_error_id}",
    operation_id="get_import_error",
    response_model=schemas.ImportError,
    responses=v1.errors(400, 404),
    summary="Get an import error",
)
async def get_import_error(request: Request, import_error_id: int) -> JSONResponse:
    if not 0 <= import_error_id <= MAX_ID:  # no row has it; the database column could not
        raise ImportErrorNotFound(
            f"The ImportError with import_error_id: `{import_error_id}` was not found"
        )
    found = await quick_read(import_errors.get_import_error, database(request), import_error_id)
    return JSONResponse(shown(found))
