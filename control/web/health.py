"""GET /api/health: every block's status and every dependency's state with its latency."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from redis.asyncio import Redis

from control.orchestration.registry import BlockRegistry
from control.settings import ControlSettings

log = logging.getLogger("wsoptv.control.health")
PROBE_TIMEOUT_SECONDS = 2.0
# Without these the control plane cannot serve at all; MeiliSearch has a fallback.
REQUIRED = ("postgres", "redis")


async def _probe(name: str, check: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # a dependency being down is what this reports, whatever the error
        # The answer is public: the reason (hosts, ports, library text) only goes to the log.
        reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        log.warning("dependency %s is down: %s", name, reason[:500])
        return {"status": "down"}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


async def _meilisearch_health(url: str) -> None:
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
        (await client.get(url)).raise_for_status()


async def dependency_states(state: State, settings: ControlSettings) -> dict[str, dict[str, Any]]:
    pool: asyncpg.Pool = state.db
    redis: Redis = state.redis
    checks: dict[str, Callable[[], Awaitable[Any]]] = {
        "postgres": lambda: pool.fetchval("SELECT 1"),
        "redis": redis.ping,
    }
    if settings.meilisearch_url:
        url = settings.meilisearch_url.rstrip("/") + "/health"
        checks["meilisearch"] = lambda: _meilisearch_health(url)
    # What the blocks report (the worker block: whether a worker process was seen lately).
    registry: BlockRegistry = state.registry
    checks.update(registry.dependency_probes())
    results = await asyncio.gather(*(_probe(name, check) for name, check in checks.items()))
    states = dict(zip(checks, results, strict=True))
    for name, result in states.items():
        result["required"] = name in REQUIRED
    return states


class HealthReport(msgspec.Struct):
    status: str  # ok | degraded (a block or an optional dependency is down) | down
    blocks: dict[str, dict[str, Any]]
    dependencies: dict[str, dict[str, Any]]


@get(
    "/api/health",
    tags=["operations"],
    responses={503: ResponseSpec(HealthReport, description="PostgreSQL or Redis is down")},
)
async def health(state: State) -> Response[HealthReport]:
    """{status, blocks, dependencies}; 503 when PostgreSQL or Redis is down."""
    registry: BlockRegistry = state.registry
    dependencies = await dependency_states(state, state.settings)
    # Why a block is down is logged by the registry; the public answer says only that it is.
    blocks = {
        name: {key: value for key, value in described.items() if key != "error"}
        for name, described in (await registry.check_health()).items()
    }
    required_down = any(
        dep["status"] != "up" for name, dep in dependencies.items() if name in REQUIRED
    )
    everything_up = all(dep["status"] == "up" for dep in dependencies.values()) and all(
        block["status"] == "healthy" for block in blocks.values()
    )
    status = "down" if required_down else "ok" if everything_up else "degraded"
    return Response(
        HealthReport(status=status, blocks=blocks, dependencies=dependencies),
        status_code=503 if required_down else 200,
    )
