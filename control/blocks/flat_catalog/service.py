"""The home screen: shared rows and the caller's own row, each cached on its own key."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.flat_catalog import rows
from control.blocks.flat_catalog.views import top_viewed
from control.orchestration.contracts import CacheKeys, L1Cache
from shared.thumbnails import ThumbnailUrls

log = logging.getLogger("wsoptv.control.flat_catalog")

# The view counts are a nice-to-have: a slow Redis must not hold the home screen up.
VIEWS_TIMEOUT_SECONDS = 1.0


class HomeService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        cache: L1Cache,
        urls: ThumbnailUrls,
        *,
        views_timeout: float = VIEWS_TIMEOUT_SECONDS,
    ) -> None:
        self._pool, self._redis, self._cache = pool, redis, cache
        self._urls = urls
        self._views_timeout = views_timeout
        self._views_down = False  # logged once per outage, not once per request

    async def probe(self) -> None:
        await self._pool.fetchval("SELECT 1 FROM contents LIMIT 1")

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
        document = rows.assemble(mine, shared)
        # Signed after the cache: a URL's token follows its own period, not the cache's.
        for row in document["rows"]:
            row["items"] = [
                {**item, "thumbnail_url": self._urls(item["thumbnail_path"])}
                for item in row["items"]
            ]
        return document

    async def _shared(self) -> dict[str, Any]:
        views = await self._views()
        async with self._pool.acquire() as conn:
            return await rows.shared_rows(conn, views)

    async def _views(self) -> list[tuple[int, int]]:
        """Every content's 7-day views, most viewed first; none while Redis is unreachable.

        Without them the home screen is still served from PostgreSQL, just without Trending.
        """
        try:
            async with asyncio.timeout(self._views_timeout):
                views = await top_viewed(self._redis)
        except (RedisError, OSError, TimeoutError) as exc:
            if not self._views_down:
                log.warning("home: Trending left out, view counts unreachable in Redis: %r", exc)
            self._views_down = True
            return []
        if self._views_down:
            log.warning("home: view counts reachable again, Trending is back")
            self._views_down = False
        return views
