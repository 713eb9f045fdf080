"""create_app(): the edge application."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from edge.settings import EdgeSettings


def create_app(settings: EdgeSettings | None = None) -> Starlette:
    """The edge app; the Redis client opens and closes in its lifespan."""
    settings = settings or EdgeSettings()

    async def healthz(request: Request) -> JSONResponse:
        redis: Redis = request.app.state.redis
        try:
            redis_ok = bool(await redis.ping())
        except Exception:  # Redis being down is what this reports, whatever the error
            redis_ok = False
        roots = {
            "nas": os.access(settings.nas_root, os.R_OK | os.X_OK),
            "ssd": os.access(settings.ssd_cache_root, os.R_OK | os.X_OK),
        }
        return JSONResponse(
            {"status": "ok" if roots["nas"] else "degraded", "redis": redis_ok, "roots": roots},
            status_code=200 if roots["nas"] else 503,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.redis_url is None:
            raise RuntimeError("REDIS_URL must be set (wsoptv edge sets it)")
        app.state.redis = Redis.from_url(settings.redis_url)
        try:
            yield
        finally:
            await app.state.redis.aclose()

    app = Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
    app.state.settings = settings
    return app
