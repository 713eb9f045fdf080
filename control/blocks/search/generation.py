"""The catalog generation: a Redis counter in every search cache key, bumped after each index
change, so cached results of an older catalog are never read again (and expire by TTL) —
no keyspace SCAN to drop them."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.redis_values import redis_text

log = logging.getLogger("wsoptv.control.block.search")
GENERATION_KEY = "wsoptv:search:generation"
TIMEOUT_SECONDS = 0.5


class Generation:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def current(self) -> str | None:
        """The generation to key caches with; None when Redis cannot say (then: no cache)."""
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                value = await self._redis.get(GENERATION_KEY)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("search: catalog generation unreadable, not caching: %r", exc)
            return None
        if value is None:
            return "0"
        return redis_text(value)

    async def bump(self) -> None:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                await self._redis.incr(GENERATION_KEY)
        except (RedisError, OSError, TimeoutError) as exc:
            # Cached results may then be served until their TTL (5 min) runs out.
            log.warning("search: catalog generation not bumped: %r", exc)
