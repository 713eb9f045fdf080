"""create_app(): the control-plane Litestar application."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar, Response, get
from litestar.datastructures import State
from redis.asyncio import Redis

from control.settings import ControlSettings


async def _probe(name: str, check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await check()
    except Exception as exc:  # a dependency being down is what this reports, whatever the error
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:200]}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


@get("/api/health")
async def health(state: State) -> Response[dict[str, Any]]:
    """Each dependency's state; 503 when a required one is down."""
    pool: asyncpg.Pool = state.db
    redis: Redis = state.redis
    dependencies = {
        "postgres": await _probe("postgres", lambda: pool.fetchval("SELECT 1")),
        "redis": await _probe("redis", redis.ping),
    }
    ok = all(dep["status"] == "up" for dep in dependencies.values())
    return Response(
        {"status": "ok" if ok else "degraded", "blocks": {}, "dependencies": dependencies},
        status_code=200 if ok else 503,
    )


def create_app(settings: ControlSettings | None = None) -> Litestar:
    """The control-plane app; pools open and close in its lifespan."""
    settings = settings or ControlSettings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.database_url is None or settings.redis_url is None:
            raise RuntimeError("DATABASE_URL and REDIS_URL must be set (wsoptv control sets them)")
        app.state.db = await asyncpg.create_pool(
            settings.database_url, min_size=1, max_size=settings.database_pool_size
        )
        app.state.redis = Redis.from_url(settings.redis_url)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await app.state.db.close()

    app = Litestar(route_handlers=[health], lifespan=[lifespan])
    app.state.settings = settings
    return app
