"""Trending input: contents ranked by started streams in the last 7 days, as the edge counts them.

The edge's limiter records one entry per started stream in `{wsoptv:streams}:views:<cid>`
(sid scored by its start time, Redis server time in ms) and the last start of each content
in `{wsoptv:streams}:viewed`; this module only reads them.
"""

from __future__ import annotations

from redis.asyncio import Redis

KEY_PREFIX = "{wsoptv:streams}"
WINDOW_SECONDS = 7 * 24 * 3600


async def top_viewed(redis: Redis, limit: int) -> list[tuple[int, int]]:
    """(content id, views in the window), most viewed first, ties by newer id."""
    seconds, micros = await redis.time()
    since = seconds * 1000 + micros // 1000 - WINDOW_SECONDS * 1000
    members = await redis.zrangebyscore(f"{KEY_PREFIX}:viewed", since, "+inf")
    ids = [int(m) for m in members if isinstance(m, bytes) and m.isdigit()]
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for content_id in ids:
            pipe.zcount(f"{KEY_PREFIX}:views:{content_id}", since, "+inf")
        counts = await pipe.execute()
    ranked = sorted(
        ((cid, int(n)) for cid, n in zip(ids, counts, strict=True) if n),
        key=lambda pair: (-pair[1], -pair[0]),
    )
    return ranked[:limit]
