"""Live streams and views, read from the edge limiter's Redis keys (shared/streams.py).

Times come from Redis (the clock the limiter scores with), so no clock of ours matters.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared.streams import VIEW_WINDOW_MS, active_leases, server_time_ms, views_since

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class ContentViews:
    content_id: int
    week: int
    today: int


@dataclass(frozen=True, slots=True)
class Activity:
    active_streams: int
    active_users: int
    by_content: list[ContentViews]  # most viewed first


async def read_activity(redis: Redis) -> Activity:
    """Live leases, and views per content over 7 days and since 00:00 UTC."""
    now = await server_time_ms(redis)
    leases = await active_leases(redis)
    week = await views_since(redis, now - VIEW_WINDOW_MS)
    today = dict(await views_since(redis, now - now % DAY_MS))
    by_content = [
        ContentViews(int(cid), count, today.get(cid, 0)) for cid, count in week if cid.isdigit()
    ]
    # Ties: the one viewed more today, then the newer content.
    by_content.sort(key=lambda v: (-v.week, -v.today, -v.content_id))
    return Activity(len(leases), len({lease.user_id for lease in leases}), by_content)
