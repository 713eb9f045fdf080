"""The baseline the edge is measured against: stock Starlette `FileResponse` on uvicorn.

No token, no limiter: `GET /f/{path}` from BENCH_ROOT. Run by benchmarks/edge_bench.py.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

ROOT = os.environ.get("BENCH_ROOT", ".")


async def serve(request: Request) -> FileResponse:
    return FileResponse(os.path.join(ROOT, request.path_params["path"]))


app = Starlette(routes=[Route("/f/{path:path}", serve)])
