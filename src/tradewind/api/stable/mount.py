"""Mounting the stable API so that every path under its prefix reaches it.

Starlette's ``Mount`` matches the rest of the path with ``.*``, which stops at a newline:
``/api/v1/pools/a%0Ab`` (a pool name may hold one) would miss the mount and get the
parent app's 404, in the experimental API's error format.
"""

from __future__ import annotations

from starlette.convertors import PathConvertor, register_url_convertor
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp


class AnyPathConvertor(PathConvertor):
    regex = r"[\s\S]*"


register_url_convertor("any_path", AnyPathConvertor())


class WholePathMount(Mount):
    def __init__(self, path: str, app: ASGIApp) -> None:
        super().__init__(path, app=app)
        self.path_regex, self.path_format, self.param_convertors = compile_path(
            self.path + "/{path:any_path}"
        )
