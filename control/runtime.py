"""Blocks started outside HTTP and inside it: connections, bus, registry, probes.

Control's lifespan and the worker process (`wsoptv worker`) start blocks the same way:
a PostgreSQL pool and a Redis client, the bus listening, the registry's waves started and
probed in the background; and stop them in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from redis.asyncio import Redis

from control.db.pool import create_pool
from control.orchestration.bus import MessageBus
from control.orchestration.registry import BlockRegistry
from control.settings import ControlSettings


@dataclass(frozen=True, slots=True)
class Connections:
    db: asyncpg.Pool
    redis: Redis


@asynccontextmanager
async def started_blocks(
    settings: ControlSettings, registry: BlockRegistry, bus: MessageBus
) -> AsyncIterator[Connections]:
    """Open the connections, start the bus and the blocks; undo it all on exit."""
    if settings.database_url is None or settings.redis_url is None:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set (the wsoptv CLI sets them)")
    db = await create_pool(settings.database_url, settings.database_pool_size)
    redis = Redis.from_url(settings.redis_url)
    prober: asyncio.Task[None] | None = None
    try:
        bus.redis = redis
        await bus.start()
        await registry.start(settings, bus, db, redis)
        # Health is also probed on demand (GET /api/health); this catches a block going bad
        # (or recovering) when nobody is looking.
        prober = asyncio.create_task(registry.watch(settings.block_health_interval))
        yield Connections(db, redis)
    finally:
        if prober is not None:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
        await registry.stop()
        await bus.stop()
        await redis.aclose()
        await db.close()
