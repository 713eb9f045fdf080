"""Read and release the edge limiter's stream leases (edge/limiter.lua's key layout).

Interim: written against the layout of edge/limiter.py until shared/streams.py lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

KEY_PREFIX = "{wsoptv:streams}"


@dataclass(frozen=True, slots=True)
class Lease:
    sid: str
    content_id: int | None
    started_ms: int | None
    last_seen_ms: int | None
    edge: str | None
    expires_ms: int | None


class LeaseStore:
    def __init__(self, redis: Redis, idle_ttl_seconds: int, ended_ttl_seconds: int) -> None:
        self.redis = redis
        self.idle_ttl_ms = idle_ttl_seconds * 1000
        self.ended_ttl_ms = ended_ttl_seconds * 1000

    async def _now_ms(self) -> int:
        # Redis server time, the clock the limiter scores leases with.
        seconds, micros = await self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    async def user_leases(self, user_id: int) -> list[Lease]:
        now = await self._now_ms()
        rows = await self.redis.zrangebyscore(
            f"{KEY_PREFIX}:user:{user_id}", now, "+inf", withscores=True
        )
        out = []
        for member, score in cast("list[tuple[bytes, float]]", rows):
            sid = member.decode() if isinstance(member, bytes) else str(member)
            expires = int(score)
            out.append(Lease(sid, None, None, expires - self.idle_ttl_ms, None, expires))
        return out

    async def started_ms(self, content_id: int, sid: str) -> int | None:
        """When the edge started stream `sid`: the limiter counts each start as a view."""
        score = await self.redis.zscore(f"{KEY_PREFIX}:views:{content_id}", sid)
        return None if score is None else int(score)

    async def holds(self, user_id: int, sid: str) -> bool:
        score = await self.redis.zscore(f"{KEY_PREFIX}:user:{user_id}", sid)
        return score is not None and int(score) > await self._now_ms()

    async def release(self, user_id: int, sid: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(f"{KEY_PREFIX}:leases", sid)
            pipe.zrem(f"{KEY_PREFIX}:user:{user_id}", sid)
            pipe.zrem(f"{KEY_PREFIX}:queue", sid)
            pipe.set(f"{KEY_PREFIX}:ended:{sid}", "1", px=self.ended_ttl_ms)
            await pipe.execute()
