"""Trending input: contents ranked by started streams in the last 7 days, as the edge counts
them (one view per started stream, in the limiter's Redis keys: shared/streams.py)."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.streams import VIEW_WINDOW_MS, server_time_ms, views_since


async def top_viewed(redis: Redis, limit: int | None = None) -> list[tuple[int, int]]:
    """(content id, views in the window), most viewed first; all of them without `limit`.

    The row is cut after deleted or missing contents are dropped (rows.trending), so it
    takes every ranked content, not only the first ROW_LENGTH.
    """
    since = await server_time_ms(redis) - VIEW_WINDOW_MS
    ranked = await views_since(redis, since, limit)
    return [(int(cid), count) for cid, count in ranked if cid.isdigit()]
