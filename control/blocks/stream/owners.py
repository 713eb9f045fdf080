"""Which user owns which stream session (sid), so only the owner can renew or end it.

The edge's leases say which user a *live* stream belongs to; this record also covers a sid
whose token was issued but not played yet, or whose lease went idle while its player can
still come back. It lives as long as the token could start the stream plus one lease TTL,
and shares the limiter's `{wsoptv:streams}` hash tag (one Redis Cluster slot).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared import streams

# The limiter's release op reads and deletes this record too (shared/streams.py).
OWNER_KEY = streams.owner_key("")


@dataclass(frozen=True, slots=True)
class StreamOwner:
    user_id: int
    content_id: int


class StreamOwners:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    async def remember(self, sid: str, owner: StreamOwner) -> None:
        """Record (or refresh, on renewal) the owner of `sid` for another full lifetime."""
        await self.redis.set(OWNER_KEY + sid, f"{owner.user_id}:{owner.content_id}", ex=self.ttl)

    async def renewable(self, sid: str, user_id: int) -> StreamOwner | None:
        """The owner record of `sid` if `user_id` owns it and it can still play: None for an
        unknown or foreign sid, and once the stream was ended (by its player at the edge
        or through the API): a new token for it could never play."""
        raw, ended = await self.redis.mget([OWNER_KEY + sid, streams.ended_key(sid)])
        if raw is None or ended is not None:
            return None
        owner = _parse(raw)
        return owner if owner.user_id == user_id else None


def _parse(raw: bytes | str) -> StreamOwner:
    user, _, content = (raw.decode() if isinstance(raw, bytes) else raw).partition(":")
    return StreamOwner(int(user), int(content))
