"""create_app(): the edge application.

The hot path (`GET|HEAD /v/...`) is served by edge.protocol straight from the stream
endpoint (edge/stream.py), which also serves `/v/...` as plain ASGI; `/t/...` thumbnails are
ASGI (edge/thumbnails.py); Starlette serves `/healthz` and
`/metrics` and runs the lifespan, in which the Redis client, the limiter and the file cache
open and close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from edge.cors import CorsPolicy
from edge.files import FileCache
from edge.hot_reads import HotReadReporter
from edge.limiter import LimiterPolicy, StreamLimiter
from edge.metrics import EdgeMetrics
from edge.settings import EdgeSettings
from edge.stream import PREFIX, StreamEndpoint
from edge.thumbnails import PREFIX as THUMBNAIL_PREFIX
from edge.thumbnails import ThumbnailEndpoint
from shared.errors import error_body
from shared.operator_access import operator_allowed
from shared.token import StreamTokenVerifier

REDIS_TIMEOUT_SECONDS = 1.0
# How often cached open files nobody uses are closed (deleted SSD copies free their space).
FILE_SWEEP_SECONDS = 2.0


class EdgeApp:
    """ASGI entry point: `/v/...` to the stream endpoint, everything else to Starlette.

    edge.protocol reads `request_head_timeout` (slowloris bound) for each connection, and
    calls `direct` (the stream endpoint, once the lifespan has started) for `GET|HEAD` under
    `direct_prefix` without going through ASGI.
    """

    direct_prefix = PREFIX

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self.request_head_timeout = settings.edge_request_head_timeout
        self.metrics = EdgeMetrics()
        self.stream: StreamEndpoint | None = None
        self.thumbnails: ThumbnailEndpoint | None = None
        self.direct: StreamEndpoint | None = None
        self.limiter: StreamLimiter | None = None
        self.starlette = Starlette(
            routes=[Route("/healthz", self._healthz), Route("/metrics", self._metrics)],
            lifespan=self._lifespan,
        )
        self.starlette.state.settings = settings

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.stream is not None:
            raw_path = scope.get("raw_path") or scope["path"].encode()
            if raw_path.startswith(PREFIX):
                await self.stream(scope, receive, send)
                return
            if raw_path.startswith(THUMBNAIL_PREFIX) and self.thumbnails is not None:
                await self.thumbnails(scope, receive, send)
                return
        await self.starlette(scope, receive, send)

    @asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        settings = self.settings
        if settings.redis_url is None:
            raise RuntimeError("REDIS_URL must be set (wsoptv edge sets it)")
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # The limiter has its own fallback: a failed call is reported, not retried.
            retry=Retry(NoBackoff(), 0),
        )
        policy = LimiterPolicy(
            global_limit=settings.stream_limit_global,
            per_user_limit=settings.stream_limit_per_user,
            idle_ttl=settings.stream_idle_ttl,
            queue_size=settings.stream_queue_size,
            queue_wait=settings.stream_queue_wait,
            failure_policy=settings.redis_failure_policy,
            fallback_limit=settings.stream_fallback_limit or settings.stream_limit_global,
        )
        limiter = StreamLimiter(redis, policy, self.metrics)
        files = FileCache(settings.ssd_cache_root, settings.nas_root)
        self.limiter = limiter
        self.stream = self.direct = StreamEndpoint(
            StreamTokenVerifier(settings.key_ring()),
            files,
            limiter,
            self.metrics,
            CorsPolicy(settings.cors_origins),
        )
        self.thumbnails = ThumbnailEndpoint(settings.key_ring(), settings.thumbnail_root)
        limiter.start()
        loop = asyncio.get_running_loop()
        sweeper = loop.create_task(files.sweep_forever(FILE_SWEEP_SECONDS))
        reporter = loop.create_task(
            HotReadReporter(redis, self.metrics).run(settings.hot_read_flush_interval)
        )
        try:
            yield
        finally:
            self.stream = self.direct = None
            for task in (sweeper, reporter):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await limiter.stop()
            files.close()
            await redis.aclose()

    async def _healthz(self, request: Request) -> JSONResponse:
        settings = self.settings
        limiter = self.limiter
        redis_ok = False
        if limiter is not None:
            try:
                redis_ok = bool(await limiter.ping())
            except (RedisError, OSError):
                redis_ok = False
        roots = {
            "nas": os.access(settings.nas_root, os.R_OK | os.X_OK),
            "ssd": os.access(settings.ssd_cache_root, os.R_OK | os.X_OK),
        }
        healthy = roots["nas"]
        return JSONResponse(
            {
                "status": ("ok" if redis_ok else "degraded") if healthy else "down",
                "redis": redis_ok,
                "limiter": "redis" if redis_ok else f"fallback-{settings.redis_failure_policy}",
                "roots": roots,
            },
            status_code=200 if healthy else 503,
        )

    async def _metrics(self, request: Request) -> Response:
        """Prometheus text for operators, as on control: `Authorization: Bearer
        <METRICS_TOKEN>`, or (METRICS_TOKEN unset) a client on this machine."""
        token = self.settings.metrics_token
        client = request.client.host if request.client else None
        if not operator_allowed(client, request.headers.get("authorization"), token):
            if token is None:
                return _refusal(403, "AUTH_FORBIDDEN", "metrics are served to this machine only")
            return _refusal(401, "AUTH_REQUIRED", "metrics need 'Authorization: Bearer <token>'")
        return Response(self.metrics.render(), media_type="text/plain; version=0.0.4")


def _refusal(status: int, code: str, message: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="wsoptv-metrics"'} if status == 401 else None
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def create_app(settings: EdgeSettings | None = None) -> EdgeApp:
    """The edge app; the Redis client, limiter and file cache live in its lifespan."""
    return EdgeApp(settings or EdgeSettings())
