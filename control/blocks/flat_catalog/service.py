"""The home screen: shared rows and the caller's own row, each cached on its own key."""

from __future__ import annotations

from typing import Any

import asyncpg
from redis.asyncio import Redis

from control.blocks.flat_catalog import rows
from control.blocks.flat_catalog.views import top_viewed
from control.orchestration.contracts import CacheKeys, L1Cache


class HomeService:
    def __init__(self, pool: asyncpg.Pool, redis: Redis, cache: L1Cache) -> None:
        self._pool, self._redis, self._cache = pool, redis, cache

    async def home(self, user_id: int) -> dict[str, Any]:
        """{rows: [...]} in the contract's order, empty rows left out."""
        shared = await self._cache.get_or_compute(
            CacheKeys.HOME_SHARED, CacheKeys.HOME_TTL, self._shared
        )

        async def own_row() -> dict[str, Any]:
            async with self._pool.acquire() as conn:
                return await rows.continue_watching(conn, user_id)

        # Keyed by the user id alone: one user's row can never be read under another's key.
        mine = await self._cache.get_or_compute(
            CacheKeys.home_user(user_id), CacheKeys.HOME_TTL, own_row
        )
        return rows.assemble(mine, shared)

    async def _shared(self) -> dict[str, Any]:
        views = await top_viewed(self._redis, rows.ROW_LENGTH)
        async with self._pool.acquire() as conn:
            return await rows.shared_rows(conn, views)
