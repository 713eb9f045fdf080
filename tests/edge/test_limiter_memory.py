"""What an edge process may do with its memory of a lease, against real Redis (in process).

The read path and the renewer follow one rule: a lease this process holds and whose stream
is read (within the idle TTL) may be re-registered whatever its token's age, as after an
outage that made Redis lose it; nothing else starts a stream for an expired token.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from redis.asyncio import Redis

from edge.errors import LeaseGone, StreamEnded
from edge.limiter import LimiterPolicy, StreamLimiter
from edge.metrics import EdgeMetrics
from shared import streams
from shared.token import StreamClaims

TTL = 60
POLICY = LimiterPolicy(
    global_limit=10,
    per_user_limit=2,
    idle_ttl=TTL,
    queue_size=0,
    queue_wait=0,
    failure_policy="open",
    fallback_limit=5,
)


def claims(sid: str, sub: str = "viewer") -> StreamClaims:
    return StreamClaims(sub=sub, cid="7", sid=sid, p="a.mp4", iat=0, exp=2**31)


async def lost_by_redis(redis: Redis, sid: str, sub: str = "viewer") -> None:
    """What an outage longer than the TTL leaves: the lease is gone from Redis."""
    await redis.zrem(streams.LEASES, sid)
    await redis.zrem(streams.user_key(sub), sid)


async def in_redis(redis: Redis, sid: str) -> bool:
    return await redis.zscore(streams.LEASES, sid) is not None


@pytest.mark.parametrize("who", ["read path", "renewer"])
async def test_a_held_lease_read_through_is_re_registered_whatever_its_token(
    redis: Redis, who: str
) -> None:
    limiter = StreamLimiter(redis, POLICY, EdgeMetrics())
    lease = await limiter.admit(claims("played-through"), token_expired=False)
    await lost_by_redis(redis, "played-through")
    lease.confirmed_at = -math.inf  # not trusted any more: Redis must be asked
    if who == "read path":
        # Its token has expired meanwhile: the stream still may not break.
        again = await limiter.admit(claims("played-through"), token_expired=True)
        assert again is lease
    else:
        await limiter.renew_once()
    assert await in_redis(redis, "played-through")


async def test_an_expired_token_neither_starts_nor_revives_an_idle_stream(redis: Redis) -> None:
    limiter = StreamLimiter(redis, POLICY, EdgeMetrics())
    with pytest.raises(LeaseGone):
        await limiter.admit(claims("never-played"), token_expired=True)
    lease = await limiter.admit(claims("went-idle"), token_expired=False)
    await lost_by_redis(redis, "went-idle")
    lease.confirmed_at = -math.inf
    lease.last_read = time.monotonic() - TTL - 1  # nobody read it for a TTL: it is over
    with pytest.raises(LeaseGone):
        await limiter.admit(claims("went-idle"), token_expired=True)
    await limiter.renew_once()
    assert not await in_redis(redis, "went-idle")


async def test_a_release_heard_during_an_admission_wins(redis: Redis) -> None:
    """A renewal answered just before a release was published must not bring it back."""
    limiter = StreamLimiter(redis, POLICY, EdgeMetrics())
    lease = await limiter.admit(claims("racing"), token_expired=False)
    lease.confirmed_at = -math.inf
    call = limiter._call

    async def released_meanwhile(*args: Any, **kwargs: Any) -> tuple[int, int, Any]:
        answer = await call(*args, **kwargs)
        limiter._forget("racing")  # the released channel delivers while the call returns
        return answer

    limiter._call = released_meanwhile  # type: ignore[method-assign]
    with pytest.raises(StreamEnded):
        await limiter.admit(claims("racing"), token_expired=False)
    assert limiter.admit_now(claims("racing"), token_expired=False) is None  # not remembered
