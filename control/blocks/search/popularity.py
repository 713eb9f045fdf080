"""Popularity: the edge's started streams per content over 7 days, copied into the index.
The same periodic task sets MeiliSearch up when it was down at start-up, and sends it the
changes it missed.

The views change with every stream; results are ranked with a copy refreshed every
SEARCH_POPULARITY_INTERVAL seconds (one control process at a time does it). A refresh does
not drop cached results: they are at most SEARCH_TTL old anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from control.blocks.search.errors import SearchBackendDown
from control.blocks.search.indexer import Indexer
from control.blocks.search.meili import MeiliSearch
from control.blocks.search.pg_index import PostgresIndex
from shared.streams import VIEW_WINDOW_MS, server_time_ms, views_since

log = logging.getLogger("wsoptv.control.block.search.popularity")


class PopularityRefresher:
    def __init__(
        self,
        redis: Redis,
        index: PostgresIndex,
        meili: MeiliSearch | None,
        indexer: Indexer,
        interval: float,
        meili_ready: Callable[[], Awaitable[None]],
    ) -> None:
        self._redis = redis
        self._index = index
        self._meili = meili
        self._indexer = indexer
        self._interval = interval
        self._meili_ready = meili_ready  # the catch-up (fills an empty MeiliSearch index)

    async def refresh(self) -> dict[int, int]:
        """Copy the current view counts; {content id: views} of those that changed."""
        since = await server_time_ms(self._redis) - VIEW_WINDOW_MS
        views = {
            int(cid): count for cid, count in await views_since(self._redis, since) if cid.isdigit()
        }
        changed = await self._index.set_popularity(views)
        if self._meili is not None and changed:
            await self._meili.set_popularity(changed)
        return changed

    async def run(self) -> None:
        """Every interval, until cancelled: set MeiliSearch up if it was not reachable yet,
        send what it missed, refresh the views."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                if self._meili is not None and not self._meili.ready:
                    await self._meili.ensure_index()
                    await self._meili_ready()
                await self._indexer.retry()
                await self.refresh()
            except (RedisError, OSError, SearchBackendDown) as exc:
                log.warning("search: popularity not refreshed: %r", exc)
            except Exception:  # the loop must outlive any one failure
                log.exception("search: popularity refresh failed")
