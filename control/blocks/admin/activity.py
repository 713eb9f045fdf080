"""Streams and views as the edge's limiter keeps them in Redis (read-only).

Leases: `{wsoptv:streams}:leases` (sid scored by lease expiry, ms of Redis server time)
and `:user:<sub>` per user. Views: `:views:<cid>` (one sid per started stream, scored by
its start) and `:viewed` (cid scored by its last start). Times come from Redis, as in the
limiter's script, so no clock of ours matters.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

KEY_PREFIX = "{wsoptv:streams}"
WEEK_MS = 7 * 24 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000


async def redis_now_ms(redis: Redis) -> int:
    seconds, micros = await redis.time()
    return int(seconds) * 1000 + int(micros) // 1000


async def live_leases(redis: Redis, now_ms: int) -> tuple[int, int]:
    """(live streams, users with at least one live stream)."""
    streams = await redis.zcount(f"{KEY_PREFIX}:leases", f"({now_ms}", "+inf")
    user_keys = [key async for key in redis.scan_iter(match=f"{KEY_PREFIX}:user:*", count=500)]
    if not user_keys:
        return int(streams), 0
    async with redis.pipeline(transaction=False) as pipe:
        for key in user_keys:
            pipe.zcount(key, f"({now_ms}", "+inf")
        counts = await pipe.execute()
    return int(streams), sum(1 for count in counts if count)


@dataclass(frozen=True, slots=True)
class ContentViews:
    content_id: int
    week: int
    today: int


async def views(redis: Redis, now_ms: int) -> list[ContentViews]:
    """Views of every content started in the last 7 days and since 00:00 UTC, most first."""
    week_start, day_start = now_ms - WEEK_MS, now_ms - now_ms % DAY_MS
    members = await redis.zrangebyscore(f"{KEY_PREFIX}:viewed", week_start, "+inf")
    ids = [int(m) for m in members if isinstance(m, bytes) and m.isdigit()]
    if not ids:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for content_id in ids:
            pipe.zcount(f"{KEY_PREFIX}:views:{content_id}", week_start, "+inf")
            pipe.zcount(f"{KEY_PREFIX}:views:{content_id}", day_start, "+inf")
        counts = await pipe.execute()
    found = [
        ContentViews(cid, int(counts[2 * i]), int(counts[2 * i + 1])) for i, cid in enumerate(ids)
    ]
    # Ties: the one viewed more today, then the newer content.
    return sorted((v for v in found if v.week), key=lambda v: (-v.week, -v.today, -v.content_id))
