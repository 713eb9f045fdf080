"""What the edge's Redis keys say about the hot cache's files: views and last player reads.

Views come from the limiter's keys (shared/streams.py: one view per started stream, 7-day
window), last reads of SSD copies from the edge's read reports (shared/hot_reads.py). Times
are Redis server time, the clock the limiter scores with.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from shared.hot_reads import READS
from shared.streams import VIEW_WINDOW_MS, server_time_ms, views_key, views_since


async def views_7d(redis: Redis) -> dict[int, int]:
    """Started streams per content over the last 7 days (contents with at least one)."""
    now = await server_time_ms(redis)
    return {
        int(cid): n for cid, n in await views_since(redis, now - VIEW_WINDOW_MS) if cid.isdigit()
    }


async def views_of(redis: Redis, content_id: int) -> int:
    now = await server_time_ms(redis)
    return int(await redis.zcount(views_key(str(content_id)), now - VIEW_WINDOW_MS, "+inf"))


async def last_reads(redis: Redis, paths: Sequence[str]) -> dict[str, int]:
    """Last player read (ms) of each SSD copy path that was read at all."""
    if not paths:
        return {}
    scores = await redis.zmscore(READS, list(paths))
    return {
        path: int(score) for path, score in zip(paths, scores, strict=True) if score is not None
    }


async def forget_reads(redis: Redis, paths: Sequence[str]) -> None:
    if paths:
        await redis.zrem(READS, *paths)
